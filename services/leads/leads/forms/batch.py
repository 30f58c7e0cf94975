"""Group commit of the public intake: many posts share one transaction, each answered after the commit."""

import asyncio
import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from uuid import uuid4

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from crm_shared.messaging.uow import UnitOfWork
from crm_shared.shutdown import stop_task
from leads.forms.domain import Posted, fingerprint
from leads.forms.models import Submission
from leads.forms.service import DEDUPE_WINDOW, idempotency_key_of, receive_submission, received_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Post:
    """One checked post waiting to be stored."""

    form: object  # a WebForm or a FormView: id, source, campaign, default_team_id
    posted: Posted
    idempotency_key: str | None
    quarantine_reason: str | None
    client_ip: str | None
    now: datetime


async def receive_batch(*, uow: UnitOfWork, posts: list[Post]) -> list[tuple[str, bool]]:
    """Store every new post with its event in one transaction; (submission id, was already there) each."""
    prints = [fingerprint(p.form.id, p.posted) for p in posts]
    keys = [
        idempotency_key_of(p.form.id, p.idempotency_key, fp, p.now)
        for p, fp in zip(posts, prints, strict=True)
    ]
    by_key = dict(
        (
            await uow.session.execute(
                select(Submission.idempotency_key, Submission.id).where(Submission.idempotency_key.in_(keys))
            )
        ).all()
    )
    since = min(p.now for p in posts) - DEDUPE_WINDOW
    recent = await uow.session.execute(
        select(Submission.form_id, Submission.fingerprint, Submission.id, Submission.received_at).where(
            Submission.fingerprint.in_(set(prints)), Submission.received_at >= since
        )
    )
    by_print: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for form_id, fp, sid, received_at in recent:
        by_print.setdefault((form_id, fp), []).append((received_at, sid))
    results, rows = [], []
    for post, print_, key in zip(posts, prints, keys, strict=True):
        existing = by_key.get(key) or _within_window(by_print.get((post.form.id, print_), ()), post.now)
        if existing:
            results.append((existing, True))
            continue
        row = new_row(post, key, print_)
        rows.append(row)
        uow.emit(received_event(post.form, SimpleNamespace(**row)))
        by_key[key] = row["id"]
        by_print.setdefault((post.form.id, print_), []).append((post.now, row["id"]))
        results.append((row["id"], False))
    if rows:  # one multi-row INSERT (Core, not the ORM's unit of work: this is the hot path)
        await uow.session.execute(insert(Submission.__table__), rows)
    await uow.commit()
    return results


def _within_window(stored: list[tuple[datetime, str]] | tuple, now: datetime) -> str | None:
    """The submission of the same form and fields received within the dedupe window of `now` (each
    post's own: one group commit may hold posts of different times, a backdated demo post say)."""
    return next((sid for received_at, sid in stored if abs(received_at - now) <= DEDUPE_WINDOW), None)


def new_row(post: Post, key: str, print_: str) -> dict:
    """The row of a new submission."""
    posted = post.posted
    return {
        "id": str(uuid4()),
        "form_id": post.form.id,
        "idempotency_key": key,
        "fingerprint": print_,
        "status": "quarantined" if post.quarantine_reason else "accepted",
        "quarantine_reason": post.quarantine_reason,
        "fields": posted.fields,
        "custom_fields": posted.custom_fields,
        "utm": posted.utm,
        "referrer": posted.referrer,
        "page_url": posted.page_url,
        "visitor_id": posted.visitor_id,
        "client_ip": post.client_ip,
        "received_at": post.now,
        "lead_id": None,
        "processed_at": None,
        "released_by": None,
    }


class IntakeWriter:
    """Queues checked posts and stores whatever is waiting in one transaction (group commit)."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], max_batch: int = 500):
        self.uow_factory, self.max_batch = uow_factory, max_batch
        self._waiting: list[tuple[Post, asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def store(self, post: Post) -> tuple[str, bool]:
        """Store the post (with others); returns once it is committed."""
        if self._task is None or self._task.done():
            # a context of its own: not the first post's (a backdated demo request's clock, say)
            self._task = asyncio.create_task(
                self._run(), name="leads-intake-writer", context=contextvars.Context()
            )
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((post, future))
        self._wake.set()
        return await future

    async def stop(self) -> None:
        """Stop the writer (the server has stopped taking requests)."""
        await stop_task(self._task)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
                await self._write(batch)

    async def _write(self, batch: list[tuple[Post, asyncio.Future]]) -> None:
        posts = [post for post, _ in batch]
        try:
            async with self.uow_factory() as uow:
                results: list = await receive_batch(uow=uow, posts=posts)
        except Exception as error:  # noqa: BLE001 - retried one by one, so one bad post fails alone
            if len(posts) == 1 and not isinstance(error, IntegrityError):
                results = [error]
            else:  # e.g. another replica stored one of these keys first (IntegrityError)
                log.info("intake batch of %d failed (%s); storing one by one", len(posts), error)
                results = [await self._one(post) for post in posts]
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_exception(result) if isinstance(result, BaseException) else future.set_result(
                    result
                )

    async def _one(self, post: Post):
        try:
            async with self.uow_factory() as uow:
                submission, duplicate = await receive_submission(
                    uow=uow,
                    form=post.form,
                    posted=post.posted,
                    idempotency_key=post.idempotency_key,
                    quarantine_reason=post.quarantine_reason,
                    client_ip=post.client_ip,
                    now=post.now,
                )
                return submission.id, duplicate
        except Exception as error:  # noqa: BLE001 - handed to the waiting request
            return error
