"""How the mail gateway and the chat webhooks authenticate: `X-CRM-Signature: sha256=<hex>`, an
HMAC-SHA256 of the raw request body with the channel's configured secret (compared in constant time).
An admin bearer token is still accepted, for an operator replaying a message by hand."""

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from crm_shared.auth import Role, authenticate, oauth2_scheme

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The signature header value a sender puts on `body`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """Whether `header` is the body's signature with `secret` (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


def signed_by(channel: str):
    """FastAPI dependency factory: the request is signed with `channel`'s secret (or an admin's), else 401."""

    async def check(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> str:
        settings = request.app.state.settings.inbound
        header = request.headers.get(settings.signature_header)
        if header is None and token:
            principal = authenticate(request, token)
            if principal.role is not Role.ADMIN:
                raise HTTPException(403, "requires role admin or a signed request")
            return principal.user_id
        secret = settings.secret_for(channel)
        if secret is None:
            raise HTTPException(401, f"no {channel} gateway secret is configured: sign-in as admin")
        if header is None:
            raise HTTPException(401, f"missing {settings.signature_header} header")
        if not signature_matches(secret, await request.body(), header):
            raise HTTPException(401, f"bad {settings.signature_header} signature")
        return f"{channel}-gateway"

    return check


EmailGateway = Annotated[str, Depends(signed_by("email"))]
ChatGateway = Annotated[str, Depends(signed_by("chat"))]
