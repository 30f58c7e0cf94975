"""Every event's JSON schema is checked in, and an incompatible change fails here."""

import json

from crm_shared.contracts import SCHEMA_DIR, current_schemas, incompatibilities


def test_every_event_schema_is_checked_in_and_compatible():
    problems = {}
    for name, schema in current_schemas().items():
        path = SCHEMA_DIR / name
        assert path.exists(), f"{name} is not checked in: run `python -m crm_shared.contracts export`"
        found = incompatibilities(json.loads(path.read_text()), schema)
        if found:
            problems[name] = found
    assert not problems, f"incompatible event changes (make a V2 on a new topic instead): {problems}"


def test_checked_in_schemas_match_the_code_exactly():
    for name, schema in current_schemas().items():
        stored = json.loads((SCHEMA_DIR / name).read_text())
        assert stored == json.loads(json.dumps(schema)), f"{name} is stale: re-export it"


def test_no_checked_in_schema_lost_its_event_class():
    stored = {p.name for p in SCHEMA_DIR.glob("*.json")}
    assert stored <= set(current_schemas()), f"events removed: {stored - set(current_schemas())}"


def test_additive_change_is_compatible():
    old = {"properties": {"a": {"type": "string"}}, "required": ["a"], "x-topic": "t"}
    new = {"properties": {"a": {"type": "string", "description": "doc"}, "b": {"type": "integer",
                                                                               "default": 0}},
           "required": ["a"], "x-topic": "t"}
    assert incompatibilities(old, new) == []


def test_breaking_changes_are_named():
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"],
           "x-topic": "t"}
    new = {"properties": {"a": {"type": "integer"}, "c": {"type": "string"}}, "required": ["a", "c"],
           "x-topic": "u"}
    found = incompatibilities(old, new)
    assert "field 'b' removed" in found
    assert any(p.startswith("field 'a' changed type") for p in found)
    assert "field 'c' became required" in found
    assert "topic changed: t -> u" in found
