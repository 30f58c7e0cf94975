"""Event contracts: export every event's JSON schema, and judge a change against the checked-in one."""

import argparse
import json
from pathlib import Path

from crm_shared.events import REGISTRY

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def schema_file(event_type: str, version: int) -> str:
    """The checked-in file name of one event version's schema."""
    return f"{event_type}.v{version}.json"


def current_schemas() -> dict[str, dict]:
    """The JSON schema of every registered CRM event, keyed by file name (test events excluded)."""
    out = {}
    for event_type, cls in sorted(REGISTRY.items()):
        if not cls.topic.startswith("crm.test."):
            version = cls.model_fields["event_version"].default
            schema = cls.model_json_schema()
            schema["x-topic"] = cls.topic
            out[schema_file(event_type, version)] = schema
    return out


def incompatibilities(old: dict, new: dict) -> list[str]:
    """Why `new` would break a reader or writer of `old` (empty when only additive)."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, spec in old_props.items():
        if name not in new_props:
            problems.append(f"field {name!r} removed")
        elif _shape(spec) != _shape(new_props[name]):
            problems.append(f"field {name!r} changed type: {_shape(spec)} -> {_shape(new_props[name])}")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"field {name!r} became required")
    if old.get("x-topic") != new.get("x-topic"):
        problems.append(f"topic changed: {old.get('x-topic')} -> {new.get('x-topic')}")
    return problems


def _shape(spec: dict) -> object:
    """What a field accepts, without its title, description or default."""
    ignored = {"title", "description", "default", "examples"}
    if isinstance(spec, dict):
        return {k: _shape(v) for k, v in spec.items() if k not in ignored}
    if isinstance(spec, list):
        return [_shape(v) for v in spec]
    return spec


def export(directory: Path = SCHEMA_DIR) -> list[str]:
    """Write every event's schema; refuse to overwrite a file with an incompatible change."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in current_schemas().items():
        path = directory / name
        if path.exists():
            problems = incompatibilities(json.loads(path.read_text()), schema)
            if problems:
                raise SystemExit(f"{name}: incompatible change, make a new version: {'; '.join(problems)}")
        path.write_text(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        written.append(name)
    return written


def main() -> None:
    """CLI: `python -m crm_shared.contracts export`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["export"])
    parser.parse_args()
    for name in export():
        print(f"wrote {SCHEMA_DIR / name}")


if __name__ == "__main__":
    main()
