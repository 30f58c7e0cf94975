"""Fold lead events into the lead read models with atomic, commutative upserts (replica-safe)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.leads import (
    LeadAssignedV1,
    LeadCapturedV1,
    LeadConvertedV1,
    LeadMergedV1,
    LeadSnapshot,
)
from crm_shared.messaging.uow import UnitOfWork
from reporting.leads.counters import refresh_leads
from reporting.leads.funnel import MERGED, stages_reached, version
from reporting.models import LeadCard, LeadsBySource, LeadStageFact
from reporting.versions import utc_naive


async def fold_lead_events(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Apply a batch of lead events (each already deduplicated by the inbox) in one transaction."""
    await _count_sources(uow, [e for e in events if isinstance(e, LeadCapturedV1)])
    await _set_sources(uow, events)
    await _set_owners(uow, events)
    await _set_profiles(uow, events)
    await _record_stages(uow, events)
    await refresh_leads(uow, _touched(events))


def _touched(events: Sequence[Event]) -> set[str]:
    """The leads whose card or stage facts these events may have changed."""
    touched: set[str] = set()
    for event in events:
        if isinstance(event, LeadCapturedV1 | LeadSnapshot | LeadAssignedV1 | LeadConvertedV1 | LeadMergedV1):
            touched.add(event.aggregate_id)
        if isinstance(event, LeadMergedV1):
            touched.add(event.merged_lead_id)
    return touched


async def _count_sources(uow: UnitOfWork, captured: list[LeadCapturedV1]) -> None:
    increments: dict[str, int] = {}
    for event in captured:
        increments[event.source] = increments.get(event.source, 0) + 1
    insert = dialect_insert(uow.session)(LeadsBySource)
    for source, count in sorted(increments.items()):
        await uow.session.execute(insert.values(source=source, lead_count=count).on_conflict_do_update(
            index_elements=[LeadsBySource.source], set_={"lead_count": LeadsBySource.lead_count + count}
        ))


async def _set_sources(uow: UnitOfWork, events: Sequence[Event]) -> None:
    latest: dict[str, dict] = {}
    for event in events:
        if isinstance(event, LeadCapturedV1 | LeadSnapshot):
            row = {"lead_id": event.aggregate_id, "source": event.source, "campaign": event.campaign,
                   "source_version": version(event)}
            _keep_latest(latest, row, "source_version")
    await _upsert_latest(uow, list(latest.values()), ("source", "campaign"), LeadCard.source_version)


async def _set_owners(uow: UnitOfWork, events: Sequence[Event]) -> None:
    latest: dict[str, dict] = {}
    for event in events:
        if isinstance(event, LeadConvertedV1) and event.owner_id is None and event.team_id is None:
            continue  # a conversion that does not name an owner leaves ownership as it was
        if isinstance(event, LeadCapturedV1 | LeadAssignedV1 | LeadSnapshot | LeadConvertedV1):
            row = {"lead_id": event.aggregate_id, "owner_id": event.owner_id, "team_id": event.team_id,
                   "owner_version": version(event)}
            _keep_latest(latest, row, "owner_version")
    await _upsert_latest(uow, list(latest.values()), ("owner_id", "team_id"), LeadCard.owner_version)


async def _set_profiles(uow: UnitOfWork, events: Sequence[Event]) -> None:
    latest: dict[str, dict] = {}
    for event in events:
        if isinstance(event, LeadSnapshot):
            row = {"lead_id": event.aggregate_id, "region": event.region, "industry": event.industry,
                   "profile_version": version(event)}
            _keep_latest(latest, row, "profile_version")
    await _upsert_latest(uow, list(latest.values()), ("region", "industry"), LeadCard.profile_version)


def _keep_latest(latest: dict[str, dict], row: dict, version_key: str) -> None:
    current = latest.get(row["lead_id"])
    if current is None or row[version_key] > current[version_key]:
        latest[row["lead_id"]] = row


async def _upsert_latest(uow: UnitOfWork, rows: list[dict], columns: tuple[str, ...], version_col) -> None:
    """Insert, or overwrite `columns` only when the row's version is newer than the stored one."""
    if not rows:
        return
    insert = dialect_insert(uow.session)(LeadCard.__table__)
    newer = insert.excluded[version_col.key] > version_col
    set_ = {name: case((newer, insert.excluded[name]), else_=getattr(LeadCard, name))
            for name in (*columns, version_col.key)}
    statement = insert.on_conflict_do_update(index_elements=[LeadCard.lead_id], set_=set_)
    await uow.session.execute(statement, rows)


async def _record_stages(uow: UnitOfWork, events: Sequence[Event]) -> None:
    earliest: dict[tuple[str, str], datetime] = {}
    for event in events:
        at = utc_naive(event.occurred_at)
        if isinstance(event, LeadMergedV1):
            key = (event.merged_lead_id, MERGED)
            if key not in earliest or at < earliest[key]:
                earliest[key] = at
        for stage in stages_reached(event):
            key = (event.aggregate_id, stage)
            if key not in earliest or at < earliest[key]:
                earliest[key] = at
    if not earliest:
        return
    insert = dialect_insert(uow.session)(LeadStageFact.__table__)
    excluded_at = insert.excluded.reached_at
    statement = insert.on_conflict_do_update(
        index_elements=[LeadStageFact.lead_id, LeadStageFact.stage],
        set_={"reached_at": case((excluded_at < LeadStageFact.reached_at, excluded_at),
                                 else_=LeadStageFact.reached_at)},
    )
    rows = [{"lead_id": lead, "stage": stage, "reached_at": at}
            for (lead, stage), at in sorted(earliest.items())]
    await uow.session.execute(statement, rows)
