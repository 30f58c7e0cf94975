"""Signed satisfaction links: a JWT for the ticket, signed with the auth secret for the CSAT audience."""

from datetime import datetime, timedelta

import jwt

from service_desk.clock import as_utc
from service_desk.config import ServiceDeskSettings
from service_desk.tickets.models import Ticket


class InvalidCsatToken(Exception):
    """The link is forged, expired, for another audience or malformed."""


def issue(settings: ServiceDeskSettings, ticket: Ticket) -> str:
    """The token of the ticket's current resolution (the same one every time it is asked for)."""
    resolved_at = as_utc(ticket.resolved_at)
    claims = {
        "sub": ticket.id,
        "aud": settings.csat.audience,
        "iss": settings.auth.issuer,
        "iat": resolved_at,
        "exp": resolved_at + timedelta(days=settings.csat.ttl_days),
    }
    return jwt.encode(claims, settings.auth.jwt_secret, algorithm=settings.auth.jwt_algorithm)


def verify(settings: ServiceDeskSettings, token: str, now: datetime) -> str:
    """The ticket id the token was issued for; raises InvalidCsatToken otherwise.

    Expiry is checked against the desk's clock (injectable), not PyJWT's wall clock."""
    try:
        claims = jwt.decode(
            token,
            settings.auth.jwt_secret,
            algorithms=[settings.auth.jwt_algorithm],
            audience=settings.csat.audience,
            issuer=settings.auth.issuer,
            options={"require": ["sub", "aud", "exp", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        raise InvalidCsatToken(str(error)) from error
    if not isinstance(claims["exp"], int | float) or now.timestamp() >= claims["exp"]:
        raise InvalidCsatToken("the link has expired")
    return str(claims["sub"])


def csat_url(settings: ServiceDeskSettings, ticket: Ticket) -> str | None:
    """The public rating link of a resolved, not yet rated ticket."""
    if ticket.resolved_at is None or ticket.csat_rating is not None:
        return None
    return f"{settings.public_url.rstrip('/')}/csat/{issue(settings, ticket)}"
