"""The account replica: who owns a customer and its region, industry and size (latest snapshot wins)."""

from collections.abc import Sequence

from sqlalchemy import case, select

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import AccountCreatedV1, AccountDeletedV1, AccountSnapshot
from crm_shared.messaging.uow import UnitOfWork
from reporting.kinds import of_kind
from reporting.models import AccountCard
from reporting.versions import version_of

_COLUMNS = ("name", "owner_id", "team_id", "industry", "size", "region", "deleted", "version")


def _row(event: Event) -> dict | None:
    if isinstance(event, AccountSnapshot):
        rank = 0 if isinstance(event, AccountCreatedV1) else 1
        return {"account_id": event.aggregate_id, "name": event.name, "owner_id": event.owner_id,
                "team_id": event.team_id, "industry": event.industry, "size": event.size,
                "region": event.region, "deleted": False, "version": version_of(event, rank)}
    if isinstance(event, AccountDeletedV1):
        return {"account_id": event.aggregate_id, "name": event.name, "owner_id": event.owner_id,
                "team_id": event.team_id, "industry": None, "size": None, "region": None, "deleted": True,
                "version": version_of(event, 2)}
    return None


async def record_accounts(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Upsert the account snapshots and deletions among `events`, keeping each account's newest one."""
    latest: dict[str, dict] = {}
    for event in of_kind(events, (AccountSnapshot, AccountDeletedV1)):
        row = _row(event)
        if row and (row["account_id"] not in latest or row["version"] > latest[row["account_id"]]["version"]):
            latest[row["account_id"]] = row
    if not latest:
        return
    insert = dialect_insert(uow.session)(AccountCard.__table__)
    newer = insert.excluded.version > AccountCard.version
    set_ = {name: case((newer, insert.excluded[name]), else_=getattr(AccountCard, name)) for name in _COLUMNS}
    statement = insert.on_conflict_do_update(index_elements=[AccountCard.account_id], set_=set_)
    await uow.session.execute(statement, sorted(latest.values(), key=lambda r: r["account_id"]))


async def load_accounts(uow: UnitOfWork) -> dict[str, AccountCard]:
    """Every known account card by id (deleted ones included, flagged)."""
    rows = await uow.session.execute(select(AccountCard))
    return {card.account_id: card for card in rows.scalars()}
