"""Fold prospect events: each prospect keeps its earliest import and verification (commutative upserts)."""

from collections.abc import Sequence

from sqlalchemy import case, func

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.marketing import ProspectFacts, ProspectImportedV1, ProspectVerifiedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.kinds import of_kind
from reporting.prospects.models import ProspectFact
from reporting.versions import utc_naive

_ATTRIBUTES = ("list_name", "source", "campaign", "region", "industry", "lead_id", "new_lead")
_TIMES = ("imported_at", "verified_at")


async def record_prospects(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Upsert the prospects among `events`: the earliest time of each of import and verification wins, the
    attributes (the same in both events) are kept once known."""
    rows: dict[str, dict] = {}
    for event in of_kind(events, ProspectFacts):
        _merge(rows.setdefault(event.aggregate_id, dict.fromkeys(("prospect_id", *_ATTRIBUTES, *_TIMES))),
               _row(event))
    if not rows:
        return
    insert = dialect_insert(uow.session)(ProspectFact.__table__)
    table, new = ProspectFact.__table__.c, insert.excluded
    set_ = {name: func.coalesce(table[name], new[name]) for name in _ATTRIBUTES}
    for name in _TIMES:  # the earliest of the two (None = not known yet)
        set_[name] = case((table[name].is_(None), new[name]), (new[name].is_(None), table[name]),
                          (new[name] < table[name], new[name]), else_=table[name])
    upsert = insert.on_conflict_do_update(index_elements=[table.prospect_id], set_=set_)
    await uow.session.execute(upsert, sorted(rows.values(), key=lambda row: row["prospect_id"]))


def _row(event: ProspectFacts) -> dict:
    row = {"prospect_id": event.aggregate_id, "list_name": event.list_name[:200], "source": event.source[:50],
           "campaign": event.campaign, "region": event.region, "industry": event.industry}
    if isinstance(event, ProspectImportedV1):
        row["imported_at"] = utc_naive(event.occurred_at)
    elif isinstance(event, ProspectVerifiedV1):
        row.update(verified_at=utc_naive(event.occurred_at), lead_id=event.lead_id, new_lead=event.new_lead,
                   imported_at=None if event.imported_at is None else utc_naive(event.imported_at))
    return row


def _merge(into: dict, row: dict) -> None:
    for name, value in row.items():
        if value is None:
            continue
        if name in _TIMES:
            into[name] = value if into[name] is None else min(into[name], value)
        elif into[name] is None:
            into[name] = value
