"""Hand-checked histories: five leads, four deals and four tickets, with two reps in two teams."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crm_shared.events.base import Event
from crm_shared.events.leads import (
    ConvertedAccount,
    ConvertedContact,
    LeadAssignedV1,
    LeadCapturedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadStatusChangedV1,
)
from crm_shared.events.sales import (
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunityStageChangedV1,
    OpportunityUpdatedV1,
    OpportunityWonV1,
    OrderCreatedV1,
    OrderUpdatedV1,
)
from crm_shared.events.service_desk import (
    TicketCsatRatedV1,
    TicketOpenedV1,
    TicketResolvedV1,
    TicketSlaBreachedV1,
    TicketUpdatedV1,
)

DAY1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REP_A, REP_B, TEAM_N, TEAM_S = "rep-a", "rep-b", "team-north", "team-south"


def at(days: float) -> datetime:
    """DAY1 plus a number of days."""
    return DAY1 + timedelta(days=days)


def captured(lead: str, source: str, campaign: str | None, days: float) -> LeadCapturedV1:
    """A lead captured unassigned."""
    return LeadCapturedV1(aggregate_id=lead, name=f"Lead {lead}", source=source, campaign=campaign,
                          occurred_at=at(days))


def assigned(lead: str, owner: str, team: str, days: float) -> LeadAssignedV1:
    """A lead routed to a rep."""
    return LeadAssignedV1(aggregate_id=lead, owner_id=owner, team_id=team, occurred_at=at(days))


def status(lead: str, source: str, campaign: str | None, owner: str, team: str, previous: str, new: str,
           days: float) -> LeadStatusChangedV1:
    """A status change (a full snapshot)."""
    return LeadStatusChangedV1(aggregate_id=lead, name=f"Lead {lead}", source=source, campaign=campaign,
                               owner_id=owner, team_id=team, previous_status=previous, status=new,
                               occurred_at=at(days))


def converted(lead: str, owner: str, team: str, days: float) -> LeadConvertedV1:
    """A conversion."""
    return LeadConvertedV1(aggregate_id=lead, account=ConvertedAccount(name="Acme"),
                           contact=ConvertedContact(name="Ann"), owner_id=owner, team_id=team,
                           occurred_at=at(days))


def history() -> list[Event]:
    """The events, in the order the leads service would publish them.

    L1 web/spring, rep A: captured d0, contacted d1, qualified d2, converted d5
    L2 web/spring, rep A: captured d0.5, contacted d3
    L3 web/none,   rep B: captured d1, disqualified d2
    L4 fair/expo,  rep B: captured d2, contacted d2.5, qualified d4 (skipped nothing)
    L5 fair/expo,  rep A: captured d6, converted d7 (straight from new: implies contacted, qualified)
    """
    return [
        captured("L1", "web_form", "spring", 0), assigned("L1", REP_A, TEAM_N, 0.01),
        status("L1", "web_form", "spring", REP_A, TEAM_N, "new", "contacted", 1),
        status("L1", "web_form", "spring", REP_A, TEAM_N, "contacted", "qualified", 2),
        converted("L1", REP_A, TEAM_N, 5),
        captured("L2", "web_form", "spring", 0.5), assigned("L2", REP_A, TEAM_N, 0.51),
        status("L2", "web_form", "spring", REP_A, TEAM_N, "new", "contacted", 3),
        captured("L3", "web_form", None, 1), assigned("L3", REP_B, TEAM_S, 1.01),
        LeadDisqualifiedV1(aggregate_id="L3", name="Lead L3", source="web_form", owner_id=REP_B,
                           team_id=TEAM_S, status="disqualified", reason="student", occurred_at=at(2)),
        captured("L4", "trade_fair", "expo", 2), assigned("L4", REP_B, TEAM_S, 2.01),
        status("L4", "trade_fair", "expo", REP_B, TEAM_S, "new", "contacted", 2.5),
        status("L4", "trade_fair", "expo", REP_B, TEAM_S, "contacted", "qualified", 4),
        captured("L5", "trade_fair", "expo", 6), assigned("L5", REP_A, TEAM_N, 6.01),
        converted("L5", REP_A, TEAM_N, 7),
    ]


# Deals: O1 won through every stage; O2 lost at Demo; O3 lost at once; O4 still at Demo.
DEAL_STAGES = {"s1": ("Needs analysis", 10, "open"), "s2": ("Demo", 30, "open"), "s3": ("Quote", 60, "open"),
          "won": ("Won", 100, "won"), "lost": ("Lost", 0, "lost")}
OWNERS = {"O1": ("rep-a", "team-n"), "O2": ("rep-a", "team-n"), "O3": ("rep-b", "team-s"),
          "O4": ("rep-b", "team-s"), "O5": ("rep-b", "team-s"), "O6": ("rep-a", "team-n")}


def deal(opp: str, stage: str, day: float, amount: int) -> dict:
    name, probability, kind = DEAL_STAGES[stage]
    owner, team = OWNERS[opp]
    return {"aggregate_id": opp, "name": f"Deal {opp}", "account_id": f"acc-{opp}", "owner_id": owner,
            "team_id": team, "pipeline_id": "p1", "stage_id": stage, "stage_name": name, "stage_type": kind,
            "probability": probability, "forecast_category": "pipeline", "status": kind,
            "amount": Decimal(amount), "occurred_at": DAY1 + timedelta(days=day)}


def deal_opened(opp, day, amount):
    return OpportunityOpenedV1(**deal(opp, "s1", day, amount))


def deal_moved(opp, source, target, day, amount, days_in_source, cls=OpportunityStageChangedV1, reason=None):
    return cls(**deal(opp, target, day, amount), from_stage_id=source, from_stage_name=DEAL_STAGES[source][0],
               to_stage_id=target, to_stage_name=DEAL_STAGES[target][0],
               seconds_in_previous_stage=days_in_source * 86400, close_reason=reason)


def opportunity_history() -> list:
    return [
        deal_opened("O1", 0, 1000), deal_moved("O1", "s1", "s2", 2, 1000, 2),
        deal_moved("O1", "s2", "s3", 5, 1000, 3),
        deal_moved("O1", "s3", "won", 9, 1000, 4, OpportunityWonV1, "price"),
        deal_opened("O2", 1, 500), deal_moved("O2", "s1", "s2", 2, 500, 1),
        deal_moved("O2", "s2", "lost", 6, 500, 4, OpportunityLostV1, "competitor"),
        deal_opened("O3", 3, 2000),
        deal_moved("O3", "s1", "lost", 4, 2000, 1, OpportunityLostV1, "no budget"),
        deal_opened("O4", 4, 800), deal_moved("O4", "s1", "s2", 8, 800, 4),
        OpportunityUpdatedV1(**deal("O4", "s2", 8.5, 900), changed_fields=["amount"]),
    ]


# Tickets: K1 answered and resolved in time; K2 answered late; K3 resolved late; K4 untouched.
TICKETS = {"K1": ("agent-1", "q1", "phone", 0), "K2": ("agent-1", "q1", "email", 1),
           "K3": ("agent-2", "q2", "phone", 2), "K4": (None, "q2", "chat", 3),
           "K5": ("agent-2", "q2", "web", 0)}  # not in `ticket_history`: a test's extra ticket


def hours(h: float) -> datetime:
    return DAY1 + timedelta(hours=h)


def sla_due(opened: float) -> dict:
    """The tickets' SLA: a first response within an hour of opening, a resolution within a day."""
    return {"first_response_due_at": hours(opened + 1), "resolution_due_at": hours(opened + 24)}


def ticket(ticket_id: str, at: float, status: str, **extra) -> dict:
    """A ticket snapshot's fields `at` hours after DAY1."""
    agent, queue, channel, opened = TICKETS[ticket_id]
    return {"aggregate_id": ticket_id, "subject": f"Help {ticket_id}", "channel": channel, "priority": "high",
            "status": status, "queue_id": queue, "assignee_id": agent, "opened_at": hours(opened),
            "occurred_at": hours(at), **sla_due(opened), **extra}


def breach(ticket_id: str, at: float, target: str, **extra):
    """An SLA clock of the ticket passed its due time."""
    return TicketSlaBreachedV1(**ticket(ticket_id, at, "open", **extra), sla_target=target, due_at=hours(at),
                               target_minutes=60)


def ticket_history() -> list:
    k1 = {"first_response_at": hours(0.5)}
    k3 = {"first_response_at": hours(2 + 10 / 60)}
    return [
        TicketOpenedV1(**ticket("K1", 0, "new")), TicketUpdatedV1(**ticket("K1", 0.5, "open", **k1)),
        TicketResolvedV1(**ticket("K1", 4, "resolved", **k1, resolved_at=hours(4))),
        TicketCsatRatedV1(**ticket("K1", 5, "resolved", **k1, resolved_at=hours(4), csat_rating=5), rating=5),
        TicketOpenedV1(**ticket("K2", 1, "new")), breach("K2", 3, "first_response"),
        TicketUpdatedV1(**ticket("K2", 3.5, "open", first_response_at=hours(3.5))),
        TicketOpenedV1(**ticket("K3", 2, "new")), TicketUpdatedV1(**ticket("K3", 2 + 10 / 60, "open", **k3)),
        breach("K3", 26, "resolution", **k3),
        TicketResolvedV1(**ticket("K3", 50, "resolved", **k3, resolved_at=hours(50))),
        TicketCsatRatedV1(**ticket("K3", 51, "resolved", **k3, resolved_at=hours(50), csat_rating=2),
                          rating=2),
        TicketOpenedV1(**ticket("K4", 3, "new")),
    ]


# Orders: R1 kept, R2 cancelled the day after, R3 confirmed from a draft.
def order(cls, order_id: str, owner: str, amount: int, status: str, day: float):
    """An order snapshot `day` days after DAY1."""
    return cls(aggregate_id=order_id, account_id="acc-1", owner_id=owner, team_id=f"team-{owner[-1]}",
               amount=Decimal(amount), status=status, occurred_at=DAY1 + timedelta(days=day))


def orders() -> list:
    """R1 placed 2 March (300, rep A); R2 placed 3 March (700, rep B), cancelled on the 4th;
    R3 drafted 20 Feb and confirmed 21 Feb (200, rep B)."""
    return [order(OrderCreatedV1, "R1", "rep-a", 300, "confirmed", 1),
            order(OrderCreatedV1, "R2", "rep-b", 700, "confirmed", 2),
            order(OrderUpdatedV1, "R2", "rep-b", 700, "cancelled", 3),
            order(OrderCreatedV1, "R3", "rep-b", 200, "draft", -9),
            order(OrderUpdatedV1, "R3", "rep-b", 200, "confirmed", -8)]
