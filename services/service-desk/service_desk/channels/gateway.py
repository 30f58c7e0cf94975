"""How the mail gateway and the chat webhooks authenticate (the Stripe/Slack scheme):

    X-CRM-Timestamp: <unix seconds>
    X-CRM-Signature: sha256=<hex HMAC-SHA256 of f"{timestamp}." + raw body, with the channel's secret>

compared in constant time. A timestamp further than `tolerance_s` from the desk's clock (either way) or
missing is a 401; a post already received (the same signature) is refused by `replay.remember`. An admin
bearer token is still accepted, for an operator replaying a message by hand."""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from crm_shared.auth import Role, authenticate, oauth2_scheme
from service_desk.config import InboundSettings

PREFIX = "sha256="
UNIX_SECONDS = re.compile(r"[0-9]{1,11}")


@dataclass(frozen=True)
class Delivery:
    """Who posted: a channel's gateway (with the signature and its signing time) or an admin (neither)."""

    sender: str
    channel: str
    signature: str | None = None
    signed_at: datetime | None = None


def sign(secret: str, body: bytes, timestamp: int | str) -> str:
    """The signature header value a sender puts on `body` sent at `timestamp` (unix seconds)."""
    payload = f"{timestamp}.".encode() + body
    return PREFIX + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, timestamp: str, header: str) -> bool:
    """Whether `header` is the signature of `timestamp` and the body with `secret` (constant time)."""
    return hmac.compare_digest(sign(secret, body, timestamp).encode(), header.strip().encode())


def signed_at(settings: InboundSettings, raw: str | None, now: datetime) -> datetime:
    """The signing time of the timestamp header, or a 401 when it is missing, unreadable or stale."""
    name = settings.timestamp_header
    if raw is None:
        raise HTTPException(401, f"missing {name} header (unix seconds, signed with the body)")
    if not UNIX_SECONDS.fullmatch(raw.strip()):
        raise HTTPException(401, f"{name} must be unix seconds")
    moment = datetime.fromtimestamp(int(raw.strip()), UTC)
    skew = abs((now - moment).total_seconds())
    if skew > settings.tolerance_s:
        allowed = f"at most {settings.tolerance_s} s allowed"
        raise HTTPException(401, f"stale {name}: {int(skew)} s from the desk's clock, {allowed}")
    return moment


def signed_by(channel: str):
    """FastAPI dependency factory: the request is signed with `channel`'s secret (or an admin's), else 401."""

    async def check(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Delivery:
        settings: InboundSettings = request.app.state.settings.inbound
        header = request.headers.get(settings.signature_header)
        if header is None and token:
            principal = authenticate(request, token)
            if principal.role is not Role.ADMIN:
                raise HTTPException(403, "requires role admin or a signed request")
            return Delivery(sender=principal.user_id, channel=channel)
        secret = settings.secret_for(channel)
        if secret is None:
            raise HTTPException(401, f"no {channel} gateway secret is configured: sign-in as admin")
        if header is None:
            raise HTTPException(401, f"missing {settings.signature_header} header")
        raw_timestamp = request.headers.get(settings.timestamp_header)
        moment = signed_at(settings, raw_timestamp, request.app.state.clock())
        if not signature_matches(secret, await request.body(), raw_timestamp.strip(), header):
            raise HTTPException(401, f"bad {settings.signature_header} signature")
        return Delivery(f"{channel}-gateway", channel, header.strip().removeprefix(PREFIX), moment)

    return check


EmailGateway = Annotated[Delivery, Depends(signed_by("email"))]
ChatGateway = Annotated[Delivery, Depends(signed_by("chat"))]
