"""The request side of the public intake: a capped body read, parsing of the three encodings, rate limits."""

import json
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl

from limits import RateLimitItem, parse
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect
from starlette.types import Receive


class BodyTooLarge(Exception):
    """The body passed the cap (413)."""


class UnreadableBody(Exception):
    """The body is not what its content type says (422), or the type is not supported (415)."""

    def __init__(self, kind: str, unsupported: bool = False):
        super().__init__(kind)
        self.kind, self.unsupported = kind, unsupported


async def read_capped(receive: Receive, headers: Mapping[str, str], cap: int) -> bytes:
    """The body, refusing a declared or streamed size over `cap` bytes before reading it all (straight from
    the ASGI `receive`: Starlette's `Request.stream` costs a request object and an async generator)."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def parse_body(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """Form-urlencoded, multipart or JSON to flat string fields (files are ignored)."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError as error:
            raise UnreadableBody("form-urlencoded") from error
    if content_type == "multipart/form-data":
        return await _multipart(Headers(headers={"content-type": headers["content-type"]}), body)
    if content_type == "application/json" or content_type.endswith("+json"):
        return _json(body)
    raise UnreadableBody(content_type or "no content type", unsupported=True)


async def _multipart(headers: Headers, body: bytes) -> dict[str, str]:
    async def stream() -> AsyncIterator[bytes]:
        yield body

    try:
        form = await MultiPartParser(headers, stream(), max_files=20, max_fields=1000).parse()
    except (MultiPartException, UnicodeDecodeError) as error:
        raise UnreadableBody("multipart") from error
    return {key: value for key, value in form.multi_items() if not isinstance(value, UploadFile)}


def _json(body: bytes) -> dict[str, str]:
    try:
        data = json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UnreadableBody("JSON") from error
    if not isinstance(data, dict):
        raise UnreadableBody("a JSON object")
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict | list):  # a form field is text: `{"name": {"a": 1}}` is no name
            raise UnreadableBody("JSON of plain fields (text, numbers, true or false)")
        out[str(key)] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return out


class SlidingWindowCounter:
    """Hits per key in fixed windows of one limit's length, a hit allowed while the current window's count
    plus the previous one's, weighted by the share of it still inside a window back from now, stays within
    the limit (`limits`' sliding-window counter, Cloudflare's approximation). Only two windows are kept:
    memory is the keys seen in the last two windows. In memory, one process (see the README)."""

    def __init__(self, item: RateLimitItem, clock: Callable[[], float] = time.time):
        self.limit, self.length, self.clock = item.amount, item.get_expiry(), clock
        self.window, self.current, self.previous = -2, {}, {}

    def hit(self, key: str) -> int | None:
        """Count a hit; None when allowed, else the seconds until one more is allowed."""
        now = self.clock()
        window, elapsed = divmod(now, self.length)
        if window > self.window:  # a new window: the current one becomes the previous, or is forgotten
            self.previous = self.current if window == self.window + 1 else {}
            self.current, self.window = {}, window
        elif window < self.window:  # the wall clock stepped back: count in the current window
            elapsed = 0.0
        count, before = self.current.get(key, 0), self.previous.get(key, 0)
        weighted = before * (1 - elapsed / self.length) + count
        if math.floor(weighted) < self.limit:
            self.current[key] = count + 1
            return None
        # the first whole second strictly after the weighted count falls under the limit (at the moment
        # it equals the limit a hit is still refused)
        if count >= self.limit:  # the current window alone is full: it weighs under the limit once past
            return max(1, math.floor(self.length - elapsed) + 1)
        # the previous window's weight falls linearly: one more once before * (1 - t / length) < limit - count
        return max(1, math.floor(self.length * (before - self.limit + count) / before - elapsed) + 1)


class IntakeLimiter:
    """Per-IP and per-form limits of the public routes (a sliding-window counter each).

    The counting is this module's, not `limits`' storage: its in-memory sliding-window counter builds two
    key strings and takes locks per check, and the two checks of a post cost 12-20% of the intake's request
    CPU (the asyncio and the synchronous API alike); these counters cost about a fifth of that. `limits` still
    reads the limits ("60/minute")."""

    def __init__(self, per_ip: str, per_form: str, track: str, clock: Callable[[], float] = time.time):
        self.per_ip, self.per_form, self.track = parse(per_ip), parse(per_form), parse(track)
        self.clock = clock
        self._counters: dict[tuple[str, int, int], SlidingWindowCounter] = {}

    async def retry_after(self, item: RateLimitItem, *keys: str) -> int | None:
        """Count a hit on `keys` against `item`; None when allowed, else the seconds until one is allowed
        again."""
        scope = (keys[0], item.amount, item.get_expiry())
        counter = self._counters.get(scope)
        if counter is None:
            counter = self._counters[scope] = SlidingWindowCounter(item, self.clock)
        return counter.hit("/".join(keys[1:]))

    async def check_ip(self, scope: str, ip: str) -> int | None:
        """The per-IP limit of `scope` (e.g. submissions, tracking)."""
        return await self.retry_after(self.per_ip, scope, ip)

    async def check_form(self, form_id: str, limit: str | None) -> int | None:
        """The form's own limit, or the default per-form limit."""
        return await self.retry_after(_parsed(limit) if limit else self.per_form, "form", form_id)


@lru_cache(maxsize=1024)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)
