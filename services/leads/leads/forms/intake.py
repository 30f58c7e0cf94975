"""The request side of the public intake: a capped body read, parsing of the three encodings, rate limits."""

import json
import math
import time
from collections.abc import AsyncIterator, Mapping
from urllib.parse import parse_qsl

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body passed the cap (413)."""


class UnreadableBody(Exception):
    """The body is not what its content type says (422), or the type is not supported (415)."""

    def __init__(self, kind: str, unsupported: bool = False):
        super().__init__(kind)
        self.kind, self.unsupported = kind, unsupported


async def read_capped(request: Request, headers: Mapping[str, str], cap: int) -> bytes:
    """The body, refusing a declared or streamed size over `cap` bytes before reading it all."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
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


class IntakeLimiter:
    """Per-IP and per-form limits, in memory (one process; see the README). A sliding-window counter: the
    current and the previous window's counts, the previous weighted by how much of it is still inside
    the window. It costs two counters per key, where `limits`' moving window keeps an entry per hit and
    sweeps them on worker threads (about 80 µs of CPU per post for the two limits of a post)."""

    def __init__(self, per_ip: str, per_form: str, track: str):
        self.limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self.per_ip, self.per_form, self.track = parse(per_ip), parse(per_form), parse(track)

    async def retry_after(self, item: RateLimitItem, *keys: str) -> int | None:
        """Count a hit; None when allowed, else the seconds until one is allowed again."""
        if await self.limiter.hit(item, *keys):
            return None
        stats = await self.limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def check_ip(self, scope: str, ip: str) -> int | None:
        """The per-IP limit of `scope` (e.g. submissions, tracking)."""
        return await self.retry_after(self.per_ip, scope, ip)

    async def check_form(self, form_id: str, limit: str | None) -> int | None:
        """The form's own limit, or the default per-form limit."""
        return await self.retry_after(parse(limit) if limit else self.per_form, "form", form_id)
