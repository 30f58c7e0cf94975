"""Run child processes, prefix their output, restart them with backoff, stop them cleanly.

Each child runs in a process group of its own: Ctrl-C in the terminal reaches only the supervisor,
which then stops the children in order, and a child's own children are stopped with it. On Linux a
child also gets SIGTERM if the supervisor itself dies (PR_SET_PDEATHSIG), so nothing is orphaned.
"""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from crm_shared.devstack.config import BACKOFF_RESET_AFTER_S, next_restart
from crm_shared.shutdown import die_with_parent

NAME_WIDTH = 12
LINE_LIMIT = 1 << 20
COLORS = {
    "devstack": "1", "broker": "35", "leads": "36", "sales": "32", "service-desk": "33", "reporting": "34",
}  # fmt: skip
SPARE_COLORS = ("91", "92", "93", "94", "95", "96")


def format_line(name: str, text: str, color: bool = False) -> str:
    """`name` padded to a fixed width (coloured on a terminal), a bar, then the text."""
    label = f"{name:<{NAME_WIDTH}}"
    if color:
        code = COLORS.get(name) or SPARE_COLORS[sum(map(ord, name)) % len(SPARE_COLORS)]
        label = f"\033[{code}m{label}\033[0m"
    return f"{label} | {text}"


class Output:
    """Where prefixed lines go: one writer shared by every child, so lines never interleave."""

    def __init__(self, stream: TextIO | None = None, color: bool | None = None):
        self.stream = stream or sys.stdout
        if color is None:
            color = self.stream.isatty() and "NO_COLOR" not in os.environ
        self.color = color

    def line(self, name: str, text: str) -> None:
        """Print one line of `name`'s output."""
        self.stream.write(format_line(name, text, self.color) + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A message from the supervisor itself."""
        self.line("devstack", text)


_PRE_EXEC = die_with_parent()


@dataclass
class ProcSpec:
    """What to run. `after_start`, if given, must succeed after every (re)start, else the child is
    restarted; until it has succeeded the child does not count as up."""

    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    after_start: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)


def _killpg(pid: int, sig: int) -> bool:
    """Signal a process group; False if it no longer exists."""
    try:
        os.killpg(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


class Child:
    """One supervised process: started, watched, restarted after an unexpected exit, stopped on request."""

    def __init__(self, spec: ProcSpec, out: Output, *, reset_after: float = BACKOFF_RESET_AFTER_S):
        self.spec, self.out, self.reset_after = spec, out, reset_after
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.up = asyncio.Event()  # set while the process runs and its after_start has succeeded
        self._stopping = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    def start(self) -> "Child":
        """Begin the run-and-restart loop in the background."""
        self._task = asyncio.create_task(self._loop(), name=f"devstack:{self.name}")
        return self

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while not self._stopping:
            started = loop.time()
            code = await self._run_once()
            if self._stopping:
                break
            delay, attempt = next_restart(attempt, loop.time() - started, self.reset_after)
            self.out.note(
                f"{self.name} exited unexpectedly (code {code}) after {loop.time() - started:.1f}s;"
                f" restarting in {delay:g}s"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _run_once(self) -> int | None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.spec.argv, env=self.spec.env, cwd=self.spec.cwd, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, limit=LINE_LIMIT,
                process_group=0, preexec_fn=_PRE_EXEC,
            )  # fmt: skip
        except OSError as exc:
            self.out.note(f"{self.name} could not start: {exc}")
            return None
        self.proc, self.starts = proc, self.starts + 1
        pump = asyncio.create_task(self._pump(proc.stdout))
        ready = asyncio.create_task(self._after_start(proc))
        try:
            return await proc.wait()
        finally:
            self.up.clear()
            ready.cancel()
            _killpg(proc.pid, signal.SIGKILL)  # whatever the child left behind in its group
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(pump, 2)

    async def _after_start(self, proc: asyncio.subprocess.Process) -> None:
        if self.spec.after_start is not None:
            try:
                await self.spec.after_start()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure means: not usable, start it again
                if proc.returncode is None and not self._stopping:
                    self.out.note(f"{self.name} did not come up ({exc!r}); restarting it")
                    _killpg(proc.pid, signal.SIGTERM)
                return
        if proc.returncode is None:
            self.up.set()

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # longer than LINE_LIMIT: asyncio drops it
                self.out.line(self.name, f"[a line over {LINE_LIMIT} bytes was dropped]")
                continue
            if not raw:
                return
            self.out.line(self.name, raw.decode(errors="replace").rstrip("\r\n"))

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, wait up to `grace` seconds, then SIGKILL; no restart follows."""
        self._stopping = True
        self._wake.set()
        proc = self.proc
        if proc is not None and proc.returncode is None:
            _killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), grace)
            except TimeoutError:
                self.out.note(f"{self.name} still running {grace:g}s after SIGTERM; killing it")
                _killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        if self._task is not None:
            await self._task


class Supervisor:
    """A set of children stopped together."""

    def __init__(self, out: Output | None = None, *, stop_timeout: float = 10.0, reset_after: float = 60.0):
        self.out = out or Output()
        self.stop_timeout, self.reset_after = stop_timeout, reset_after
        self.children: dict[str, Child] = {}

    def start(self, spec: ProcSpec) -> Child:
        """Start supervising one process."""
        child = Child(spec, self.out, reset_after=self.reset_after).start()
        self.children[spec.name] = child
        return child

    async def stop(self, names: list[str] | None = None) -> None:
        """Stop the named children (default: all) concurrently."""
        names = list(self.children) if names is None else names
        await asyncio.gather(*(self.children[n].stop(self.stop_timeout) for n in names if n in self.children))
