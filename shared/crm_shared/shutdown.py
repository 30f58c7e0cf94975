"""Bounded shutdown: a step that hangs is logged with its stack and left behind, so a process always stops.

A task cancelled in the middle of a database call does not always end (asyncpg can swallow the cancel
and wait forever, MagicStack/asyncpg#873), and a client may never finish closing against a dead peer.
`await task` or `asyncio.wait_for` would then hang the whole shutdown; `asyncio.wait` with a timeout
does not, because it never awaits the stuck task itself.
"""

import asyncio
import io
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` asking Linux to SIGTERM the child when the thread that started it dies (None
    elsewhere): a broker or server started by a test run or a bench that is killed does not outlive it."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved now: the forked child only calls it
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _stack(task: asyncio.Task) -> str:
    out = io.StringIO()
    task.print_stack(file=out)
    return out.getvalue()


async def stop_task(task: asyncio.Task | None, timeout: float = 10.0) -> bool:
    """Cancel `task` and wait at most `timeout` seconds for it to end; True if it ended."""
    if task is None:
        return True
    if not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=timeout)
    if not task.done():
        log.error("task %s did not stop within %.0f s; left behind:\n%s",
                  task.get_name(), timeout, _stack(task))
        return False
    if not task.cancelled() and task.exception() is not None:
        log.warning("task %s had failed: %r", task.get_name(), task.exception())
    return True


async def bounded(step: Awaitable[object], what: str, timeout: float = 15.0) -> bool:
    """Run a shutdown step for at most `timeout` seconds; a failure or a hang is logged, never raised."""
    task = asyncio.ensure_future(step)
    await asyncio.wait({task}, timeout=timeout)
    if not task.done():
        log.error("%s did not finish within %.0f s; left behind:\n%s", what, timeout, _stack(task))
        task.cancel()
        return False
    if task.cancelled() or task.exception() is not None:
        log.warning("%s failed: %r", what, None if task.cancelled() else task.exception())
        return False
    return True
