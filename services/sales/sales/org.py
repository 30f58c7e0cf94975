"""Sales use cases for the org structure: teams and regions."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_shared.auth import Role
from crm_shared.events.base import utcnow
from crm_shared.events.sales import TeamCreatedV1, TeamUpdatedV1
from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.models import AppUser, Region, Team
from sales.schemas import RegionCreate, TeamCreate, TeamUpdate

TEAM_FIELDS = ("name", "manager_id", "region")
MANAGER_ROLES = (Role.MANAGER.value, Role.ADMIN.value)


def team_snapshot(team: Team) -> dict:
    """The team's fields as the events carry them."""
    return {field: getattr(team, field) for field in TEAM_FIELDS}


async def check_team(uow: UnitOfWork, team_id: str | None) -> None:
    """A referenced team must exist (422 on `team_id` otherwise)."""
    if team_id is not None and await uow.session.get(Team, team_id) is None:
        raise InvalidError(f"team {team_id} does not exist", field="team_id")


async def check_region(uow: UnitOfWork, region: str | None) -> None:
    """A referenced region must exist (422 on `region` otherwise)."""
    if region is not None:
        found = await uow.session.execute(select(Region.id).where(Region.name == region))
        if found.first() is None:
            raise InvalidError(f"region {region} does not exist", field="region")


async def check_manager(uow: UnitOfWork, manager_id: str | None) -> None:
    """A team's manager must be an active manager or admin (422 on `manager_id` otherwise)."""
    if manager_id is None:
        return
    user = await uow.session.get(AppUser, manager_id)
    if user is None or not user.active or user.role not in MANAGER_ROLES:
        raise InvalidError(f"user {manager_id} is not an active manager or admin", field="manager_id")


async def create_team(*, uow: UnitOfWork, data: TeamCreate) -> Team:
    """Add a team and emit `sales.team.created` in the same transaction."""
    await _check_name_free(uow, data.name)
    await check_manager(uow, data.manager_id)
    await check_region(uow, data.region)
    now = utcnow()
    team = Team(id=new_id(), created_at=now, updated_at=now, **data.model_dump(mode="json"))
    uow.session.add(team)
    uow.emit(TeamCreatedV1(aggregate_id=team.id, occurred_at=now, **team_snapshot(team)))
    await commit_or_conflict(uow, f"a team named {data.name} already exists")
    return team


async def update_team(*, uow: UnitOfWork, team_id: str, data: TeamUpdate) -> Team:
    """Change the fields sent; emit `sales.team.updated` naming what changed, or nothing if nothing did."""
    team = await get_team(uow=uow, team_id=team_id)
    changes = data.changes()
    changed = [field for field in TEAM_FIELDS if field in changes and changes[field] != getattr(team, field)]
    if not changed:
        return team
    if "name" in changed:
        await _check_name_free(uow, changes["name"])
    if "manager_id" in changed:
        await check_manager(uow, changes["manager_id"])
    if "region" in changed:
        await check_region(uow, changes["region"])
    for field in changed:
        setattr(team, field, changes[field])
    team.updated_at = utcnow()
    uow.emit(
        TeamUpdatedV1(
            aggregate_id=team.id, occurred_at=team.updated_at, changed_fields=changed, **team_snapshot(team)
        )
    )
    await commit_or_conflict(uow, f"a team named {team.name} already exists")
    return team


async def get_team(*, uow: UnitOfWork, team_id: str) -> Team:
    """One team, or not found."""
    team = await uow.session.get(Team, team_id)
    if team is None:
        raise NotFoundError(f"team {team_id} not found")
    return team


async def list_teams(*, uow: UnitOfWork) -> list[Team]:
    """Every team, by name."""
    return list((await uow.session.execute(select(Team).order_by(Team.name))).scalars())


async def create_region(*, uow: UnitOfWork, data: RegionCreate) -> Region:
    """Add a region (regions have no event of their own yet: teams and users carry the region name)."""
    found = await uow.session.execute(select(Region.id).where(Region.name == data.name))
    if found.first():
        raise ConflictError(f"a region named {data.name} already exists", field="name")
    region = Region(id=new_id(), name=data.name)
    uow.session.add(region)
    await commit_or_conflict(uow, f"a region named {data.name} already exists")
    return region


async def list_regions(*, uow: UnitOfWork) -> list[Region]:
    """Every region, by name."""
    return list((await uow.session.execute(select(Region).order_by(Region.name))).scalars())


async def _check_name_free(uow: UnitOfWork, name: str) -> None:
    found = await uow.session.execute(select(Team.id).where(Team.name == name))
    if found.first():
        raise ConflictError(f"a team named {name} already exists", field="name")


async def commit_or_conflict(uow: UnitOfWork, conflict: str) -> None:
    """Commit; a unique constraint lost to a concurrent writer answers 409."""
    try:
        await uow.commit()
    except IntegrityError as error:
        raise ConflictError(conflict) from error
