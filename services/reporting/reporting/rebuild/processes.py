"""The processes of a parallel rebuild: forked from the command's own (every module already imported), each
reporting on a pipe of its own (`progress <done> <total>` lines, then one `stats <json>` line), followed
without a thread, and stopped whatever happened."""

import asyncio
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

from reporting.rebuild.applier import ApplyStats

_FORK = multiprocessing.get_context("fork")  # a copy of this process: nothing to import again


@dataclass
class Share:
    """A share's process and the read end of its report pipe."""

    process: BaseProcess
    report: int  # -1 once `follow` owns it


class RebuildFailed(Exception):
    """A parallel rebuild stopped before the end: the target is not usable (rebuild into a new one)."""


class ShareFailed(RebuildFailed):
    """A share's process exited without finishing its work (its own error is on stderr)."""


def fork(main: Callable, job: dict, others: Iterable[int]) -> Share:
    """Fork a process running `main(job, the write end of its report pipe, the pipe ends to close)`: it
    closes `others` (the report pipes of the processes started before) and its own pipe's read end."""
    read, write = os.pipe()
    try:
        process = _FORK.Process(target=main, args=(job, write, [*others, read]), daemon=True)
        process.start()
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)  # the child has its own: the pipe ends when the child does
    return Share(process, read)


async def follow(index: int, share: Share, report: Callable[[int, float, float], None],
                 what: str = "share") -> ApplyStats:
    """A share's progress as it works, then its counts (once its process has exited); `what` it is, in the
    error if it fails."""
    loop, reader = asyncio.get_running_loop(), asyncio.StreamReader()
    pipe, share.report = os.fdopen(share.report, "rb"), -1  # closed here from now on
    try:
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    except BaseException:
        pipe.close()
        raise
    stats = None
    try:
        async for line in reader:
            kind, _, rest = line.decode().strip().partition(" ")
            if kind == "progress":
                done, total = map(float, rest.split())
                report(index, done, total)
            elif kind == "stats":
                stats = ApplyStats(**json.loads(rest))
    finally:
        transport.close()
    await exited(share.process)
    code = share.process.exitcode
    if code != 0 or stats is None:
        raise ShareFailed(f"the rebuild's {what} {index} exited with {code} before finishing")
    return stats


async def follow_all(started: list[Share], report: Callable[[int, float, float], None],
                     what: str = "share") -> list[ApplyStats]:
    """Every share's counts; the first share's failure, as itself, stops following the others."""
    try:
        async with asyncio.TaskGroup() as group:
            following = [group.create_task(follow(index, share, report, what))
                         for index, share in enumerate(started)]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in following]


async def exited(process: BaseProcess) -> None:
    """Wait, without a thread, until the process has exited (its sentinel becomes readable), and reap it."""
    loop, done = asyncio.get_running_loop(), asyncio.get_running_loop().create_future()
    loop.add_reader(process.sentinel, lambda: done.done() or done.set_result(None))
    try:
        await done
    finally:
        loop.remove_reader(process.sentinel)
    process.join()  # at once: it has exited


def stop(started: list[Share]) -> None:
    """Close the pipes never followed, kill the processes still running, reap them all."""
    for share in started:
        if share.report >= 0:
            os.close(share.report)
        if share.process.is_alive():
            share.process.kill()
        share.process.join()  # killed, or exited already: at once
        share.process.close()
