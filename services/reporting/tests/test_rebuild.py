"""The rebuild replays every topic from a real broker into a fresh database: the same rows as live."""

import asyncio
import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from reporting_scenario import at, history
from reporting_support import dump_projections
from sqlalchemy import func, select

from crm_shared.db import create_engine
from crm_shared.events.leads import LeadCapturedV1, LeadMergedV1
from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.settings import KafkaSettings
from crm_shared.testing import eventually, running_app
from crm_shared.topics import LEADS_LEAD, all_topic_specs
from reporting import bulk
from reporting.config import ReportingSettings
from reporting.main import create_app
from reporting.models import messaging
from reporting.rebuild import parallel
from reporting.rebuild.indexes import LEDGER, drop_secondary_indexes
from reporting.rebuild.replay import NotFresh, prepare_database, rebuild_engine, replay

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
async def published():
    """A broker of this module's own holding the scenario, redelivered duplicates, and junk."""
    tansu = TansuBroker(free_port()).start()
    await ensure_topics(tansu.bootstrap_servers)
    distinct = await publish(tansu)
    yield tansu, distinct
    tansu.stop()


@pytest.fixture(scope="module")
async def published_one_partition():
    """The same on topics of one partition each, as `make run` creates them."""
    tansu = TansuBroker(free_port()).start()
    await ensure_topics(tansu.bootstrap_servers, all_topic_specs(max_partitions=1))
    distinct = await publish(tansu, one_by_one=True)
    yield tansu, distinct
    tansu.stop()


async def publish(tansu: TansuBroker, one_by_one: bool = False) -> int:
    """Publish the scenario, duplicates and junk; the count of distinct events. `one_by_one`: each event a
    batch of its own (Tansu lists a partition's end as its last batch's first offset + 1: the rebuild's
    first estimate of its records)."""
    producer = AIOKafkaProducer(bootstrap_servers=tansu.bootstrap_servers, acks="all")
    await producer.start()
    # L2 merged into L4: a lead of another partition, so of another share in a parallel rebuild
    events = [*history(), LeadMergedV1(aggregate_id="L4", merged_lead_id="L2", occurred_at=at(8))]
    try:
        for event in [*events, *events[:5]]:  # a relay replay after a broker restart re-sends rows
            headers = [(k, v.encode()) for k, v in event.headers().items()]
            value, key = event.model_dump_json().encode(), event.aggregate_id.encode()
            sent = await producer.send(event.topic, value, key=key, headers=headers)
            if one_by_one:
                await sent
        await producer.send(LEADS_LEAD.name, b"{not json", key=b"junk")
        unknown = {**LeadCapturedV1(aggregate_id="z", name="z", source="x").model_dump(mode="json"),
                   "event_type": "leads.lead.teleported"}
        await producer.send(LEADS_LEAD.name, json.dumps(unknown).encode(), key=b"z")
        await producer.flush()
    finally:
        await producer.stop()
    return len(events)


def settings_for(tansu: TansuBroker, database_url: str) -> ReportingSettings:
    kafka = KafkaSettings(bootstrap_servers=tansu.bootstrap_servers, watchdog_interval_s=0.5)
    return ReportingSettings(database_url=database_url, kafka=kafka)


async def applied_count(app) -> int:
    async with app.state.ctx.uow() as uow:
        return (await uow.session.execute(select(func.count()).select_from(messaging.inbox))).scalar_one()


@pytest.fixture(scope="module")
async def live_rows(published, tmp_path_factory) -> dict:
    """What live consumption (the service's consumer group on the broker) made of the topics."""
    return await consumed(*published, tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="module")
async def live_rows_one_partition(published_one_partition, tmp_path_factory) -> dict:
    """The same of the topics of one partition each."""
    return await consumed(*published_one_partition, tmp_path_factory.mktemp("live1"))


async def consumed(tansu: TansuBroker, distinct: int, folder) -> dict:
    live = create_app(settings_for(tansu, f"sqlite+aiosqlite:///{folder}/live.db"))
    async with running_app(live):
        await eventually(lambda: _equals(applied_count(live), distinct), timeout=30)
        return await dump_projections(live)


async def test_rebuild_gives_the_rows_live_consumption_gives(published, live_rows, database_url, monkeypatch):
    tansu, distinct = published
    monkeypatch.setattr(bulk, "MIN_ROWS", 1)  # live wrote through SQLAlchemy, the rebuild through the driver
    settings = settings_for(tansu, database_url)
    await prepare_database(database_url)
    migrated = await indexes(database_url)
    progress: list[tuple[int, int]] = []
    stats = await replay(settings, on_progress=lambda done, total: progress.append((done, total)), chunk=4)
    assert await indexes(database_url) == migrated and len(migrated) > 20  # loaded without, then made
    assert (stats.applied, stats.duplicates, stats.rejected, stats.ignored) == (distinct, 5, 1, 1)
    assert progress[-1] == (distinct + 7, distinct + 7) and len(progress) > 2
    rebuilt = create_app(settings)
    assert await dump_projections(rebuilt) == live_rows
    await rebuilt.state.ctx.engine.dispose()
    with pytest.raises(NotFresh):
        await replay(settings)


async def test_a_rebuild_in_two_processes_gives_the_rows_live_consumption_gives(published, live_rows,
                                                                                database_url, tmp_path,
                                                                                monkeypatch):
    """SQLite: two databases merged; PostgreSQL: two processes folding into the target at once."""
    tansu, distinct = published
    monkeypatch.setattr(parallel, "SHARE_MIN", 1)  # a share per record at most: two shares of this history
    started = []
    start = parallel._start
    monkeypatch.setattr(parallel, "_start", lambda *args: started.append(args[2]) or start(*args))
    settings = settings_for(tansu, database_url)
    await prepare_database(database_url)
    migrated = await indexes(database_url)
    progress: list[tuple[int, int]] = []
    stats = await parallel.rebuild(settings, workers=2, chunk=4,
                                   on_progress=lambda done, total: progress.append((done, total)))
    assert (stats.applied, stats.duplicates, stats.rejected, stats.ignored) == (distinct, 5, 1, 1)
    assert progress[-1] == (distinct + 7, distinct + 7) and len(started) == 2 == stats.processes
    rebuilt = create_app(settings)
    assert await dump_projections(rebuilt) == live_rows
    await rebuilt.state.ctx.engine.dispose()
    assert not [path for path in tmp_path.iterdir() if ".share" in path.name]  # merged, then removed
    assert await indexes(settings.database_url) == migrated


async def test_partitions_cut_into_slices_by_key_give_the_rows_live_consumption_gives(
        published_one_partition, live_rows_one_partition, database_url, monkeypatch):
    """Topics of one partition (as under `make run`): the lead topic's records dealt to two processes by
    key, each process reading the whole partition and folding its slot's records."""
    tansu, distinct = published_one_partition
    monkeypatch.setattr(parallel, "SHARE_MIN", 1)
    started = []
    start = parallel._start
    monkeypatch.setattr(parallel, "_start", lambda *args: started.append(args[2]) or start(*args))
    settings = settings_for(tansu, database_url)
    await prepare_database(database_url)
    progress: list[tuple[int, int]] = []
    stats = await parallel.rebuild(settings, workers=2, chunk=4,
                                   on_progress=lambda done, total: progress.append((done, total)))
    assert len(started) == 2 == stats.processes
    sliced = {piece[2:] for share in started for piece in share if piece[0] == LEADS_LEAD.name}
    assert sliced == {(0, 2), (1, 2)}
    assert (stats.applied, stats.duplicates, stats.rejected, stats.ignored) == (distinct, 5, 1, 1)
    assert progress[-1] == (distinct + 7, distinct + 7)  # a slice's records counted once in all
    rebuilt = create_app(settings)
    assert await dump_projections(rebuilt) == live_rows_one_partition
    await rebuilt.state.ctx.engine.dispose()


async def test_a_share_that_fails_fails_the_rebuild_and_leaves_no_share_behind(published, tmp_path,
                                                                               monkeypatch):
    tansu, _ = published
    monkeypatch.setattr(parallel, "SHARE_MIN", 1)
    monkeypatch.setattr(parallel, "SHARE_MAIN", failing_share)
    settings = settings_for(tansu, f"sqlite+aiosqlite:///{tmp_path}/rebuilt.db")
    with pytest.raises(parallel.ShareFailed, match="exited with 1"):
        await parallel.rebuild(settings, workers=2)
    assert not [path for path in tmp_path.iterdir() if ".share" in path.name]
    assert len(await indexes(settings.database_url)) < 5  # folded without its report indexes, never made
    await parallel.rebuild(settings, workers=1)  # the same (still fresh) database again, in one process
    assert await indexes(settings.database_url) == await indexes(await migrated_copy(tmp_path))


async def test_a_share_leaves_the_indexes_and_their_ledger_to_its_parent(published, database_url):
    """On PostgreSQL every share folds into the target: the first to finish must not forget, for a rerun,
    which indexes the parent dropped."""
    tansu, distinct = published
    await prepare_database(database_url)
    engine = rebuild_engine(database_url)
    try:
        dropped = await drop_secondary_indexes(engine)
    finally:
        await engine.dispose()
    stats = await replay(settings_for(tansu, database_url), share=True, derived=False)  # one share of all
    assert stats.applied == distinct and len(dropped) > 20
    assert len(await indexes(database_url)) < 20  # still without them
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            kept = await connection.execute(sa.text(f"SELECT count(*) FROM {LEDGER}"))
            assert kept.scalar_one() == len(dropped)
    finally:
        await engine.dispose()


def failing_share(job: dict, out_fd: int) -> None:
    """A share's process that fails before folding anything (as a broken one would)."""
    os.close(out_fd)
    raise RuntimeError(f"share of {job['partitions']} cannot start")


async def indexes(database_url: str) -> list[tuple]:
    """Every index of the database: table, name, columns, unique."""
    engine = create_engine(database_url)

    def read(connection) -> list[tuple]:
        inspector = sa.inspect(connection)
        return sorted((table, index["name"], tuple(index["column_names"]), bool(index["unique"]))
                      for table in inspector.get_table_names() for index in inspector.get_indexes(table))

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def migrated_copy(folder) -> str:
    url = f"sqlite+aiosqlite:///{folder}/migrated.db"
    await prepare_database(url)
    return url


async def _equals(awaitable, value) -> bool:
    return await awaitable == value


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


async def test_rebuild_command_line(published, tmp_path):
    tansu, distinct = published
    env = {**os.environ, "REPORTING_KAFKA__BOOTSTRAP_SERVERS": tansu.bootstrap_servers}
    command = [sys.executable, "-m", "reporting.rebuild", "--database-url",
               f"sqlite+aiosqlite:///{tmp_path}/cli.db"]
    done = await asyncio.to_thread(run, command, env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert f"applied {distinct}, duplicates 5" in done.stdout
    assert "folded in 1 process" in done.stdout  # a few records: one share (said when more were asked for)
    again = await asyncio.to_thread(run, command, env)
    assert again.returncode == 2 and "already holds" in again.stdout
