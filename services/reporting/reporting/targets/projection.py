"""The quota replica: each sales target, a later setting of the same quota replacing the earlier one."""

from collections.abc import Sequence

from sqlalchemy import case

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import QuotaSetV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.kinds import of_kind
from reporting.models import QuotaTarget
from reporting.versions import version_of

_COLUMNS = ("user_id", "team_id", "period", "starts_on", "ends_on", "amount", "currency", "version")


async def record_quotas(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Upsert the quotas set among `events`, keeping each quota's newest setting (by event time)."""
    latest: dict[str, dict] = {}
    for event in of_kind(events, QuotaSetV1):
        row = {"quota_id": event.aggregate_id, "user_id": event.user_id, "team_id": event.team_id,
               "period": event.period, "starts_on": event.starts_on, "ends_on": event.ends_on,
               "amount": event.amount, "currency": event.currency, "version": version_of(event)}
        if event.aggregate_id not in latest or row["version"] > latest[event.aggregate_id]["version"]:
            latest[event.aggregate_id] = row
    if not latest:
        return
    insert = dialect_insert(uow.session)(QuotaTarget.__table__)
    newer = insert.excluded.version > QuotaTarget.version
    set_ = {name: case((newer, insert.excluded[name]), else_=getattr(QuotaTarget, name)) for name in _COLUMNS}
    statement = insert.on_conflict_do_update(index_elements=[QuotaTarget.quota_id], set_=set_)
    await uow.session.execute(statement, sorted(latest.values(), key=lambda r: r["quota_id"]))
