"""Which failures are transient (retry in place) and which are permanent (dead-letter)."""

import asyncio

from sqlalchemy import exc as sa_exc

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,  # database down, locked, connection refused
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # pool exhausted
    ConnectionError,
    asyncio.TimeoutError,
    OSError,
)


def is_transient(error: BaseException) -> bool:
    """Whether retrying the same work later may succeed."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, TRANSIENT_ERRORS)


class PermanentError(Exception):
    """A use case's verdict that this message can never be applied (it goes to the dead-letter topic)."""
