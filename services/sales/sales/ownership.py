"""Who may own a record, and loading records only the caller may see (anyone else's id -> 404)."""

from sqlalchemy import select

from crm_shared.auth import Principal, Role, can_see, visible_to
from crm_shared.http.problems import InvalidError, NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from sales.models import AppUser


async def resolve_owner(
    uow: UnitOfWork, principal: Principal | None, owner_id: str | None, field: str = "owner_id"
) -> tuple[str | None, str | None]:
    """The (owner_id, team_id) of a new or reassigned record: the caller by default; a rep may only
    own it themselves, a manager may give it to their team, an admin to anyone active."""
    if owner_id is None and principal is not None:
        owner_id = principal.user_id
    if owner_id is None:
        return None, None
    user = await uow.session.get(AppUser, owner_id)
    if user is None or not user.active:
        if principal is not None and owner_id == principal.user_id:
            return owner_id, principal.team_id
        raise InvalidError(f"user {owner_id} is not an active user", field=field)
    if principal is not None and not can_see(principal, user.id, user.team_id):
        raise InvalidError(f"user {owner_id} is not someone you may assign records to", field=field)
    return user.id, user.team_id


async def get_visible(uow: UnitOfWork, model, record_id: str, principal: Principal, what: str):
    """The record if it exists, is not deleted and the caller may see it; otherwise not found."""
    record = await uow.session.get(model, record_id)
    if (
        record is None
        or getattr(record, "deleted_at", None) is not None
        or not can_see(principal, record.owner_id, record.team_id)
    ):
        raise NotFoundError(f"{what} {record_id} not found")
    return record


def visible(model, principal: Principal):
    """A select of the model's live records the caller may see."""
    query = select(model).where(visible_to(principal, model.owner_id, model.team_id))
    if hasattr(model, "deleted_at"):
        query = query.where(model.deleted_at.is_(None))
    return query


def is_manager(principal: Principal) -> bool:
    """Whether the caller manages others (manager or admin)."""
    return principal.role in (Role.MANAGER, Role.ADMIN)
