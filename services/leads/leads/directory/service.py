"""Use cases of the directory replica: atomic upserts of the latest snapshot."""

from sqlalchemy import select

from crm_shared.db import dialect_insert
from crm_shared.events.sales import TeamSnapshot, UserSnapshot
from crm_shared.messaging.uow import UnitOfWork
from leads.directory.models import DirectoryTeam, DirectoryUser

USER_FIELDS = ("name", "email", "role", "team_id", "region", "active", "capacity")
TEAM_FIELDS = ("name", "manager_id", "region")


async def upsert_user(*, uow: UnitOfWork, event: UserSnapshot) -> None:
    """Store the user's snapshot (insert or replace)."""
    values = {field: getattr(event, field) for field in USER_FIELDS}
    insert = dialect_insert(uow.session)(DirectoryUser).values(id=event.aggregate_id, **values)
    await uow.session.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))


async def upsert_team(*, uow: UnitOfWork, event: TeamSnapshot) -> None:
    """Store the team's snapshot (insert or replace)."""
    values = {field: getattr(event, field) for field in TEAM_FIELDS}
    insert = dialect_insert(uow.session)(DirectoryTeam).values(id=event.aggregate_id, **values)
    await uow.session.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))


async def list_users(*, uow: UnitOfWork, team_id: str | None = None) -> list[DirectoryUser]:
    """The replicated users, optionally of one team."""
    query = select(DirectoryUser).order_by(DirectoryUser.id)
    if team_id:
        query = query.where(DirectoryUser.team_id == team_id)
    return list((await uow.session.execute(query)).scalars())
