"""Group commit of the public intake: concurrent posts share commits, and stay idempotent within one
batch, across batches and across two workers on one database (SQLite and PostgreSQL)."""

import asyncio
import json
import sqlite3
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from intake_support import post
from leads_support import leads_settings, running
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crm_shared.db import create_engine
from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.messaging.uow import OUTBOX_KEYS, outbox_row
from crm_shared.migrations import upgrade
from crm_shared.testing import POSTGRES_URL, postgres_database
from leads.cli import MIGRATIONS
from leads.db import messaging
from leads.forms.batch import Post, prepare
from leads.forms.domain import Posted
from leads.forms.models import Submission
from leads.forms.service import received_event
from leads.forms.stores import MATCHES_BY_ARRAYS, SUBMISSION_KEYS, CoreStore, SQLiteStore, _begin_immediate


async def test_concurrent_posts_share_commits_and_stay_idempotent(client, form, admin):
    same = await asyncio.gather(
        *(
            post(client, form, {"mail": "burst@acme.com"}, headers={"idempotency-key": "b-1"})
            for _ in range(15)
        )
    )
    assert {r.status_code for r in same} == {202} and len({r.json()["id"] for r in same}) == 1
    assert sum(not r.json()["duplicate"] for r in same) == 1
    many = await asyncio.gather(*(post(client, form, {"mail": f"burst{i}@acme.com"}) for i in range(15)))
    ids = {r.json()["id"] for r in many}
    assert len(ids) == 15
    for submission_id in ids:  # answered 202 only once committed
        assert (await client.get(f"/submissions/{submission_id}", headers=admin)).status_code == 200


async def test_one_group_commit_dedupes_each_post_within_its_own_window(app_client, form):
    """A post of a year ago (a backdated demo post) and a live one with the same fields, in one commit:
    two submissions, each a duplicate only of what came within ten minutes of it."""
    from leads.forms import service as forms
    from leads.forms.batch import Post
    from leads.forms.domain import Posted

    app = app_client[0]
    async with app.state.ctx.uow() as uow:
        view = await forms.active_form_view(uow=uow, form_id=form["id"])
    fields = {"email": f"twice-{uuid.uuid4().hex[:6]}@acme.com", "name": "Twice"}
    now = datetime.now(UTC)

    def at(moment):
        return Post(
            form=view,
            posted=Posted(fields=dict(fields)),
            idempotency_key=None,
            quarantine_reason=None,
            client_ip="127.0.0.1",
            now=moment,
        )

    store = app.state.intake.write_batch
    first = await store([at(now - timedelta(days=365)), at(now)])
    assert [duplicate for _, duplicate in first] == [False, False] and first[0][0] != first[1][0]
    again = await store([at(now + timedelta(minutes=1))])
    assert again == [(first[1][0], True)]  # the live one, not the one of a year ago


async def test_two_workers_on_one_database_store_a_retried_post_once(app_client, form, broker):
    """Another worker process on the same database takes the same post at the same time (a client
    retrying through a load balancer): whichever commits first stores it, the other answers with its id.
    On SQLite the intake's own connection waits for the other's write lock; on PostgreSQL both batches
    may insert, one hits the unique key and is retried post by post. Either way one submission."""
    first_app, first = app_client
    settings = first_app.state.settings
    async with running(leads_settings(settings.database_url, broker, consume=False)) as (_, second):
        key = {"idempotency-key": f"twice-{uuid.uuid4().hex[:8]}"}
        answers = await asyncio.gather(
            *(post(c, form, {"mail": "lb@acme.com"}, headers=key) for c in [first, second] * 10)
        )
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(not a.json()["duplicate"] for a in answers) == 1


def test_the_sqlite_store_polls_for_a_write_lock_held_by_another_connection(tmp_path):
    """The store's connection has no busy timeout of its own (SQLite's sleeps of 1, 2, 5, 10... ms): it
    polls for the lock until it is free, and gives up with the busy error at its own deadline."""
    path = str(tmp_path / "locks.db")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x)")
    store = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    store.execute("PRAGMA busy_timeout=0")
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as held:
        _begin_immediate(store, timeout_s=0.05)
    assert held.value.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY

    release = threading.Timer(0.1, holder.execute, ("COMMIT",))
    release.start()
    _begin_immediate(store)  # waits out the holder
    assert store.in_transaction and not holder.in_transaction
    store.execute("INSERT INTO t VALUES (1)")
    store.execute("COMMIT")
    release.join()
    assert holder.execute("SELECT x FROM t").fetchall() == [(1,)]


def posts(count: int) -> list:
    """`count` new posts of one form, ready for a store."""
    form = SimpleNamespace(
        id="f-1", name="Contact us", source="web_form", campaign=None, default_team_id=None
    )
    fresh = [Posted(fields={"email": f"{uuid.uuid4().hex}@acme.com"}) for _ in range(count)]
    return prepare(
        [
            Post(
                form=form,
                posted=posted,
                idempotency_key=None,
                quarantine_reason=None,
                client_ip="127.0.0.1",
                now=datetime.now(UTC),
            )
            for posted in fresh
        ],
        "test",
    )


async def test_the_postgresql_store_finds_matches_by_index_in_a_table_never_analyzed():
    """Without statistics PostgreSQL guesses that a batch's fingerprints match a sixth of the table and
    scanned all of it for every batch, or all of the last ten minutes by `received_at`; the store's
    lookup probes the key and fingerprint indexes."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        try:
            for _ in range(10):
                await store.write(posts(300))
            again = posts(31)
            again.append(prepare([posts(1)[0].post], "test")[0])
            async with store.engine.connect() as connection:
                # the plan asyncpg's prepared statement gets from its sixth run on: a generic one
                raw = (await connection.get_raw_connection()).driver_connection
                await raw.execute("SET plan_cache_mode = force_generic_plan")
                explain = await raw.prepare("EXPLAIN " + MATCHES_BY_ARRAYS)
                rows = await explain.fetch([i.key for i in again], [i.print_ for i in again])
                plan = "\n".join(row[0] for row in rows)
            assert "Seq Scan" not in plan and "ix_submission_received_at" not in plan, plan
            assert "uq_submission_idempotency_key" in plan and "ix_submission_fingerprint" in plan, plan
        finally:
            await store.close()
            await engine.dispose()


async def test_the_sqlite_store_waits_for_another_connections_write_lock(tmp_path):
    """The store's own connection has no busy timeout: a batch that finds the write lock held polls until
    it is free, then commits (without the polling it would fail at once)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/held.db"
    await upgrade(MIGRATIONS, url)
    engine = create_engine(url)
    store = SQLiteStore(engine, messaging)
    batch = posts(1)
    holder = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")  # as the service's engine leaves it
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.2, holder.execute, ("COMMIT",))
    release.start()
    try:
        [(submission_id, duplicate)] = await store.write(batch)
    finally:
        release.join()
        await store.close()
        await engine.dispose()
    assert not duplicate
    stored = holder.execute("SELECT id FROM submission").fetchall()
    holder.close()
    assert stored == [(submission_id,)]


async def test_the_postgresql_store_runs_a_batch_again_when_its_connection_broke():
    """The store's pool does not ping a connection before a batch: one that the server closed meanwhile
    fails the batch's first statement, and the batch is run again on a new connection."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        try:
            await store.write(posts(1))  # the store's pool now holds an idle connection
            async with engine.connect() as admin:
                killed = await admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                assert any(killed.scalars())
            [(submission_id, duplicate)] = await store.write(posts(1))
            assert not duplicate
            async with engine.connect() as connection:
                stored = await connection.execute(
                    text("SELECT id FROM submission WHERE id = :id"), {"id": submission_id}
                )
                assert stored.scalar_one() == submission_id
        finally:
            await store.close()
            await engine.dispose()


@pytest.mark.parametrize(
    ("posted", "campaign", "quarantine", "now"),
    [
        (Posted(fields={"email": "a@acme.com", "name": "Ann"}), "spring", None, datetime.now(UTC)),
        (  # non-ASCII, custom fields, tracking, a quarantined post, a demo clock's zone
            Posted(
                fields={"name": '张伟 "Zhang"', "message": "line\nbreak \u2028 emoji 😀"},
                custom_fields={"budget": "€ 5,000"},
                utm={"utm_campaign": "autumn", "utm_source": "wechat"},
                page_url="https://example.cn/联系",
                referrer="https://ref.example",
                visitor_id="v-1",
            ),
            None,
            "honeypot",
            datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        ),
    ],
)
def test_the_intakes_own_event_json_is_the_contracts(posted, campaign, quarantine, now):
    """The group commit writes `leads.submission.received` without the model: it must be the event the
    model makes, field for field (no field missing or extra, each validating to the model's own value),
    with the same outbox row and Kafka headers."""
    form = SimpleNamespace(
        id="f-1", name="Contact us", source="web_form", campaign=campaign, default_team_id="team-9"
    )
    item = prepare(
        [
            Post(
                form=form,
                posted=posted,
                idempotency_key=None,
                quarantine_reason=quarantine,
                client_ip="127.0.0.1",
                now=now,
            )
        ],
        "leads-test",
    )[0]
    expected = received_event(form, SimpleNamespace(**item.row), producer="leads-test")
    got = SubmissionReceivedV1.model_validate_json(item.event["payload"])
    assert set(json.loads(item.event["payload"])) == set(SubmissionReceivedV1.model_fields)
    assert got == expected.model_copy(update={"event_id": got.event_id})
    # the very JSON the model writes, value for value (validation alone would take "1" for 1)
    same = json.loads(expected.model_copy(update={"event_id": got.event_id}).model_dump_json())
    assert json.loads(item.event["payload"]) == same
    assert got.occurred_at == now and got.campaign == (posted.utm.get("utm_campaign") or campaign)
    row = outbox_row(expected)
    for name in ("topic", "aggregate_type", "aggregate_id", "event_type"):
        assert item.event[name] == row[name]
    assert item.event["event_id"] == str(got.event_id)
    assert item.event["headers"] == got.headers()
    assert set(item.event) == set(OUTBOX_KEYS)


async def test_the_postgresql_store_stores_each_value_as_given_in_one_statement():
    """PostgreSQL's batch inserts both tables in one statement of arrays: every value comes back as the
    post made it (text, JSON, empty values, time zone), and a value too long for its column is refused,
    never cut (the arrays are of unbounded types)."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        form = SimpleNamespace(
            id="f-2", name="联系我们", source="web_form", campaign=None, default_team_id=None
        )
        posted = Posted(
            fields={"name": '张伟 "Z"', "email": "z@例子.cn"},
            custom_fields={"budget": "€5k"},
            utm={"utm_source": "wechat"},
            page_url="https://例子.cn/a?b=1",
            visitor_id="v-9",
        )
        now = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
        batch = prepare(
            [
                Post(
                    form=form,
                    posted=posted,
                    idempotency_key=None,
                    quarantine_reason="honeypot",
                    client_ip="10.0.0.1",
                    now=now,
                )
            ],
            "test",
        )
        try:
            assert await store.write(batch) == [(batch[0].row["id"], False)]
            async with engine.connect() as connection:
                row = (
                    await connection.execute(select(*(Submission.__table__.c[k] for k in SUBMISSION_KEYS)))
                ).one()
                event = (await connection.execute(select(messaging.outbox))).one()
            assert dict(zip(SUBMISSION_KEYS, row, strict=True)) == batch[0].row
            assert event.payload == batch[0].event["payload"] and event.headers == batch[0].event["headers"]
            assert (event.event_id, event.aggregate_id, event.sent_at) == (
                batch[0].event["event_id"],
                batch[0].row["id"],
                None,
            )
            too_long = prepare(
                [
                    Post(
                        form=form,
                        posted=Posted(fields={"email": "y@x.cn"}, visitor_id="v" * 101),
                        idempotency_key=None,
                        quarantine_reason=None,
                        client_ip="10.0.0.1",
                        now=now,
                    )
                ],
                "test",
            )
            with pytest.raises(DBAPIError, match="too long"):
                await store.write(too_long)
        finally:
            await store.close()
            await engine.dispose()


async def test_the_sqlite_stores_own_connection_syncs_every_commit(tmp_path):
    """The intake's connection has the services' pragmas: each group commit synced before the answers."""
    store = SQLiteStore(create_engine(f"sqlite+aiosqlite:///{tmp_path}/durable.db"), messaging)
    loop = asyncio.get_running_loop()
    try:
        connection = await loop.run_in_executor(store._thread, store._open)
        pragma = await loop.run_in_executor(
            store._thread, lambda: connection.execute("PRAGMA synchronous").fetchone()[0])
        assert pragma == 2  # FULL
    finally:
        await store.close()
