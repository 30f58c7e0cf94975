"""The org directory replica: user names for reports (latest snapshot wins, whatever the arrival order)."""

from collections.abc import Iterable, Sequence

from sqlalchemy import case, select

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import UserCreatedV1, UserSnapshot
from crm_shared.messaging.uow import UnitOfWork
from reporting.kinds import of_kind
from reporting.models import DirectoryUser
from reporting.versions import version_of


async def record_users(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Upsert the user snapshots among `events`, keeping each user's newest one."""
    latest: dict[str, dict] = {}
    for event in of_kind(events, UserSnapshot):
        rank = 0 if isinstance(event, UserCreatedV1) else 1
        row = {"user_id": event.aggregate_id, "name": event.name, "team_id": event.team_id,
               "region": event.region, "version": version_of(event, rank)}
        if event.aggregate_id not in latest or row["version"] > latest[event.aggregate_id]["version"]:
            latest[event.aggregate_id] = row
    if not latest:
        return
    insert = dialect_insert(uow.session)(DirectoryUser.__table__)
    newer = insert.excluded.version > DirectoryUser.version
    set_ = {name: case((newer, insert.excluded[name]), else_=getattr(DirectoryUser, name))
            for name in ("name", "team_id", "region", "version")}
    statement = insert.on_conflict_do_update(index_elements=[DirectoryUser.user_id], set_=set_)
    await uow.session.execute(statement, sorted(latest.values(), key=lambda r: r["user_id"]))


async def user_names(*, uow: UnitOfWork, user_ids: Iterable[str | None]) -> dict[str, str]:
    """The names of the users known to the directory among `user_ids`."""
    ids = sorted({u for u in user_ids if u})
    if not ids:
        return {}
    rows = await uow.session.execute(select(DirectoryUser.user_id, DirectoryUser.name)
                                     .where(DirectoryUser.user_id.in_(ids)))
    return {row.user_id: row.name for row in rows}
