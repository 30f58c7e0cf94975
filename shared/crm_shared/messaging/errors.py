"""Which failures are transient (retry in place) and which are permanent (dead-letter)."""

import asyncio

from sqlalchemy import exc as sa_exc

NETWORK_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, asyncio.TimeoutError, OSError)
PAYLOAD_DB_ERRORS: tuple[type[BaseException], ...] = (sa_exc.IntegrityError, sa_exc.DataError)


def is_transient(error: BaseException) -> bool:
    """Whether retrying the same work later may succeed.

    Any database error is transient (down, refusing connections, locked, a missing migration)
    except those the payload itself causes (constraint and data errors): blocking a partition
    until someone looks is better than dead-lettering an event that was fine.
    """
    if isinstance(error, PAYLOAD_DB_ERRORS):
        return False
    if isinstance(error, (sa_exc.DBAPIError, sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return True
    return isinstance(error, NETWORK_ERRORS)


class PermanentError(Exception):
    """A use case's verdict that this message can never be applied (it goes to the dead-letter topic)."""
