"""Customer 360 timeline: one customer's interactions, tickets, deals and orders, identities joined."""

from dataclasses import dataclass, field, fields

from sqlalchemy import or_, select

from crm_shared.auth import Principal, Role, can_see, visible_to
from crm_shared.http.problems import NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from reporting.customers.identity import normal_email, normal_phone
from reporting.models import InteractionFact, LeadCard, OpportunityFact, OrderFact, TicketFact

_COLUMNS = {
    "account_id": InteractionFact.account_id,
    "contact_id": InteractionFact.contact_id,
    "lead_id": InteractionFact.lead_id,
    "email": InteractionFact.email,
    "phone": InteractionFact.phone,
}
MAX_HOPS = 5
_DEAL_MOMENTS = ("sales.opportunity.opened", "sales.opportunity.won", "sales.opportunity.lost")


@dataclass
class Identities:
    """Every id, email and phone known to belong to one customer."""

    account_id: set[str] = field(default_factory=set)
    contact_id: set[str] = field(default_factory=set)
    lead_id: set[str] = field(default_factory=set)
    email: set[str] = field(default_factory=set)
    phone: set[str] = field(default_factory=set)

    def add(self, row) -> None:
        """Add the identities a record names."""
        self.add_values({name: getattr(row, name, None) for name in _COLUMNS})

    def add_values(self, values: dict[str, str | None]) -> None:
        """Add the identities a mapping names."""
        for name in _COLUMNS:
            if values.get(name):
                getattr(self, name).add(values[name])

    def condition(self):
        """SQL: an interaction naming any of these identities."""
        return or_(
            *(
                _COLUMNS[f.name].in_(sorted(getattr(self, f.name)))
                for f in fields(self)
                if getattr(self, f.name)
            )
        )

    def as_dict(self) -> dict[str, list[str]]:
        """Sorted lists, for the answer."""
        return {f.name: sorted(getattr(self, f.name)) for f in fields(self)}


async def customer_timeline(*, uow: UnitOfWork, principal: Principal, seed: dict[str, str | None]) -> dict:
    """Everything that happened with the customer the seed names, identities joined transitively."""
    known = Identities()
    known.add_values(
        {**seed, "email": normal_email(seed.get("email")), "phone": normal_phone(seed.get("phone"))}
    )
    interactions: list[InteractionFact] = []
    for _ in range(MAX_HOPS):  # follow shared ids, emails and phones until nothing new turns up
        before = known.as_dict()
        interactions = list(
            (await uow.session.execute(select(InteractionFact).where(known.condition()))).scalars()
        )
        for row in interactions:
            known.add(row)
        if known.as_dict() == before:
            break
    entries = [
        _entry(i.occurred_at, "interaction", i.channel, i.kind, i.summary, i.source_service, i.record_id)
        for i in interactions
    ]
    entries += await _records(uow, known)
    if not entries or not await _may_see(uow, principal, known):
        raise NotFoundError("no customer with these identities is visible to you")
    entries.sort(key=lambda e: (e["at"], e["source"], e["record_id"]))
    return {"identities": known.as_dict(), "entries": entries}


async def _records(uow: UnitOfWork, known: Identities) -> list[dict]:
    if not known.account_id:
        return []
    accounts = sorted(known.account_id)
    tickets = await uow.session.execute(
        select(TicketFact).where(
            TicketFact.account_id.in_(accounts), TicketFact.event_type == "service-desk.ticket.opened"
        )
    )
    deals = await uow.session.execute(
        select(OpportunityFact).where(
            OpportunityFact.account_id.in_(accounts), OpportunityFact.event_type.in_(_DEAL_MOMENTS)
        )
    )
    orders = await uow.session.execute(select(OrderFact).where(OrderFact.account_id.in_(accounts)))
    entries = [
        _entry(
            t.occurred_at,
            "ticket",
            t.channel,
            "ticket opened",
            f"{t.priority} priority",
            "service-desk",
            t.ticket_id,
        )
        for t in tickets.scalars()
    ]
    entries += [
        _entry(
            d.occurred_at,
            "deal",
            None,
            d.event_type.rsplit(".", 1)[1],
            f"{d.stage_name} {d.amount} {d.currency}",
            "sales",
            d.opportunity_id,
        )
        for d in deals.scalars()
    ]
    first_seen: dict[str, OrderFact] = {}
    for order in orders.scalars():
        if order.order_id not in first_seen or order.version < first_seen[order.order_id].version:
            first_seen[order.order_id] = order
    entries += [
        _entry(o.occurred_at, "order", None, "order placed", f"{o.amount} {o.currency}", "sales", o.order_id)
        for o in first_seen.values()
    ]
    return entries


async def _may_see(uow: UnitOfWork, principal: Principal, known: Identities) -> bool:
    """Admins see every customer; others one whose lead, deal, order or ticket is theirs (or their team's)."""
    if principal.role is Role.ADMIN:
        return True
    if known.lead_id:
        leads = await uow.session.execute(
            select(LeadCard.lead_id).where(
                LeadCard.lead_id.in_(sorted(known.lead_id)),
                visible_to(principal, LeadCard.owner_id, LeadCard.team_id),
            )
        )
        if leads.first():
            return True
    if not known.account_id:
        return False
    accounts = sorted(known.account_id)
    for model in (OpportunityFact, OrderFact):
        rows = await uow.session.execute(
            select(model.owner_id, model.team_id).where(model.account_id.in_(accounts))
        )
        if any(can_see(principal, row.owner_id, row.team_id) for row in rows):
            return True
    tickets = await uow.session.execute(
        select(TicketFact.ticket_id).where(
            TicketFact.account_id.in_(accounts), TicketFact.assignee_id == principal.user_id
        )
    )
    return tickets.first() is not None


def _entry(
    at, source: str, channel: str | None, kind: str, summary: str, service: str, record_id: str
) -> dict:
    return {
        "at": at.isoformat() + "Z",
        "source": source,
        "channel": channel,
        "kind": kind,
        "summary": summary,
        "service": service,
        "record_id": record_id,
    }
