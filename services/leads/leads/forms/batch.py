"""Group commit of the public intake: many posts share one transaction, each answered after the commit."""

import asyncio
import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy.exc import IntegrityError

from crm_shared.events.base import utcnow
from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.shutdown import stop_task
from leads.forms.domain import Posted, fingerprint
from leads.forms.service import DEDUPE_WINDOW, idempotency_key_of, receive_submission

log = logging.getLogger(__name__)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs ~4x (one post, two of these)
class Post:
    """One checked post waiting to be stored."""

    form: object  # a WebForm or a FormView: id, name, source, campaign, default_team_id
    posted: Posted
    idempotency_key: str | None
    quarantine_reason: str | None
    client_ip: str | None
    now: datetime


@dataclass(slots=True)
class Prepared:
    """A post with its unique key, fingerprint, submission row and outbox row, ready to be stored."""

    post: Post
    key: str
    print_: str
    row: dict
    event: dict


def prepare(posts: list[Post], producer: str) -> list[Prepared]:
    """Each post's key, fingerprint, row and `leads.submission.received` outbox row."""
    # one outbox time for the batch: one object, so the driver's datetime-to-text runs once (`_repeats`)
    out, created_at = [], utcnow()
    for post in posts:
        print_ = fingerprint(post.form.id, post.posted)
        key = idempotency_key_of(post.form.id, post.idempotency_key, print_, post.now)
        row = new_row(post, key, print_)
        event = received_outbox_row(post.form, row, producer, created_at)
        out.append(Prepared(post, key, print_, row, event))
    return out


_RECEIVED = SubmissionReceivedV1.model_fields
_TYPE, _VERSION = _RECEIVED["event_type"].default, _RECEIVED["event_version"].default
_HEADERS = {"event_type": _TYPE, "event_version": str(_VERSION)}


def received_outbox_row(form, row: dict, producer: str, created_at: datetime) -> dict:
    """`outbox_row(received_event(form, row, producer=producer))` without the model: its payload written
    by orjson from a dict. The model's validation, its serialization and the event id's text took ~8 µs
    of a post's ~18 in `prepare`, for values this module made itself. `test_intake_batches` holds the
    payload to the contract: every field of `SubmissionReceivedV1`, no other, each validating to the
    model's own value."""
    event_id, utm = new_id(), row["utm"]
    payload = {
        "event_id": event_id,
        "event_type": _TYPE,
        "event_version": _VERSION,
        "occurred_at": row["received_at"],
        "producer": producer,
        "correlation_id": None,
        "causation_id": None,
        "aggregate_id": row["id"],
        "changed_fields": [],
        "form_id": form.id,
        "form_name": form.name,
        "fields": row["fields"],
        "custom_fields": row["custom_fields"],
        "source": form.source,
        "campaign": utm.get("utm_campaign") or form.campaign,
        "default_team_id": form.default_team_id,
        "utm": utm,
        "referrer": row["referrer"],
        "page_url": row["page_url"],
        "visitor_id": row["visitor_id"],
        "quarantine_reason": row["quarantine_reason"],
        "released": False,
    }
    return {
        "event_id": event_id,
        "topic": SubmissionReceivedV1.topic,
        "aggregate_type": SubmissionReceivedV1.aggregate_type,
        "aggregate_id": row["id"],
        "event_type": _TYPE,
        "payload": orjson.dumps(payload, option=orjson.OPT_UTC_Z).decode(),
        "headers": {**_HEADERS, "event_id": event_id},
        "created_at": created_at,
    }


def decide(batch: list[Prepared], found) -> tuple[list[tuple[str, bool]], list[int]]:
    """(submission id, was already there) per post, and the positions in `batch` of the posts to insert.
    `found`: the stored (idempotency key, form id, fingerprint, submission id, received at) rows matching
    the batch's keys or fingerprints. A post is already there when its key is, or the same form and fields
    came within the dedupe window of its own time (one group commit may hold posts of different times, a
    backdated demo post say); a later post of the batch dedupes against an earlier one."""
    by_key: dict[str, str] = {}
    by_print: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for key, form_id, print_, submission_id, received_at in found:
        by_key[key] = submission_id
        by_print.setdefault((form_id, print_), []).append((received_at, submission_id))
    results, new = [], []
    for position, item in enumerate(batch):
        post = item.post
        stored = by_print.setdefault((post.form.id, item.print_), [])
        existing = by_key.get(item.key) or _within_window(stored, post.now)
        if existing:
            results.append((existing, True))
            continue
        new.append(position)
        by_key[item.key] = item.row["id"]
        stored.append((post.now, item.row["id"]))
        results.append((item.row["id"], False))
    return results, new


def _within_window(stored: list[tuple[datetime, str]], now: datetime) -> str | None:
    return next((sid for received_at, sid in stored if abs(received_at - now) <= DEDUPE_WINDOW), None)


def new_row(post: Post, key: str, print_: str) -> dict:
    """The row of a new submission."""
    posted = post.posted
    return {
        "id": new_id(),
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
    }


class IntakeWriter:
    """Queues checked posts and stores whatever is waiting in one transaction (group commit) through
    `store` (`leads.forms.stores`); a batch that fails is retried one post at a time through the ORM use
    case, so one bad post fails alone."""

    def __init__(
        self,
        store,  # a CoreStore or SQLiteStore: `async write(list[Prepared]) -> results`, `close()`
        producer: str,
        on_commit: Callable[[], None],
        uow_factory: Callable[[], UnitOfWork],
        max_batch: int = 500,
    ):
        self.store, self.producer, self.on_commit = store, producer, on_commit
        self.uow_factory, self.max_batch = uow_factory, max_batch
        self._waiting: list[tuple[Post, asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def submit(self, post: Post) -> tuple[str, bool]:
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

    async def write_batch(self, posts: list[Post]) -> list[tuple[str, bool]]:
        """Store these posts in one transaction, now (no retry)."""
        results = await self.store.write(prepare(posts, self.producer))
        self.on_commit()
        return results

    async def stop(self) -> None:
        """Stop the writer (the server has stopped taking requests)."""
        await stop_task(self._task)
        await self.store.close()

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
            results: list = await self.write_batch(posts)
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
