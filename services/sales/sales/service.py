"""Sales use cases for the org directory: users, sign-in and the first admin."""

import asyncio
import functools
import logging
from uuid import uuid4

from sqlalchemy import func, select

from crm_shared.auth import Principal, Role, can_see, hash_password, verify_password, visible_to
from crm_shared.events.base import utcnow
from crm_shared.events.sales import UserCreatedV1, UserUpdatedV1
from crm_shared.http.problems import ConflictError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.config import SalesSettings
from sales.models import AppUser
from sales.org import check_region, check_team, commit_or_conflict
from sales.schemas import UserCreate, UserUpdate

log = logging.getLogger(__name__)

USER_FIELDS = ("name", "email", "phone", "role", "team_id", "region", "active", "capacity")


class InvalidCredentials(Exception):
    """Unknown email, wrong password or inactive user: one answer for all three."""


def user_snapshot(user: AppUser) -> dict:
    """The user's fields as the events carry them."""
    return {field: getattr(user, field) for field in USER_FIELDS}


@functools.cache
def _decoy_hash() -> str:
    return hash_password(str(uuid4()))


async def authenticate(*, uow: UnitOfWork, email: str, password: str) -> AppUser:
    """The active user with this email and password, or InvalidCredentials."""
    found = await uow.session.execute(select(AppUser).where(AppUser.email == email.strip().lower()))
    user = found.scalar_one_or_none()
    # verify against a decoy when the email is unknown, so timing does not reveal which emails exist
    hashed = user.password_hash if user else await asyncio.to_thread(_decoy_hash)
    matches = await asyncio.to_thread(verify_password, password, hashed)
    if user is None or not matches or not user.active:
        raise InvalidCredentials()
    return user


async def current_user(*, uow: UnitOfWork, principal: Principal) -> AppUser:
    """The caller's own record, or InvalidCredentials if it is gone or inactive."""
    user = await uow.session.get(AppUser, principal.user_id)
    if user is None or not user.active:
        raise InvalidCredentials()
    return user


def principal_of(user: AppUser) -> Principal:
    """The principal a token for this user carries."""
    return Principal(user.id, Role(user.role), user.team_id, user.name)


async def create_user(*, uow: UnitOfWork, data: UserCreate) -> AppUser:
    """Add a user to the directory and emit `sales.user.created` in the same transaction."""
    await _check_email_free(uow, data.email)
    await check_team(uow, data.team_id)
    await check_region(uow, data.region)
    now = utcnow()
    user = AppUser(
        id=new_id(),
        active=True,
        password_hash=await asyncio.to_thread(hash_password, data.password),
        created_at=now,
        updated_at=now,
        **data.model_dump(mode="json", exclude={"password"}),
    )
    uow.session.add(user)
    uow.emit(UserCreatedV1(aggregate_id=user.id, occurred_at=now, **user_snapshot(user)))
    await commit_or_conflict(uow, f"a user with email {data.email} already exists")
    return user


async def update_user(*, uow: UnitOfWork, user_id: str, data: UserUpdate) -> AppUser:
    """Change the fields sent; emit `sales.user.updated` naming what changed, or nothing if nothing did."""
    user = await uow.session.get(AppUser, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    changes = data.changes()
    password = changes.pop("password", None)
    if "team_id" in changes:
        await check_team(uow, changes["team_id"])
    if "region" in changes:
        await check_region(uow, changes["region"])
    changed = [field for field in USER_FIELDS if field in changes and changes[field] != getattr(user, field)]
    await _keep_an_admin(uow, user, changes)
    for field in changed:
        setattr(user, field, changes[field])
    if password is not None:
        user.password_hash = await asyncio.to_thread(hash_password, password)
        changed.append("password")
    if not changed:
        return user
    user.updated_at = utcnow()
    uow.emit(
        UserUpdatedV1(
            aggregate_id=user.id, occurred_at=user.updated_at, changed_fields=changed, **user_snapshot(user)
        )
    )
    await commit_or_conflict(uow, f"user {user_id} changed concurrently")
    return user


async def get_user(*, uow: UnitOfWork, user_id: str, principal: Principal) -> AppUser:
    """One user the caller may see; anyone else is not found."""
    user = await uow.session.get(AppUser, user_id)
    if user is None or not can_see(principal, user.id, user.team_id):
        raise NotFoundError(f"user {user_id} not found")
    return user


async def list_users(*, uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> list[AppUser]:
    """The users the caller may see: everyone (admin), their team (manager), themselves (rep, agent)."""
    query = (
        select(AppUser)
        .where(visible_to(principal, AppUser.id, AppUser.team_id))
        .order_by(AppUser.name, AppUser.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await uow.session.execute(query)).scalars())


async def ensure_bootstrap_admin(*, uow: UnitOfWork, settings: SalesSettings) -> AppUser | None:
    """Create the first admin from settings when the directory has no admin; a no-op on later starts."""
    admins = await uow.session.execute(select(func.count()).where(AppUser.role == Role.ADMIN.value))
    if admins.scalar_one():
        return None
    email = settings.bootstrap_admin_email.strip().lower()
    taken = await uow.session.execute(select(AppUser.id).where(AppUser.email == email))
    if taken.first():
        log.warning("no admin exists and %s is taken by a non-admin; not creating one", email)
        return None
    data = UserCreate(
        name=settings.bootstrap_admin_name,
        email=email,
        role=Role.ADMIN,
        password=settings.bootstrap_admin_password,
    )
    try:
        return await create_user(uow=uow, data=data)
    except ConflictError:  # another replica created it first
        return None


async def _check_email_free(uow: UnitOfWork, email: str) -> None:
    found = await uow.session.execute(select(AppUser.id).where(AppUser.email == email))
    if found.first():
        raise ConflictError(f"a user with email {email} already exists", field="email")


async def _keep_an_admin(uow: UnitOfWork, user: AppUser, changes: dict) -> None:
    """Refuse to demote or deactivate the last active admin: nobody could manage the directory after."""
    if user.role != Role.ADMIN.value or not user.active:
        return
    if changes.get("role", user.role) == Role.ADMIN.value and changes.get("active", True):
        return
    others = await uow.session.execute(
        select(func.count()).where(
            AppUser.role == Role.ADMIN.value, AppUser.active.is_(True), AppUser.id != user.id
        )
    )
    if not others.scalar_one():
        raise ConflictError("the last active admin cannot be demoted or deactivated")
