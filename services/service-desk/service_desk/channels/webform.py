"""The public web-to-ticket form: body cap, per-IP rate limit, honeypot, idempotency (as the lead forms)."""

import hashlib
import json
import math
import time
from datetime import datetime
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import ValidationError

from crm_shared.http.problems import ConflictError, ProblemError
from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.models import WebSubmission
from service_desk.channels.schemas import WebTicketForm
from service_desk.config import WebFormSettings
from service_desk.customers.service import contact_by_email
from service_desk.tickets.schemas import TicketCreate
from service_desk.tickets.service import open_ticket


class PayloadTooLarge(ProblemError):
    """The body is over the form's cap."""

    status, title = 413, "Content too large"


class TooManyRequests(ProblemError):
    """The client posted too often; `retry_after` seconds until it may again."""

    status, title = 429, "Too many requests"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class FormGuard:
    """The per-IP rate limiter of the form (the `limits` library, moving window, in memory)."""

    def __init__(self, settings: WebFormSettings):
        self.settings, self.rate = settings, parse(settings.rate_limit)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def admit(self, client_ip: str) -> None:
        """Count the post; raise TooManyRequests with Retry-After when over the limit."""
        if not self.limiter.hit(self.rate, "web-ticket-form", client_ip):
            reset = self.limiter.get_window_stats(self.rate, "web-ticket-form", client_ip).reset_time
            raise TooManyRequests(
                f"at most {self.settings.rate_limit} per client",
                retry_after=max(1, math.ceil(reset - time.time())),
            )

    async def read_body(self, request: Request) -> bytes:
        """The body, refused with 413 as soon as it passes the cap (declared or streamed)."""
        cap = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise PayloadTooLarge(f"the form accepts at most {cap} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise PayloadTooLarge(f"the form accepts at most {cap} bytes")
        return bytes(body)


def parse_fields(body: bytes, content_type: str) -> dict[str, str]:
    """Form-encoded or JSON fields as strings; a body that is neither is a 422."""
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise TypeError("expected a JSON object")
            return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as error:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"unreadable form: {error}", "type": "body"}]
        ) from error


def idempotency_key(header: str | None, fields: dict[str, str]) -> str:
    """The client's Idempotency-Key, else one derived from what was posted."""
    if header:
        return f"client:{header[:150]}"
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    return f"derived:{digest}"


async def submit(
    *, uow: UnitOfWork, fields: dict[str, str], key: str, honeypot: str, client_ip: str | None, now: datetime
) -> WebSubmission:
    """Open a ticket from the form once per key; a filled honeypot is recorded as spam, no ticket."""
    if seen := await uow.session.get(WebSubmission, key):
        return seen
    if fields.get(honeypot, "").strip():
        submission = WebSubmission(idempotency_key=key, outcome="spam", client_ip=client_ip, received_at=now)
        uow.session.add(submission)
        return submission
    try:
        form = WebTicketForm.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from error
    contact = await contact_by_email(uow=uow, email=form.email)
    data = TicketCreate(
        subject=form.subject,
        description=form.message,
        channel="web",
        queue_id=form.queue_id,
        contact_id=contact.id if contact else None,
    )
    ticket = await open_ticket(uow=uow, data=data, now=now, requester=form.email.lower())
    submission = WebSubmission(
        idempotency_key=key, outcome="ticket", ticket_id=ticket.id, client_ip=client_ip, received_at=now
    )
    uow.session.add(submission)
    return submission


async def submitted(*, uow: UnitOfWork, key: str) -> WebSubmission:
    """The stored outcome of a key (after a concurrent retry won the race)."""
    submission = await uow.session.get(WebSubmission, key)
    if submission is None:
        raise ConflictError("a concurrent submission with this key did not complete; retry")
    return submission
