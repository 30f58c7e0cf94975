"""Auth primitives: password hashing, JWT issue/verify, the principal dependency, record visibility."""

import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import ColumnElement, false, true

from crm_shared.events.base import utcnow
from crm_shared.settings import AuthSettings

_hasher = PasswordHash((Argon2Hasher(),))


class Role(StrEnum):
    """What a user may do; visibility follows the role."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    AGENT = "agent"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    role: Role
    team_id: str | None = None
    name: str = ""


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """Whether the password matches the hash."""
    return _hasher.verify(password, hashed)


def issue_token(settings: AuthSettings, principal: Principal) -> str:
    """A signed, expiring access token for the principal."""
    return _signed(settings, principal, timedelta(minutes=settings.token_ttl_minutes))


def _signed(settings: AuthSettings, principal: Principal, ttl: timedelta, **extra: str) -> str:
    now = utcnow()
    claims = {
        "sub": principal.user_id,
        "role": principal.role.value,
        "team": principal.team_id,
        "name": principal.name,
        "iss": settings.issuer,
        "iat": now,
        "exp": now + ttl,
        **extra,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


def issue_ticket(settings: AuthSettings, principal: Principal, audience: str, ttl_s: int = 60) -> str:
    """A short-lived token that opens only `audience` (e.g. `STREAM`), for a client that cannot send
    headers: a browser's EventSource puts it in the URL, which proxies' and servers' access logs and
    request telemetry record. A ticket logged there expires within `ttl_s`, and no other route takes it
    (an access token has no audience; a ticket's is refused by `decode_token`)."""
    return _signed(settings, principal, timedelta(seconds=ttl_s), aud=audience)


def decode_ticket(settings: AuthSettings, ticket: str, audience: str) -> Principal:
    """Verify a ticket of `issue_ticket` for `audience`; return the principal."""
    return _verify(settings, ticket, audience)[0]


STREAM = "crm:stream"  # the audience of the dashboard stream's tickets


class InvalidToken(Exception):
    """The token is missing, forged, expired or malformed."""


def _verify(settings: AuthSettings, token: str, audience: str | None = None) -> tuple[Principal, float]:
    """Verify signature, algorithm, expiry, issuer and audience (none for an access token); the principal
    and the token's `exp`."""
    required = ["sub", "role", "exp", "iss", "aud"] if audience else ["sub", "role", "exp", "iss"]
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],  # pinned: never `none`, never the token's choice
            issuer=settings.issuer,
            audience=audience,
            options={"require": required},
        )
        role, team, name = Role(claims["role"]), claims.get("team"), claims.get("name", "")
        return Principal(str(claims["sub"]), role, team, name), float(claims["exp"])
    except (jwt.PyJWTError, KeyError) as error:
        raise InvalidToken(_reason(error)) from error
    except ValueError as error:  # an unknown role in a validly signed token
        raise InvalidToken("the token names an unknown role") from error


def _reason(error: Exception) -> str:
    """What is wrong with a refused token, in the caller's terms (not the JWT library's internals)."""
    reasons = (
        (jwt.ExpiredSignatureError, "the token has expired; log in again"),
        (jwt.InvalidSignatureError, "the token's signature does not match"),
        (jwt.InvalidIssuerError, "the token was issued by someone else"),
        (jwt.InvalidAlgorithmError, "the token's algorithm is not accepted"),
        (jwt.MissingRequiredClaimError, "the token lacks a required claim"),
        (jwt.InvalidAudienceError, "the token is for another use"),
    )
    return next((text for kind, text in reasons if isinstance(error, kind)), "the token is malformed")


def decode_token(settings: AuthSettings, token: str) -> Principal:
    """Verify signature, algorithm, expiry and issuer; return the principal. A token with an audience (a
    stream ticket, a CSAT link's token) is refused: it is for another use."""
    return _verify(settings, token)[0]


# Tokens verified once, remembered until their `exp`: a browser or a CTI sends the same token on every
# request, and verifying it (HMAC, base64, JSON) costs more than a screen-pop's own Python work. Keyed
# by the verifying settings too, so a changed secret or issuer verifies again. Bounded (oldest out).
MAX_REMEMBERED_TOKENS = 4096
_verified: dict[tuple[str, str, str, str], tuple[Principal, float]] = {}


def verified_principal(settings: AuthSettings, token: str) -> Principal:
    """The token's principal, verified once and remembered until it expires; raises `InvalidToken`."""
    key = (settings.jwt_secret, settings.jwt_algorithm, settings.issuer, token)
    if (hit := _verified.get(key)) is not None and time.time() < hit[1]:
        return hit[0]
    principal, expires = _verify(settings, token)  # a refused token is never remembered
    if len(_verified) >= MAX_REMEMBERED_TOKENS:
        _verified.pop(next(iter(_verified)))
    _verified[key] = (principal, expires)
    return principal


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def current_principal(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    """FastAPI dependency: the caller, or 401 (async: FastAPI runs a plain def in a worker thread)."""
    return authenticate(request, token)


def authenticate(request: Request, token: str | None) -> Principal:
    """The caller named by a bearer token, or 401."""
    unauthorized = {"WWW-Authenticate": "Bearer"}
    if not token:
        raise HTTPException(401, "Not authenticated", headers=unauthorized)
    try:
        return verified_principal(request.app.state.settings.auth, token)
    except InvalidToken as error:
        raise HTTPException(401, f"Invalid token: {error}", headers=unauthorized) from error


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role):
    """FastAPI dependency factory: the caller must have one of `roles`, or 403."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"requires role {' or '.join(r.value for r in roles)}")
        return principal

    return check


def visible_to(principal: Principal, owner_col, team_col=None) -> ColumnElement[bool]:
    """SQL condition for records the principal may see: own (rep, agent), team (manager), all (admin)."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.MANAGER and team_col is not None and principal.team_id:
        return (team_col == principal.team_id) | (owner_col == principal.user_id)
    return owner_col == principal.user_id if principal.user_id else false()


def can_see(principal: Principal, owner_id: str | None, team_id: str | None = None) -> bool:
    """The same rule as `visible_to`, for one record already loaded."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.MANAGER and principal.team_id and team_id == principal.team_id:
        return True
    return bool(principal.user_id) and owner_id == principal.user_id
