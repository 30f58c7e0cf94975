"""The demo clock: a development stack can be filled with a year of history through its real APIs.

A service started with `<SERVICE>_DEMO_CLOCK=true` (refused in production mode) runs a request carrying
`X-Demo-Time: <ISO 8601 time in the past>` as if it happened then: every `utcnow()` inside it (record
stamps, the events' `occurred_at`, the injectable clocks) answers that time. Its consumers apply each
event at the event's own time, so what a backdated request causes in other services is backdated too
(a converted lead's account and deal in sales, its figures in reporting). Background jobs (SLA and
speed-to-lead checkers, the relay) keep the real time. `make seed` uses it; nothing else does.
"""

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from crm_shared.events.base import backdated_now

HEADER = b"x-demo-time"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@contextlib.contextmanager
def clock_at(when: datetime | None) -> Iterator[None]:
    """`utcnow()` answers `when` inside the block (nothing changes when `when` is None)."""
    if when is None:
        yield
        return
    token = backdated_now.set(when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC))
    try:
        yield
    finally:
        backdated_now.reset(token)


def parse_demo_time(raw: str) -> datetime:
    """The header's time, timezone-aware; ValueError when it is not a time, or is in the future."""
    when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)  # a UTC day, not the caller's
    if when > datetime.now(UTC) + timedelta(seconds=5):
        raise ValueError("a demo time must not be in the future")
    return when


class DemoClockMiddleware:
    """Runs a request carrying `X-Demo-Time` at that time (development stacks only, and only for a caller
    on this machine: the seeder; another machine's header is ignored, so it cannot, say, replay an old
    signed webhook past its freshness check)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = None
        if scope["type"] == "http" and _local(scope):
            raw = next((v for k, v in scope["headers"] if k == HEADER), None)
        if raw is None:
            await self.app(scope, receive, send)
            return
        try:
            when = parse_demo_time(raw.decode("latin-1"))
        except (ValueError, OverflowError) as error:  # overflow: a time near year 1 with an offset
            await _bad_header(scope, send, str(error))
            return
        with clock_at(when):
            await self.app(scope, receive, send)


def _local(scope: Scope) -> bool:
    client = scope.get("client")
    return client is not None and client[0] in LOOPBACK


async def _bad_header(scope: Scope, send: Send, reason: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Bad request",
            "status": 400,
            "detail": f"X-Demo-Time: {reason}",
            "instance": scope.get("path", ""),
            "errors": [{"field": "X-Demo-Time", "reason": reason}],
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
