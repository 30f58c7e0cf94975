"""Fold lead events into the lead read models with atomic, commutative upserts (replica-safe)."""

from collections.abc import Sequence

from sqlalchemy import case

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.leads import LeadCapturedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.counter_store import derived_later
from reporting.kinds import of_kind
from reporting.leads.counters import refresh_leads
from reporting.leads.rows import GROUPS, batch_rows, kind_of
from reporting.models import LeadCard, LeadsBySource, LeadStageFact


async def fold_lead_events(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Apply a batch of lead events (each already deduplicated by the inbox) in one transaction (with
    `count_sources`, which the caller runs last)."""
    cards, stages = batch_rows(events)
    await _set_cards(uow, cards)
    await _record_stages(uow, stages)
    if not derived_later(uow):  # a rebuild makes every lead's funnel contributions at its end
        await refresh_leads(uow, _touched(events))


def _touched(events: Sequence[Event]) -> set[str]:
    """The leads whose card or stage facts these events may have changed."""
    touched: set[str] = set()
    for event in events:
        kind = kind_of(event)
        if kind.card or kind.merge:
            touched.add(event.aggregate_id)
        if kind.merge:  # and the lead merged into it
            touched.add(event.merged_lead_id)
    return touched


async def count_sources(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Add the batch's captured leads to their sources' counts: a few rows that every batch of captures
    writes, locked until the transaction ends, so a caller runs it last (on PostgreSQL two consumers, or
    two shares of a rebuild, otherwise wait for each other's whole batch)."""
    increments: dict[str, int] = {}
    for event in of_kind(events, LeadCapturedV1):
        increments[event.source] = increments.get(event.source, 0) + 1
    insert = dialect_insert(uow.session)(LeadsBySource)
    for source, count in sorted(increments.items()):
        await uow.session.execute(insert.values(source=source, lead_count=count).on_conflict_do_update(
            index_elements=[LeadsBySource.source], set_={"lead_count": LeadsBySource.lead_count + count}
        ))


async def _set_cards(uow: UnitOfWork, rows: list[dict]) -> None:
    """Insert the cards, or overwrite each column group only when its version is newer than the stored one."""
    if not rows:
        return
    insert = dialect_insert(uow.session)(LeadCard.__table__)
    set_ = {}
    for *columns, version_key in GROUPS:
        newer = insert.excluded[version_key] > LeadCard.__table__.c[version_key]
        for name in (*columns, version_key):
            set_[name] = case((newer, insert.excluded[name]), else_=LeadCard.__table__.c[name])
    statement = insert.on_conflict_do_update(index_elements=[LeadCard.lead_id], set_=set_)
    await execute_many(uow.session, statement, rows)


async def _record_stages(uow: UnitOfWork, rows: list[dict]) -> None:
    """Insert the stage facts, or keep the earlier time of each."""
    if not rows:
        return
    insert = dialect_insert(uow.session)(LeadStageFact.__table__)
    excluded_at = insert.excluded.reached_at
    statement = insert.on_conflict_do_update(
        index_elements=[LeadStageFact.lead_id, LeadStageFact.stage],
        set_={"reached_at": case((excluded_at < LeadStageFact.reached_at, excluded_at),
                                 else_=LeadStageFact.reached_at)},
    )
    await execute_many(uow.session, statement, rows)
