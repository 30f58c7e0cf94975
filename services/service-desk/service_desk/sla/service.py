"""SLA use cases: start, pause, resume and stop a ticket's clocks, and find the ones that warn or breach."""

from datetime import datetime

from sqlalchemy import and_, or_, select

from crm_shared.events.service_desk import TicketAssignedV1, TicketSlaBreachedV1, TicketSlaWarningV1
from crm_shared.messaging.uow import UnitOfWork
from service_desk.clock import as_utc
from service_desk.models import Team
from service_desk.queues.models import Queue
from service_desk.sla import policy as rules
from service_desk.sla.calendar import BusinessCalendar, business_minutes_between
from service_desk.sla.models import Calendar, SlaClock, SlaPolicy
from service_desk.tickets.events import clocks_of, emit_ticket_event
from service_desk.tickets.models import Ticket


def terms_of(row: SlaPolicy) -> rules.PolicyTerms:
    """The policy row as the pure rules take it."""
    return rules.PolicyTerms(
        row.id,
        row.priority,
        row.tier,
        row.first_response_minutes,
        row.next_update_minutes,
        row.resolution_minutes,
        row.warning_share,
    )


async def calendar_of(uow: UnitOfWork, policy_id: str | None) -> BusinessCalendar:
    """The business calendar of a policy (around the clock when it has none)."""
    policy = await uow.session.get(SlaPolicy, policy_id) if policy_id else None
    row = await uow.session.get(Calendar, policy.calendar_id) if policy and policy.calendar_id else None
    if row is None:
        return BusinessCalendar.around_the_clock()
    return BusinessCalendar.from_config(row.timezone, row.hours, row.holidays)


async def start_sla(*, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    """Pick the ticket's policy and start its first-response and resolution clocks."""
    rows = (await uow.session.execute(select(SlaPolicy))).scalars().all()
    chosen = rules.choose_policy(
        [terms_of(r) for r in rows], priority=ticket.priority, tier=ticket.customer_tier
    )
    ticket.sla_policy_id = chosen.id if chosen else None
    if chosen:
        for target in ("first_response", "resolution"):
            await start_clock(uow=uow, ticket=ticket, target=target, now=now)
    await refresh_due(uow=uow, ticket=ticket)


async def start_clock(*, uow: UnitOfWork, ticket: Ticket, target: str, now: datetime) -> None:
    """(Re)start one target of the ticket's policy from `now`, if the policy sets it."""
    policy = await uow.session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    minutes = terms_of(policy).minutes(target) if policy else None
    if minutes is None:
        return
    deadline = rules.plan(
        await calendar_of(uow, policy.id), start=now, minutes=minutes, share=policy.warning_share
    )
    clock = await uow.session.get(SlaClock, (ticket.id, target))
    if clock is None:
        clock = SlaClock(ticket_id=ticket.id, target=target)
        uow.session.add(clock)
    clock.target_minutes, clock.started_at = minutes, now
    clock.due_at, clock.warn_at = deadline.due_at, deadline.warn_at
    clock.paused_at = clock.stopped_at = clock.warned_at = clock.breached_at = None
    clock.paused_minutes = 0.0
    if ticket.status == "pending":
        clock.paused_at = now


async def retarget_sla(*, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    """The priority or tier changed: re-pick the policy; running clocks keep the time they used."""
    rows = (await uow.session.execute(select(SlaPolicy))).scalars().all()
    chosen = rules.choose_policy(
        [terms_of(r) for r in rows], priority=ticket.priority, tier=ticket.customer_tier
    )
    if (chosen.id if chosen else None) == ticket.sla_policy_id:
        return
    ticket.sla_policy_id = chosen.id if chosen else None
    calendar = await calendar_of(uow, ticket.sla_policy_id)
    for clock in (await clocks_of(uow, ticket.id)).values():
        minutes = chosen.minutes(clock.target) if chosen else None
        if clock.stopped_at is not None:
            continue
        if minutes is None:
            clock.stopped_at = now
            continue
        ref = as_utc(clock.paused_at) or now
        deadline = rules.retarget(
            calendar,
            started_at=as_utc(clock.started_at),
            ref=ref,
            paused_minutes=clock.paused_minutes or 0.0,
            new_minutes=minutes,
            share=chosen.warning_share,
        )
        clock.target_minutes, clock.due_at, clock.warn_at = minutes, deadline.due_at, deadline.warn_at
    if chosen and not await clocks_of(uow, ticket.id):
        for target in (
            ("first_response", "resolution") if ticket.first_response_at is None else ("resolution",)
        ):
            await start_clock(uow=uow, ticket=ticket, target=target, now=now)
    await refresh_due(uow=uow, ticket=ticket)


async def stop_clocks(*, uow: UnitOfWork, ticket: Ticket, targets: tuple[str, ...], now: datetime) -> None:
    """Stop the named running clocks: their target was met (or missed and is now done)."""
    for clock in (await clocks_of(uow, ticket.id)).values():
        if clock.target in targets and clock.stopped_at is None:
            clock.stopped_at = now
    await refresh_due(uow=uow, ticket=ticket)


async def pause(*, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    """Stop the clocks counting while the ticket waits on the customer."""
    for clock in (await clocks_of(uow, ticket.id)).values():
        if clock.stopped_at is None and clock.paused_at is None:
            clock.paused_at = now
    await refresh_due(uow=uow, ticket=ticket)


async def resume(*, uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    """Let paused clocks count again, their due times pushed by the paused business time."""
    calendar = await calendar_of(uow, ticket.sla_policy_id)
    for clock in (await clocks_of(uow, ticket.id)).values():
        if clock.stopped_at is None and clock.paused_at is not None:
            shifted = rules.resume(
                calendar,
                paused_at=as_utc(clock.paused_at),
                now=now,
                due_at=as_utc(clock.due_at),
                warn_at=as_utc(clock.warn_at),
            )
            clock.paused_minutes = (clock.paused_minutes or 0.0) + business_minutes_between(
                calendar, as_utc(clock.paused_at), now
            )
            clock.due_at, clock.warn_at, clock.paused_at = shifted.due_at, shifted.warn_at, None
    await refresh_due(uow=uow, ticket=ticket)


async def refresh_due(*, uow: UnitOfWork, ticket: Ticket) -> None:
    """Keep the ticket's most urgent running due time (the agent queue sorts on it)."""
    await uow.session.flush()
    running = [
        as_utc(c.due_at)
        for c in (await clocks_of(uow, ticket.id)).values()
        if c.stopped_at is None and c.paused_at is None
    ]
    ticket.sla_due_at = min(running) if running else None


async def on_status_changed(*, uow: UnitOfWork, ticket: Ticket, old: str, now: datetime) -> None:
    """Pause on pending, resume when work goes on, stop on resolve, restart resolution on reopen."""
    if ticket.status == "pending":
        await pause(uow=uow, ticket=ticket, now=now)
    elif old == "pending":
        await resume(uow=uow, ticket=ticket, now=now)
    if ticket.status in ("resolved", "closed"):
        await stop_clocks(uow=uow, ticket=ticket, targets=rules.TARGETS, now=now)
    elif ticket.status == "reopened":
        await start_clock(uow=uow, ticket=ticket, target="resolution", now=now)
        await refresh_due(uow=uow, ticket=ticket)


async def escalation_manager(uow: UnitOfWork, ticket: Ticket) -> str | None:
    """Who a breached ticket goes to: its queue's manager, else the manager of the queue's team."""
    queue = await uow.session.get(Queue, ticket.queue_id) if ticket.queue_id else None
    if queue is None:
        return None
    if queue.manager_id:
        return queue.manager_id
    team = await uow.session.get(Team, queue.team_id) if queue.team_id else None
    return team.manager_id if team else None


async def check_sla(*, uow: UnitOfWork, now: datetime) -> int:
    """Emit warnings and breaches for every clock past its line; escalate breaches. Returns the count."""
    due = (
        select(SlaClock)
        .where(
            SlaClock.stopped_at.is_(None),
            SlaClock.paused_at.is_(None),
            or_(
                and_(SlaClock.warned_at.is_(None), SlaClock.warn_at <= now),
                and_(SlaClock.breached_at.is_(None), SlaClock.due_at <= now),
            ),
        )
        .order_by(SlaClock.due_at)
        .with_for_update(skip_locked=True)  # replicas running the checker share the work (PostgreSQL)
    )
    signals = 0
    for clock in (await uow.session.execute(due)).scalars().all():
        ticket = await uow.session.get(Ticket, clock.ticket_id)
        signal = {
            "sla_target": clock.target,
            "due_at": as_utc(clock.due_at),
            "target_minutes": clock.target_minutes,
        }
        if clock.warned_at is None:
            clock.warned_at = now
            await emit_ticket_event(uow, TicketSlaWarningV1, ticket, **signal)
            signals += 1
        if clock.breached_at is None and as_utc(clock.due_at) <= now:
            clock.breached_at = now
            manager = await escalation_manager(uow, ticket)
            await emit_ticket_event(uow, TicketSlaBreachedV1, ticket, escalated_to=manager, **signal)
            if manager and manager != ticket.assignee_id:
                previous, ticket.assignee_id = ticket.assignee_id, manager
                await emit_ticket_event(
                    uow,
                    TicketAssignedV1,
                    ticket,
                    strategy="escalation",
                    previous_assignee_id=previous,
                    reason=f"{clock.target} SLA breached (due {as_utc(clock.due_at).isoformat()}); "
                    f"escalated to the queue's manager",
                )
            signals += 1
    return signals
