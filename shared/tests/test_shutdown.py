"""Bounded shutdown: a task or step that ignores its cancel is left behind after the timeout."""

import asyncio
import logging

from crm_shared.shutdown import bounded, stop_task


async def _stubborn(started: asyncio.Event, release: asyncio.Event) -> None:
    """Swallows every cancel until released (as a driver stuck in a call can)."""
    started.set()
    while not release.is_set():
        try:
            await release.wait()
        except asyncio.CancelledError:
            continue


async def test_a_task_that_ignores_its_cancel_is_left_behind(caplog):
    started, release = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_stubborn(started, release), name="stubborn")
    await started.wait()
    with caplog.at_level(logging.ERROR, logger="crm_shared.shutdown"):
        assert await stop_task(task, timeout=0.2) is False
    assert not task.done()
    assert "stubborn did not stop" in caplog.text and "_stubborn" in caplog.text  # its stack is logged
    release.set()
    await task


async def test_a_task_that_honours_its_cancel_stops():
    task = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0)
    assert await stop_task(task, timeout=5) is True
    assert task.cancelled()
    assert await stop_task(None) is True


async def test_bounded_steps_report_a_hang_and_a_failure_without_raising(caplog):
    started, release = asyncio.Event(), asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="crm_shared.shutdown"):
        assert await bounded(_stubborn(started, release), "closing the stubborn client", 0.2) is False

        async def fails() -> None:
            raise ConnectionError("peer gone")

        assert await bounded(fails(), "closing the dead client", 5) is False
        assert await bounded(asyncio.sleep(0), "a quick step", 5) is True
    assert "closing the stubborn client did not finish" in caplog.text
    assert "closing the dead client failed: ConnectionError('peer gone')" in caplog.text
    release.set()
