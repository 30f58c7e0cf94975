"""Fold lead events into the lead read models with atomic, commutative upserts (replica-safe)."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache

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
from reporting.bulk import execute_many
from reporting.kinds import of_kind
from reporting.leads.counters import refresh_leads
from reporting.leads.funnel import MERGED, order_key, stages_reached, version_of_key
from reporting.models import LeadCard, LeadsBySource, LeadStageFact
from reporting.versions import utc_naive

# each group of card columns, with the version column that says which event last set it
_GROUPS = (("source", "campaign", "source_version"), ("owner_id", "team_id", "owner_version"),
           ("region", "industry", "profile_version"))
_OWNED = (LeadCapturedV1, LeadAssignedV1, LeadSnapshot, LeadConvertedV1)
_EMPTY = {name: "" if name.endswith("_version") else None for group in _GROUPS for name in group}


async def fold_lead_events(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Apply a batch of lead events (each already deduplicated by the inbox) in one transaction (with
    `count_sources`, which the caller runs last)."""
    await _set_cards(uow, events)
    await _record_stages(uow, events)
    await refresh_leads(uow, _touched(events))


@cache
def _card_groups(cls: type) -> tuple[bool, bool, bool] | None:
    """For an event of `cls` that may set card groups: (whether it is a snapshot, which sets all three;
    whether it sets the source group, as a capture does; whether it is a conversion, which sets the owner
    only if it names one), or None for none (worked out once per class)."""
    if not issubclass(cls, _OWNED):
        return None
    snapshot = issubclass(cls, LeadSnapshot)
    return snapshot, snapshot or issubclass(cls, LeadCapturedV1), issubclass(cls, LeadConvertedV1)


@cache
def _touches(cls: type) -> int:
    """Which leads an event of `cls` touches: 0 none, 1 its own, 2 its own and the one merged into it
    (worked out once per class: two `isinstance` of a union per event were 4% of a rebuild's folding)."""
    if issubclass(cls, LeadMergedV1):
        return 2
    return 1 if issubclass(cls, LeadCapturedV1 | LeadSnapshot | LeadAssignedV1 | LeadConvertedV1) else 0


def _touched(events: Sequence[Event]) -> set[str]:
    """The leads whose card or stage facts these events may have changed."""
    touched: set[str] = set()
    for event in events:
        kind = _touches(type(event))
        if kind:
            touched.add(event.aggregate_id)
            if kind == 2:
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


def card_rows(events: Sequence[Event]) -> list[dict]:
    """One card row per lead: each column group from the lead's newest event that sets it (an empty
    version where none of `events` does, which never overwrites a stored group).

    Events are compared by `order_key`, which orders them as their `version` strings do; only the
    winners' versions are formatted."""
    newest: dict[str, list] = {}  # lead id -> (order key, event) setting the source, owner, profile groups
    for event in events:
        kind = _card_groups(type(event))
        if kind is None:
            continue
        snapshot, sets_source, conversion = kind
        sets_owner = not conversion or event.owner_id is not None \
            or event.team_id is not None  # a conversion that names no owner leaves ownership as it was
        if not (sets_source or sets_owner):
            continue
        at = order_key(event)
        groups = newest.get(event.aggregate_id)
        if groups is None:
            groups = newest[event.aggregate_id] = [None, None, None]
        for index, sets in enumerate((sets_source, sets_owner, snapshot)):
            if sets and (groups[index] is None or at > groups[index][0]):
                groups[index] = (at, event)
    versions: dict[int, str] = {}  # one version string per winning event

    def winner(found: tuple) -> tuple[Event, str]:
        """A group's winning event and its version (made once an event, from its order key)."""
        at, event = found
        text = versions.get(id(event))
        if text is None:
            text = versions[id(event)] = version_of_key(at)
        return event, text

    rows = []
    for lead_id in sorted(newest):  # one lock order across replicas
        source, owner, profile = newest[lead_id]
        card = {"lead_id": lead_id, **_EMPTY}
        if source is not None:
            event, text = winner(source)
            card.update(source=event.source, campaign=event.campaign, source_version=text)
        if owner is not None:
            event, text = winner(owner)
            card.update(owner_id=event.owner_id, team_id=event.team_id, owner_version=text)
        if profile is not None:
            event, text = winner(profile)
            card.update(region=event.region, industry=event.industry, profile_version=text)
        rows.append(card)
    return rows


async def _set_cards(uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Insert the cards, or overwrite each column group only when its version is newer than the stored one."""
    rows = card_rows(events)
    if not rows:
        return
    insert = dialect_insert(uow.session)(LeadCard.__table__)
    set_ = {}
    for *columns, version_key in _GROUPS:
        newer = insert.excluded[version_key] > LeadCard.__table__.c[version_key]
        for name in (*columns, version_key):
            set_[name] = case((newer, insert.excluded[name]), else_=LeadCard.__table__.c[name])
    statement = insert.on_conflict_do_update(index_elements=[LeadCard.lead_id], set_=set_)
    await execute_many(uow.session, statement, rows)


async def _record_stages(uow: UnitOfWork, events: Sequence[Event]) -> None:
    earliest: dict[tuple[str, str], datetime] = {}
    for event in events:
        reached = stages_reached(event)
        merged = _touches(type(event)) == 2  # a merge: the lead merged away leaves the funnel
        if not reached and not merged:
            continue
        at, lead = utc_naive(event.occurred_at), event.aggregate_id
        keys = [(lead, stage) for stage in reached]
        if merged:
            keys.append((event.merged_lead_id, MERGED))
        for key in keys:
            known = earliest.get(key)
            if known is None or at < known:
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
    await execute_many(uow.session, statement, rows)
