"""The intake's PostgreSQL batch: one statement of per-column arrays, all or nothing, a second only when
the batch meets stored posts."""

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from intake_support import posts
from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from crm_shared.db import create_engine
from crm_shared.migrations import upgrade
from crm_shared.testing import POSTGRES_URL, postgres_database
from leads.cli import MIGRATIONS
from leads.db import messaging
from leads.forms.batch import Post, prepare
from leads.forms.domain import Posted
from leads.forms.models import Submission
from leads.forms.stores import SUBMISSION_KEYS, CoreStore


async def test_the_postgresql_batch_keeps_each_rows_values_together_and_fails_whole():
    """Three posts with different empty values: each column's array keeps the rows aligned. A batch whose
    insert meets a key another worker stored first fails whole: no submission and no event of it stay
    (the statement is its own transaction), and `IntakeWriter` then stores the posts one by one."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        form = SimpleNamespace(id="f-3", name="Mixed", source="web_form", campaign="c", default_team_id=None)
        now = datetime.now(UTC)
        mixed = [
            Posted(fields={"email": "a@x.cn"}, visitor_id="v-1"),
            Posted(fields={"email": "b@x.cn"}, utm={"utm_campaign": "spring"}, referrer="https://r.example"),
            Posted(fields={"email": "c@x.cn", "name": "C"}, page_url="https://p.example"),
        ]
        batch = prepare([Post(form=form, posted=p, idempotency_key=None, quarantine_reason=None,
                              client_ip=None, now=now) for p in mixed], "test")
        try:
            await store.write(batch)
            async with engine.connect() as connection:
                rows = (await connection.execute(select(*(Submission.__table__.c[k] for k in SUBMISSION_KEYS))
                                                 .order_by(Submission.id))).all()
                events = (await connection.execute(select(messaging.outbox.c.aggregate_id,
                                                          messaging.outbox.c.payload))).all()
            by_id = {item.row["id"]: item for item in batch}
            assert [dict(zip(SUBMISSION_KEYS, r, strict=True)) for r in rows] == [
                by_id[r.id].row for r in rows]
            assert {(e.aggregate_id, e.payload) for e in events} == {
                (i.row["id"], i.event["payload"]) for i in batch}

            stale = prepare([Post(form=form, posted=Posted(fields={"email": "d@x.cn"}), idempotency_key=None,
                                  quarantine_reason=None, client_ip=None, now=now)], "test")
            arrays = (*store.submissions.columns(engine.dialect, [stale[0].row, {**batch[0].row}]),
                      *store.outbox.columns(engine.dialect, [stale[0].event, batch[0].event]))
            async with store.engine.connect() as connection:  # as if the lookup had not seen batch[0]
                with pytest.raises(IntegrityError):
                    await connection.exec_driver_sql(store._inserts, arrays)
            async with engine.connect() as connection:
                count = (await connection.execute(text("SELECT count(*) FROM submission"))).scalar()
                sent = (await connection.execute(text("SELECT count(*) FROM outbox"))).scalar()
            assert (count, sent) == (3, 3)  # nothing of the failed statement stayed
        finally:
            await store.close()
            await engine.dispose()


async def test_the_postgresql_batch_is_one_statement_unless_something_stored_matches():
    """A batch new to the table is one statement (lookup and inserts, inserting only if the lookup found
    nothing); one that meets a stored post (its key, or the same fields within the window) inserts nothing
    in that statement and the posts new after all in a second. A post repeated within the batch is stored
    once either way."""
    async with postgres_database(POSTGRES_URL) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = CoreStore(engine, messaging)
        statements: list[str] = []
        sa_event.listen(store.engine.sync_engine, "before_cursor_execute",
                        lambda _c, _cur, statement, *_: statements.append(statement))
        try:
            first = posts(3)
            twice = prepare([first[1].post], "test")  # the same fields again, a moment later: a double post
            results = await store.write([*first, *twice])
            assert [existing for _, existing in results] == [False, False, False, True]
            assert results[3][0] == results[1][0] and len(statements) == 1

            statements.clear()
            again = prepare([first[0].post], "test")  # stored already
            second = [*posts(2), *again]
            results = await store.write(second)
            assert [existing for _, existing in results] == [False, False, True]
            assert results[2][0] == first[0].row["id"] and len(statements) == 2

            statements.clear()  # the same fields as a stored post, but past the dedupe window: a new post
            past_window = first[2].post.now + timedelta(minutes=20)
            later = prepare([dataclasses.replace(first[2].post, now=past_window)], "test")
            results = await store.write(later)
            assert results == [(later[0].row["id"], False)] and len(statements) == 2
            async with engine.connect() as connection:
                stored = set((await connection.execute(select(Submission.id))).scalars())
                events = set((await connection.execute(select(messaging.outbox.c.aggregate_id))).scalars())
            assert stored == events == {item.row["id"] for item in [*first, *second[:2], *later]}
        finally:
            await store.close()
            await engine.dispose()
