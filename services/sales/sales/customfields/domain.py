"""Custom field values checked against their definitions, without I/O."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_shared.http.problems import InvalidError

TYPES = ("text", "number", "date", "select", "multi_select")


@dataclass(frozen=True)
class FieldDef:
    """What a custom field accepts."""

    key: str
    type: str
    required: bool = False
    options: tuple[str, ...] = ()


def check_values(
    defs: dict[str, FieldDef],
    current: dict[str, Any],
    sent: dict[str, Any] | None,
    *,
    enforce_required: bool = True,
) -> dict[str, Any]:
    """The record's custom values after applying `sent` (null removes a value); 422 on
    `custom_fields.<key>` for an unknown field, a wrong type, an unknown option or a missing required one."""
    values = dict(current or {})
    for key, value in (sent or {}).items():
        if key not in defs:
            raise InvalidError(f"no custom field {key}", field=f"custom_fields.{key}")
        if value is None or value == [] or value == "":
            values.pop(key, None)
        else:
            values[key] = _checked(defs[key], value)
    if enforce_required:
        for key, definition in defs.items():
            if definition.required and key not in values:
                raise InvalidError(f"{key} is required", field=f"custom_fields.{key}")
    return values


def _checked(definition: FieldDef, value: Any) -> Any:
    field = f"custom_fields.{definition.key}"
    if definition.type == "text" and isinstance(value, str):
        return value.strip()
    if definition.type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if definition.type == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as error:  # fromisoformat's only error
            raise InvalidError(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from error
    if definition.type == "select" and isinstance(value, str):
        if value not in definition.options:
            raise InvalidError(f"{value!r} is not one of {list(definition.options)}", field=field)
        return value
    if (
        definition.type == "multi_select"
        and isinstance(value, list)
        and all(isinstance(v, str) for v in value)
    ):
        if unknown := [v for v in value if v not in definition.options]:
            raise InvalidError(f"{unknown} are not among {list(definition.options)}", field=field)
        return list(dict.fromkeys(value))
    raise InvalidError(f"expected a {definition.type} value", field=field)
