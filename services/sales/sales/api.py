"""Sales HTTP routes: sign-in and the org directory."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.security import OAuth2PasswordRequestForm

from crm_shared.auth import Principal, PrincipalDep, Role, issue_token, require_roles
from crm_shared.service import CtxDep, UowDep
from sales import org, service
from sales.schemas import (
    RegionCreate,
    RegionRead,
    TeamCreate,
    TeamRead,
    TeamUpdate,
    Token,
    UserCreate,
    UserRead,
    UserUpdate,
)

AdminDep = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
BEARER = {"WWW-Authenticate": "Bearer"}

auth_router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["users"])
teams_router = APIRouter(prefix="/teams", tags=["teams"])
regions_router = APIRouter(prefix="/regions", tags=["regions"])
routers = [auth_router, users_router, teams_router, regions_router]


@auth_router.post("/token")
async def sign_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], uow: UowDep, ctx: CtxDep) -> Token:
    """Exchange an email (as `username`) and password for a bearer token (OAuth2 password flow)."""
    async with uow:
        try:
            user = await service.authenticate(uow=uow, email=form.username, password=form.password)
        except service.InvalidCredentials:
            raise HTTPException(401, "Incorrect email or password", headers=BEARER) from None
        return Token(access_token=issue_token(ctx.settings.auth, service.principal_of(user)))


@auth_router.get("/me")
async def read_me(uow: UowDep, principal: PrincipalDep) -> UserRead:
    """The caller's own user record."""
    async with uow:
        try:
            user = await service.current_user(uow=uow, principal=principal)
        except service.InvalidCredentials:
            raise HTTPException(401, "The token's user is gone or inactive", headers=BEARER) from None
        return UserRead.model_validate(user)


@users_router.post("", status_code=201)
async def create_user(data: UserCreate, uow: UowDep, _: AdminDep) -> UserRead:
    """Add a user to the directory (admin only)."""
    async with uow:
        return UserRead.model_validate(await service.create_user(uow=uow, data=data))


@users_router.get("")
async def list_users(
    uow: UowDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[UserRead]:
    """The users the caller may see: all (admin), their team (manager), themselves (rep, agent)."""
    async with uow:
        users = await service.list_users(uow=uow, principal=principal, limit=limit, offset=offset)
        return [UserRead.model_validate(user) for user in users]


@users_router.get("/{user_id}")
async def read_user(user_id: str, uow: UowDep, principal: PrincipalDep) -> UserRead:
    """One user the caller may see."""
    async with uow:
        return UserRead.model_validate(await service.get_user(uow=uow, user_id=user_id, principal=principal))


@users_router.patch("/{user_id}")
async def update_user(user_id: str, data: UserUpdate, uow: UowDep, _: AdminDep) -> UserRead:
    """Change a user's name, phone, role, team, region, active flag, capacity or password (admin only)."""
    async with uow:
        return UserRead.model_validate(await service.update_user(uow=uow, user_id=user_id, data=data))


@teams_router.post("", status_code=201)
async def create_team(data: TeamCreate, uow: UowDep, _: AdminDep) -> TeamRead:
    """Add a team (admin only)."""
    async with uow:
        return TeamRead.model_validate(await org.create_team(uow=uow, data=data))


@teams_router.get("")
async def list_teams(uow: UowDep, _: PrincipalDep) -> list[TeamRead]:
    """Every team."""
    async with uow:
        return [TeamRead.model_validate(team) for team in await org.list_teams(uow=uow)]


@teams_router.get("/{team_id}")
async def read_team(team_id: str, uow: UowDep, _: PrincipalDep) -> TeamRead:
    """One team."""
    async with uow:
        return TeamRead.model_validate(await org.get_team(uow=uow, team_id=team_id))


@teams_router.patch("/{team_id}")
async def update_team(team_id: str, data: TeamUpdate, uow: UowDep, _: AdminDep) -> TeamRead:
    """Rename a team, change its manager or region (admin only)."""
    async with uow:
        return TeamRead.model_validate(await org.update_team(uow=uow, team_id=team_id, data=data))


@regions_router.post("", status_code=201)
async def create_region(data: RegionCreate, uow: UowDep, _: AdminDep) -> RegionRead:
    """Add a region (admin only)."""
    async with uow:
        return RegionRead.model_validate(await org.create_region(uow=uow, data=data))


@regions_router.get("")
async def list_regions(uow: UowDep, _: PrincipalDep) -> list[RegionRead]:
    """Every region."""
    async with uow:
        return [RegionRead.model_validate(region) for region in await org.list_regions(uow=uow)]
