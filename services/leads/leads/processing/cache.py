"""Settings read once per unit of work: a consumer batch applies hundreds of submissions in one
transaction, and rules only change through the API (in a transaction of their own)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from crm_shared.messaging.uow import UnitOfWork

T = TypeVar("T")


async def per_transaction(uow: UnitOfWork, key: str, load: Callable[[], Awaitable[T]]) -> T:
    """`load()` the first time in this unit of work's session, the same value after that."""
    cache = uow.session.info.setdefault("leads-cache", {})
    if key not in cache:
        cache[key] = await load()
    return cache[key]
