"""A customer's story on the card: open tickets (with what the agent may see) and last interactions,
read in one round trip (a UNION ALL of the three parts, each on its own index). The statements are
built once per shape with bind parameters, so a call pays neither their construction nor their
compilation."""

from functools import lru_cache

from sqlalchemy import Boolean, String, bindparam, cast, false, func, literal, null, select, true, union_all

from crm_shared.auth import Principal, Role
from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.models import Call
from service_desk.clock import as_utc
from service_desk.customers.schemas import CustomerCard, InteractionLine, TicketLine
from service_desk.tickets.domain import DONE
from service_desk.tickets.models import Ticket, TicketEntry
from service_desk.tickets.visibility import visibility_for

MAX_OPEN = 200
LIMIT = 5
COLUMNS = ("part", "ref", "text", "status", "priority", "channel", "at", "assignee_id", "visible")


def _part(*columns, stmt):
    """A member of the union keeping its own ORDER BY and LIMIT (SQLite needs it wrapped)."""
    labelled = [column.label(name) for column, name in zip(columns, COLUMNS, strict=True)]
    return select(stmt.with_only_columns(*labelled).subquery())


def _viewer(principal: Principal) -> str:
    """The shape of the visibility condition: all, none, agent, manager or team-manager."""
    if principal.role is Role.ADMIN:
        return "all"
    if principal.role not in (Role.AGENT, Role.MANAGER) or not principal.user_id:
        return "none"
    return principal.role.value + ("-team" if principal.team_id else "")


@lru_cache(maxsize=32)
def _statement(viewer: str, by: str, with_calls: bool):
    """The story of one contact or account (`whose_id`) as `viewer_id` / `viewer_team` sees it."""
    if viewer in ("all", "none"):
        visible = true() if viewer == "all" else false()
    else:
        role = Role(viewer.removesuffix("-team"))
        visible = visibility_for(
            role, bindparam("viewer_id"), bindparam("viewer_team") if viewer.endswith("-team") else None
        )
    whose = (Ticket.contact_id if by == "contact" else Ticket.account_id) == bindparam("whose_id")
    no_text, no_flag = cast(null(), String), cast(null(), Boolean)
    tickets = _part(
        literal("ticket"),
        Ticket.id,
        Ticket.subject,
        Ticket.status,
        Ticket.priority,
        Ticket.channel,
        Ticket.sla_due_at,
        Ticket.assignee_id,
        visible,
        stmt=select(Ticket.id)
        .where(whose, Ticket.status.not_in(DONE))
        .order_by(Ticket.sla_due_at.is_(None), Ticket.sla_due_at)
        .limit(MAX_OPEN),
    )
    entries = _part(
        literal("entry"),
        TicketEntry.ticket_id,
        func.substr(TicketEntry.body, 1, 140),
        TicketEntry.author_type + "_message",
        no_text,
        TicketEntry.channel,
        TicketEntry.created_at,
        no_text,
        visible,
        stmt=select(TicketEntry.id)
        .join(Ticket, Ticket.id == TicketEntry.ticket_id)
        .where(whose, TicketEntry.kind == "reply")
        .order_by(TicketEntry.created_at.desc())
        .limit(LIMIT),
    )
    parts = [tickets, entries]
    if with_calls:
        calls = _part(
            literal("call"),
            Call.ticket_id,
            literal("call ") + Call.status,
            literal("call"),
            no_text,
            literal("phone"),
            Call.started_at,
            no_text,
            no_flag,
            stmt=select(Call.id)
            .where(Call.contact_id == bindparam("whose_id"))
            .order_by(Call.started_at.desc())
            .limit(LIMIT),
        )
        parts.append(calls)
    return union_all(*parts)


async def story(
    *, uow: UnitOfWork, principal: Principal, contact_id: str | None = None, account_id: str | None = None
) -> CustomerCard:
    """The open tickets of a contact (else an account), most urgent first, those the principal may not
    see only counted; and their last interactions (replies, and a contact's calls)."""
    statement = _statement(_viewer(principal), "contact" if contact_id else "account", bool(contact_id))
    params = {
        "whose_id": contact_id or account_id,
        "viewer_id": principal.user_id,
        "viewer_team": principal.team_id,
    }
    rows = (await uow.session.execute(statement, params)).all()
    tickets = [row for row in rows if row.part == "ticket"]
    open_tickets = [
        TicketLine(
            id=t.ref,
            subject=t.text,
            status=t.status,
            priority=t.priority,
            channel=t.channel,
            sla_due_at=as_utc(t.at),
            assignee_id=t.assignee_id,
        )
        for t in tickets
        if t.visible
    ]
    history = sorted((row for row in rows if row.part != "ticket"), key=lambda r: as_utc(r.at), reverse=True)
    lines = [
        InteractionLine(
            kind=r.status, channel=r.channel, at=as_utc(r.at), summary=r.text or "", ticket_id=r.ref
        )
        if r.part != "entry" or r.visible
        # a reply on a ticket the viewer may not see: that it happened, not what it said nor where
        else InteractionLine(kind=r.status, channel=r.channel, at=as_utc(r.at), summary="", ticket_id=None)
        for r in history[:LIMIT]
    ]
    return CustomerCard(
        known=True,
        open_tickets=open_tickets,
        other_open_tickets=len(tickets) - len(open_tickets),
        last_interactions=lines,
    )
