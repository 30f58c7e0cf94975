"""Unit tests of the event envelope, the event registry and the topic registry."""

import json
import re
from datetime import UTC, timedelta
from typing import Literal
from uuid import UUID, uuid4

import pytest
from event_samples import samples, user
from pydantic import ValidationError

from crm_shared.events import REGISTRY, Event, UnknownEventType, parse_event, register
from crm_shared.events import base as events_base
from crm_shared.events.leads import (
    LeadCapturedV1,
)
from crm_shared.events.sales import (
    TeamUpdatedV1,
    UserCreatedV1,
    UserUpdatedV1,
)
from crm_shared.topics import (
    DLQ_SUFFIX,
    SALES_TEAM,
    SALES_USER,
    SERVICES,
    TOPICS,
    all_topic_specs,
    by_name,
    liveness_topic,
)

TEST_TOPIC = "crm.test.thing.v1"  # registered by minisvc.py when another test module imports it
TOPIC_NAME = re.compile(r"^crm\.[a-z][a-z-]*(\.[a-z][a-z-]*)?\.v[0-9]+$")


# --- envelope -------------------------------------------------------------------------------------


def test_envelope_defaults():
    a, b = user(), user()
    assert isinstance(a.event_id, UUID) and a.event_id.version == 7  # time-ordered (crm_shared.ids)
    assert a.event_id != b.event_id and str(a.event_id) < str(b.event_id)
    assert a.occurred_at.tzinfo is not None and a.occurred_at.utcoffset() == timedelta(0)
    assert a.event_version == 1
    assert a.event_type == "sales.user.created"
    assert a.producer == "unknown"
    assert a.correlation_id is None and a.causation_id is None
    assert a.changed_fields == [] and a.changed_fields is not b.changed_fields


def test_envelope_class_binding():
    assert UserCreatedV1.topic == SALES_USER.name and UserCreatedV1.aggregate_type == "user"
    assert TeamUpdatedV1.topic == SALES_TEAM.name and TeamUpdatedV1.aggregate_type == "team"
    assert LeadCapturedV1.aggregate_type == "lead"


def test_envelope_is_frozen():
    event = user()
    with pytest.raises(ValidationError):
        event.name = "Mallory"
    with pytest.raises(ValidationError):
        event.event_id = uuid4()
    assert event.name == "Ann"


def test_envelope_ignores_unknown_fields():
    data = user().model_dump(mode="json") | {"added_in_v1_1": "whatever", "nested": {"x": 1}}
    event = parse_event(data)
    assert isinstance(event, UserCreatedV1)
    assert event.name == "Ann"
    assert not hasattr(event, "added_in_v1_1")
    assert "added_in_v1_1" not in event.model_dump()


def test_headers_without_correlation():
    event = user(event_version=2)
    assert event.headers() == {
        "event_type": "sales.user.created",
        "event_id": str(event.event_id),
        "event_version": "2",
    }


def test_headers_with_correlation():
    corr = uuid4()
    headers = user(correlation_id=corr).headers()
    assert headers["correlation_id"] == str(corr)
    assert set(headers) == {"event_type", "event_id", "event_version", "correlation_id"}
    assert all(isinstance(v, str) for v in headers.values())


def test_id_text_is_the_event_ids_text_also_in_a_copy_with_another_id():
    event = user()
    assert event.id_text == str(event.event_id)  # made once, then kept
    for deep in (False, True):
        other = event.model_copy(update={"event_id": uuid4()}, deep=deep)
        assert other.id_text == str(other.event_id) != event.id_text
    assert event.model_copy().id_text == event.id_text
    parsed = type(event).model_validate_json(event.model_dump_json())
    assert parsed == event and "id_text" not in json.loads(event.model_dump_json())


def test_samples_cover_every_registered_class():
    registered = {cls for cls in REGISTRY.values() if cls.topic != TEST_TOPIC}
    assert {type(e) for e in samples()} == registered


@pytest.mark.parametrize("event", samples(), ids=lambda e: e.event_type)
def test_parse_event_round_trip(event):
    from_dict = parse_event(event.model_dump(mode="json"))
    from_json = parse_event(json.loads(event.model_dump_json()))
    for parsed in (from_dict, from_json):
        assert type(parsed) is type(event)
        assert parsed == event
        assert parsed.occurred_at.tzinfo is not None
    assert REGISTRY[event.event_type] is type(event)


def test_parse_event_dispatches_on_event_type():
    data = user().model_dump(mode="json") | {"event_type": "sales.user.updated"}
    assert type(parse_event(data)) is UserUpdatedV1


@pytest.mark.parametrize(
    "data",
    [
        {"event_type": "sales.user.deleted", "aggregate_id": "u-1"},
        {"aggregate_id": "u-1"},
        {"event_type": 42, "aggregate_id": "u-1"},
        {"event_type": ["sales.user.created"], "aggregate_id": "u-1"},
    ],
)
def test_parse_event_unknown_type(data):
    with pytest.raises(UnknownEventType):
        parse_event(data)


@pytest.mark.parametrize(
    "data",
    [
        {"event_type": "leads.lead.captured", "aggregate_id": "l-1"},  # name and source missing
        {
            "event_type": "leads.lead.captured",
            "aggregate_id": "l-1",
            "name": "Bob",
            "source": "web",
            "event_version": "one",
        },
        {"event_type": "sales.team.created", "name": "North"},  # no aggregate_id
        {
            "event_type": "sales.user.created",
            "aggregate_id": "u-1",
            "name": "Ann",
            "email": "a@x",
            "role": "rep",
            "event_id": "not-a-uuid",
        },
    ],
)
def test_parse_event_bad_payload(data):
    with pytest.raises(ValidationError):
        parse_event(data)


def test_register_refuses_duplicate_event_type():
    before = dict(REGISTRY)
    with pytest.raises(TypeError, match="unique"):

        @register(SALES_USER.name, "user")
        class Impostor(Event):
            event_type: Literal["sales.user.created"] = "sales.user.created"

    assert REGISTRY == before and REGISTRY["sales.user.created"] is UserCreatedV1


def test_register_refuses_missing_default_event_type():
    with pytest.raises(TypeError):

        @register(SALES_USER.name, "user")
        class NoDefault(Event):
            pass


def test_register_binds_new_class(monkeypatch):
    monkeypatch.setattr(events_base, "REGISTRY", dict(REGISTRY))  # keep the real registry clean

    @register("crm.sales.user.v1", "user")
    class UserArchivedV1(Event):
        event_type: Literal["sales.user.archived"] = "sales.user.archived"

    assert events_base.REGISTRY["sales.user.archived"] is UserArchivedV1
    assert UserArchivedV1.topic == "crm.sales.user.v1" and UserArchivedV1.aggregate_type == "user"
    assert "sales.user.archived" not in REGISTRY


# --- topic registry -------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_topic_contract(topic):
    assert TOPIC_NAME.match(topic.name) and "_" not in topic.name
    assert topic.owner in SERVICES or topic.owner == "*"
    assert topic.consumers and set(topic.consumers) <= set(SERVICES)
    assert len(set(topic.consumers)) == len(topic.consumers)
    assert topic.partitions >= 1
    assert topic.dlq == f"{topic.name}.dlq" and DLQ_SUFFIX == ".dlq"
    assert by_name(topic.name) is topic


def test_topic_names_unique_and_lookup():
    names = [t.name for t in TOPICS]
    assert len(names) == len(set(names))
    with pytest.raises(KeyError):
        by_name("crm.nope.v1")


def test_liveness_topic_names_follow_convention():
    names = [liveness_topic(s) for s in SERVICES]
    assert all(TOPIC_NAME.match(n) for n in names)
    assert len(set(names)) == len(SERVICES)


def test_all_topic_specs():
    specs = all_topic_specs()
    names = [name for name, _ in specs]
    assert len(names) == len(set(names))
    for topic in TOPICS:
        assert (topic.name, topic.partitions) in specs
        assert (topic.dlq, 1) in specs
    # Liveness markers are deliberately left out: each service creates only its own (see topics.py).
    assert not {liveness_topic(s) for s in SERVICES} & set(names)
    assert len(specs) == 2 * len(TOPICS)


def test_topic_specs_capped_for_the_dev_broker():
    capped = dict(all_topic_specs(max_partitions=2))
    for topic in TOPICS:
        assert capped[topic.name] == min(topic.partitions, 2)
        assert capped[topic.dlq] == 1
    assert dict(all_topic_specs(0)) == dict(all_topic_specs())  # 0: the registry's counts


def test_every_event_class_topic_is_registered():
    known = {t.name for t in TOPICS}
    for event_type, cls in REGISTRY.items():
        assert cls.topic in known or cls.topic == TEST_TOPIC, (event_type, cls.topic)


def test_utcnow_is_aware():
    assert events_base.utcnow().tzinfo is UTC
