"""Unit tests of the event envelope, the event registry and the topic registry."""

import json
import re
from datetime import UTC, timedelta
from typing import Literal
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from crm_shared.events import REGISTRY, Event, UnknownEventType, parse_event, register
from crm_shared.events import base as events_base
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.leads import (
    CampaignCreatedV1,
    CampaignUpdatedV1,
    ConvertedAccount,
    ConvertedContact,
    ConvertedOpportunity,
    LeadAssignedV1,
    LeadCapturedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadFirstContactBreachedV1,
    LeadFirstContactWarnedV1,
    LeadMergedV1,
    LeadScoredV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    RoutingCandidate,
    ScorePoint,
    SubmissionReceivedV1,
)
from crm_shared.events.sales import (
    AccountCreatedV1,
    AccountDeletedV1,
    AccountUpdatedV1,
    ContactCreatedV1,
    ContactDeletedV1,
    ContactRole,
    ContactUpdatedV1,
    ContractCreatedV1,
    ContractUpdatedV1,
    InvoiceIssuedV1,
    OpportunityLine,
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunityStageChangedV1,
    OpportunityUpdatedV1,
    OpportunityWonV1,
    OrderCreatedV1,
    OrderUpdatedV1,
    PaymentRecordedV1,
    TeamCreatedV1,
    TeamUpdatedV1,
    UserCreatedV1,
    UserUpdatedV1,
)
from crm_shared.events.service_desk import (
    TicketAssignedV1,
    TicketClosedV1,
    TicketCsatRatedV1,
    TicketOpenedV1,
    TicketReopenedV1,
    TicketResolvedV1,
    TicketSlaBreachedV1,
    TicketSlaWarningV1,
    TicketUpdatedV1,
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


def user(**overrides) -> UserCreatedV1:
    fields = {"aggregate_id": "u-1", "name": "Ann", "email": "ann@example.com", "role": "rep"}
    return UserCreatedV1(**(fields | overrides))


def ticket(**overrides) -> dict:
    now = events_base.utcnow()
    return {"aggregate_id": "tk-1", "subject": "Line down", "channel": "phone", "category": "network",
            "priority": "high", "status": "open", "account_id": "a-1", "contact_id": "c-1", "order_id": "o-1",
            "queue_id": "q-1", "assignee_id": "u-1", "customer_tier": "A", "opened_at": now,
            "first_response_at": now, "sla_policy_id": "p-1", "first_response_target_minutes": 60,
            "next_update_target_minutes": 120, "resolution_target_minutes": 480, "first_response_due_at": now,
            "next_update_due_at": now, "resolution_due_at": now, "sla_paused": False,
            "time_spent_minutes": 30, "service_cost": "42.50"} | overrides


def opportunity(**overrides) -> dict:
    """The snapshot fields of a sales opportunity event."""
    return {"aggregate_id": "o-1", "name": "Acme CRM", "account_id": "a-1", "owner_id": "u-1",
            "team_id": "t-1", "pipeline_id": "p-1", "stage_id": "s-2", "stage_name": "Demo",
            "probability": 40, "forecast_category": "best_case", "amount": "1200.50", "currency": "CNY",
            "expected_close_date": "2026-06-30", "source_type": "lead", "source_id": "l-1"} | overrides


def stage_move() -> dict:
    """The from/to fields of a sales opportunity stage change."""
    return {"from_stage_id": "s-1", "from_stage_name": "Qualification", "to_stage_id": "s-2",
            "to_stage_name": "Demo", "seconds_in_previous_stage": 172800.0}


def samples() -> list[Event]:
    """One fully populated instance of every concrete event class."""
    corr = uuid4()
    return [
        user(phone="+4912345", team_id="t-1", region="EU", capacity=5, correlation_id=corr),
        UserUpdatedV1(aggregate_id="u-1", name="Ann B", email="ann@example.com", role="manager",
                      active=False, changed_fields=["name", "role", "active"]),
        TeamCreatedV1(aggregate_id="t-1", name="North", manager_id="u-1", region="EU", producer="sales"),
        TeamUpdatedV1(aggregate_id="t-1", name="North-East", changed_fields=["name"], causation_id=corr),
        LeadCapturedV1(aggregate_id="l-1", name="Bob", email="bob@example.com", company="Acme",
                       source="web", campaign="spring", owner_id="u-1", team_id="t-1"),
        LeadConvertedV1(aggregate_id="l-1", account=ConvertedAccount(name="Acme", domain="acme.com"),
                        contact=ConvertedContact(name="Bob", email="bob@acme.com", phone="+8613800138000"),
                        opportunity=ConvertedOpportunity(name="Acme CRM", amount="1200.50"),
                        owner_id="u-1"),
        AccountCreatedV1(aggregate_id="a-1", name="Acme", domain="acme.com", phones=["+8613800138000"],
                         source_type="lead", source_id="l-1"),
        AccountUpdatedV1(aggregate_id="a-1", name="Acme Ltd", tier="A", changed_fields=["name", "tier"]),
        ContactCreatedV1(aggregate_id="c-1", account_id="a-1", name="Bob", emails=["bob@acme.com"],
                         phones=["+8613800138000"], key_person=True),
        ContactUpdatedV1(aggregate_id="c-1", name="Bob Li", changed_fields=["name"]),
        AccountDeletedV1(aggregate_id="a-2", name="Old Co", owner_id="u-1", team_id="t-1"),
        ContactDeletedV1(aggregate_id="c-2", account_id="a-1", owner_id="u-1", team_id="t-1"),
        OpportunityOpenedV1(**opportunity(), lines=[OpportunityLine(product="Seats", quantity="10",
                                                                    unit_price="120.05", amount="1200.50")],
                            contact_roles=[ContactRole(contact_id="c-1", role="decision_maker")]),
        OpportunityUpdatedV1(**opportunity(amount="900"), changed_fields=["amount"]),
        OpportunityStageChangedV1(**opportunity(), **stage_move()),
        OpportunityWonV1(**opportunity(status="won", stage_type="won", probability=100,
                                       forecast_category="closed", close_reason="best fit",
                                       closed_at=events_base.utcnow()), **stage_move()),
        OpportunityLostV1(**opportunity(status="lost", stage_type="lost", probability=0,
                                        forecast_category="omitted", close_reason="price", competitor="Rival",
                                        closed_at=events_base.utcnow()), **stage_move()),
        ContractCreatedV1(aggregate_id="k-1", account_id="a-1", opportunity_id="o-1", name="Acme CRM",
                          owner_id="u-1", team_id="t-1", value="1200.50", start_date="2026-04-01",
                          end_date="2027-03-31", auto_renew=True, source_type="opportunity", source_id="o-1"),
        ContractUpdatedV1(aggregate_id="k-1", account_id="a-1", name="Acme CRM", value="1200.50",
                          status="terminated", changed_fields=["status"]),
        OrderCreatedV1(aggregate_id="r-1", account_id="a-1", contract_id="k-1", opportunity_id="o-1",
                       owner_id="u-1", team_id="t-1", amount="1200.50", source_type="contract",
                       source_id="k-1",
                       lines=[OpportunityLine(product="Seats", quantity="10", unit_price="120.05",
                                              amount="1200.50")]),
        OrderUpdatedV1(aggregate_id="r-1", account_id="a-1", amount="1200.50", status="fulfilled",
                       changed_fields=["status"]),
        InvoiceIssuedV1(aggregate_id="i-1", order_id="r-1", account_id="a-1", owner_id="u-1", amount="600",
                        issued_on="2026-04-01", due_on="2026-05-01"),
        PaymentRecordedV1(aggregate_id="i-1", order_id="r-1", account_id="a-1", amount="600",
                          paid_amount="600", issued_on="2026-04-01", due_on="2026-05-01", status="paid",
                          payment_id="p-1", payment_amount="600", paid_on="2026-04-20",
                          changed_fields=["paid_amount", "status"]),
        SubmissionReceivedV1(aggregate_id="s-1", form_id="f-1", fields={"email": "bob@acme.com"},
                             custom_fields={"budget": "10k"}, campaign="spring", default_team_id="t-1",
                             utm={"utm_source": "google"}, referrer="https://google.com/",
                             page_url="https://acme.com/contact", visitor_id="v-1",
                             quarantine_reason="honeypot", released=True),
        LeadScoredV1(aggregate_id="l-1", score=20, previous_score=5, trigger="submission",
                     breakdown=[ScorePoint(rule_id="r-1", kind="source", points=20,
                                           reason="source is referral")]),
        LeadAssignedV1(aggregate_id="l-1", owner_id="u-1", team_id="t-1", previous_owner_id="u-2",
                       rule_id="r-1", rule_name="East", strategy="round_robin",
                       inputs={"region": "East", "score": 20},
                       candidates=[RoutingCandidate(user_id="u-1", load=2, capacity=5, eligible=True)],
                       reason="rule 'East'", assigned_by="u-3"),
        LeadUpdatedV1(aggregate_id="l-1", name="Bob", email="bob@acme.com", phone="+8613800138000",
                      company="Acme", company_domain="acme.com", title="CTO", region="East", industry="IT",
                      source="web_form", campaign="spring", status="new", score=20, owner_id="u-1",
                      team_id="t-1", custom_fields={"budget": "10k"}, changed_fields=["title"]),
        LeadStatusChangedV1(aggregate_id="l-1", name="Bob", source="web_form", status="contacted",
                            previous_status="new", changed_by="u-1", changed_fields=["status"]),
        LeadDisqualifiedV1(aggregate_id="l-1", name="Bob", source="web_form", status="disqualified",
                           reason="no budget", changed_by="u-1"),
        LeadMergedV1(aggregate_id="l-1", merged_lead_id="l-2", merged_by="u-1"),
        LeadFirstContactWarnedV1(aggregate_id="l-1", owner_id="u-1", team_id="t-1",
                                 due_at=events_base.utcnow()),
        LeadFirstContactBreachedV1(aggregate_id="l-1", owner_id="u-1", team_id="t-1",
                                   due_at=events_base.utcnow()),
        InteractionRecordedV1(aggregate_id="i-1", channel="web", kind="form_submission", lead_id="l-1",
                              contact_id="c-1", account_id="a-1", email="bob@acme.com",
                              phone="+8613800138000", summary="Web form f-1 submitted",
                              source_service="leads", record_id="s-1"),
        CampaignCreatedV1(aggregate_id="cp-1", name="Spring fair", channel="event", cost="12000.50",
                          currency="CNY", starts_on="2026-03-01", ends_on="2026-03-31"),
        CampaignUpdatedV1(aggregate_id="cp-1", name="Spring fair", cost="15000", changed_fields=["cost"]),
        TicketOpenedV1(**ticket(status="new")),
        TicketUpdatedV1(**ticket(), changed_fields=["priority"]),
        TicketAssignedV1(**ticket(), strategy="least_loaded", reason="least loaded: 0 active tickets",
                         previous_assignee_id="u-2"),
        TicketSlaWarningV1(**ticket(), sla_target="first_response", due_at=events_base.utcnow(),
                           target_minutes=60),
        TicketSlaBreachedV1(**ticket(), sla_target="resolution", due_at=events_base.utcnow(),
                            target_minutes=480, escalated_to="u-9"),
        TicketResolvedV1(**ticket(status="resolved", resolved_at=events_base.utcnow())),
        TicketClosedV1(**ticket(status="closed", closed_at=events_base.utcnow())),
        TicketReopenedV1(**ticket(status="reopened"), changed_fields=["status"]),
        TicketCsatRatedV1(**ticket(status="resolved", csat_rating=5), rating=5, comment="Great"),
    ]


# --- envelope -------------------------------------------------------------------------------------


def test_envelope_defaults():
    a, b = user(), user()
    assert isinstance(a.event_id, UUID) and a.event_id.version == 4
    assert a.event_id != b.event_id
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


@pytest.mark.parametrize("data", [
    {"event_type": "sales.user.deleted", "aggregate_id": "u-1"},
    {"aggregate_id": "u-1"},
    {"event_type": 42, "aggregate_id": "u-1"},
    {"event_type": ["sales.user.created"], "aggregate_id": "u-1"},
])
def test_parse_event_unknown_type(data):
    with pytest.raises(UnknownEventType):
        parse_event(data)


@pytest.mark.parametrize("data", [
    {"event_type": "leads.lead.captured", "aggregate_id": "l-1"},  # name and source missing
    {"event_type": "leads.lead.captured", "aggregate_id": "l-1", "name": "Bob", "source": "web",
     "event_version": "one"},
    {"event_type": "sales.team.created", "name": "North"},  # no aggregate_id
    {"event_type": "sales.user.created", "aggregate_id": "u-1", "name": "Ann", "email": "a@x",
     "role": "rep", "event_id": "not-a-uuid"},
])
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


def test_every_event_class_topic_is_registered():
    known = {t.name for t in TOPICS}
    for event_type, cls in REGISTRY.items():
        assert cls.topic in known or cls.topic == TEST_TOPIC, (event_type, cls.topic)


def test_utcnow_is_aware():
    assert events_base.utcnow().tzinfo is UTC
