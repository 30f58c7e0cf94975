"""Process roles: a web-only worker leaves publishing to another process on the same database; children
started by a run do not outlive it."""

import asyncio
import json
import os
import subprocess
import sys
import uuid

from crm_shared.messaging.admin import ensure_topics
from crm_shared.service import create_service_app
from crm_shared.settings import OutboxSettings
from crm_shared.testing import eventually, read_topic
from minisvc import TEST_TOPIC, create_schema, emit_things, make_context


def _app(database_url, kafka_settings, outbox: OutboxSettings):
    template = make_context(database_url, kafka_settings)
    settings = template.settings.model_copy(update={"outbox": outbox})
    return create_service_app(template.spec, settings)


async def test_a_web_only_worker_leaves_its_rows_to_the_relaying_process(
    database_url, kafka_settings, broker
):
    await ensure_topics(broker.bootstrap_servers, [(TEST_TOPIC, 3), (TEST_TOPIC + ".dlq", 1)])
    web = _app(database_url, kafka_settings, OutboxSettings(relay=False, poll_interval_s=0.05))
    await create_schema(web.state.ctx)
    aggregate = f"agg-{uuid.uuid4()}"
    async with web.router.lifespan_context(web):
        events = await emit_things(web.state.ctx, aggregate, [1, 2, 3])
        await asyncio.sleep(0.5)  # ten poll intervals: a relay in this process would have run by now
        assert await web.state.ctx.relay.pending() == 3

        worker = _app(database_url, kafka_settings, OutboxSettings(poll_interval_s=0.02))
        async with worker.router.lifespan_context(worker):
            # the worker never hears of the web worker's commits: it finds them by polling
            await eventually(lambda: _zero(web.state.ctx.relay.pending()), timeout=20)

    ids = {str(e.event_id) for e in events}
    records = await read_topic(broker.bootstrap_servers, TEST_TOPIC, lambda rs: ids <= _event_ids(rs))
    published = [v for v in map(_value, records) if v.get("aggregate_id") == aggregate]
    assert sorted(e["value"] for e in published) == [1, 2, 3]


def _value(record) -> dict:
    """The record's JSON object ({} for the garbage other tests put on the shared test topic)."""
    try:
        value = json.loads(record.value)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def _event_ids(records) -> set[str]:
    return {_value(r).get("event_id") for r in records}


async def _zero(pending) -> bool:
    return await pending == 0


def test_a_child_dies_with_the_process_that_started_it(tmp_path):
    """A run killed outright (SIGKILL: no `finally` runs) takes its broker and servers with it."""
    parent = (
        "import subprocess, sys\n"
        "from crm_shared.shutdown import die_with_parent\n"
        "child = subprocess.Popen(['sleep', '300'], preexec_fn=die_with_parent())\n"
        "print(child.pid, flush=True)\n"
        "import time; time.sleep(300)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True)
    child = int(process.stdout.readline())
    assert _alive(child)
    process.kill()
    process.wait()
    for _ in range(100):
        if not _alive(child):
            break
        subprocess.run(["sleep", "0.05"], check=True)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead but still listed until its new parent (init) reaps it
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_process_freezes_its_start_up_heap_once():
    """After start-up every live object leaves the cyclic collector's reach (a full collection walked it
    all: 85-170 ms pauses under load); a second app in the same process freezes nothing more."""
    script = (
        "import gc\n"
        "from crm_shared.service import freeze_startup_heap\n"
        "before = gc.get_freeze_count()\n"
        "freeze_startup_heap()\n"
        "first = gc.get_freeze_count()\n"
        "kept = [[i] for i in range(1000)]\n"
        "freeze_startup_heap()\n"
        "print(before, first > 10000, gc.get_freeze_count() == first)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.split() == ["0", "True", "True"]

