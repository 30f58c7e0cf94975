"""Custom field use cases: define fields, and check a record's values against them."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select

from crm_shared.events.sales import CustomFieldCreatedV1, CustomFieldUpdatedV1
from crm_shared.http.problems import InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.customfields.domain import FieldDef, check_values
from sales.customfields.models import CustomField
from sales.org import commit_or_conflict
from sales.schemas import _Patch

Entity = Literal["account", "contact", "opportunity"]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CustomFieldCreate(BaseModel):
    """A new custom field; select and multi-select fields need options."""

    model_config = ConfigDict(extra="forbid")

    entity: Entity
    key: Key
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    type: Literal["text", "number", "date", "select", "multi_select"]
    required: bool = False
    options: Annotated[list[Option], Field(max_length=100)] = []

    @model_validator(mode="after")
    def _options_for_selects(self) -> "CustomFieldCreate":
        if self.type in ("select", "multi_select") and not self.options:
            raise ValueError("select and multi_select fields need options")
        return self


Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CustomFieldUpdate(_Patch):
    """A change to a field's label, required flag or options (its entity, key and type stay)."""

    not_null = ("label", "required", "options")

    label: Label | None = None
    required: bool | None = None
    options: Annotated[list[Option], Field(max_length=100)] | None = None


class CustomFieldRead(BaseModel):
    """A custom field as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    entity: str
    key: str
    label: str
    type: str
    required: bool
    options: list[str]


async def define_field(*, uow: UnitOfWork, data: CustomFieldCreate, now: datetime) -> CustomField:
    """Add a custom field (admin); existing records are not touched, a required one applies on next write."""
    field = CustomField(id=new_id(), created_at=now, **data.model_dump())
    uow.session.add(field)
    uow.emit(CustomFieldCreatedV1(aggregate_id=field.id, occurred_at=now, **_snapshot(field)))
    await commit_or_conflict(uow, f"{data.entity} already has a custom field {data.key}")
    return field


async def change_field(
    *, uow: UnitOfWork, field_id: str, data: CustomFieldUpdate, now: datetime
) -> CustomField:
    """Change a field's label, required flag or options (admin); emit `sales.custom-field.updated`.
    Values already stored are kept; they are checked against the new definition on their next write."""
    field = await uow.session.get(CustomField, field_id)
    if field is None:
        raise NotFoundError(f"custom field {field_id} not found")
    changes = data.model_dump(exclude_unset=True)
    if "options" in changes:
        if field.type not in ("select", "multi_select"):
            raise InvalidError(f"a {field.type} field has no options", field="options")
        if not changes["options"]:
            raise InvalidError("select and multi_select fields need options", field="options")
    changed = [name for name, value in changes.items() if getattr(field, name) != value]
    if not changed:
        return field
    for name in changed:
        setattr(field, name, changes[name])
    uow.emit(
        CustomFieldUpdatedV1(
            aggregate_id=field.id, occurred_at=now, changed_fields=changed, **_snapshot(field)
        )
    )
    await uow.commit()
    return field


def _snapshot(field: CustomField) -> dict:
    return {name: getattr(field, name) for name in ("entity", "key", "label", "type", "required", "options")}


async def list_fields(*, uow: UnitOfWork, entity: str | None) -> list[CustomField]:
    """The custom fields, of one entity or all."""
    query = select(CustomField).order_by(CustomField.entity, CustomField.key)
    if entity:
        query = query.where(CustomField.entity == entity)
    return list((await uow.session.execute(query)).scalars())


async def checked_values(
    uow: UnitOfWork,
    entity: str,
    current: dict | None,
    sent: dict[str, Any] | None,
    *,
    enforce_required: bool = True,
) -> dict[str, Any]:
    """The record's custom values after the change, checked against the entity's definitions."""
    defs = {
        f.key: FieldDef(f.key, f.type, f.required, tuple(f.options))
        for f in await list_fields(uow=uow, entity=entity)
    }
    return check_values(defs, current or {}, sent, enforce_required=enforce_required)
