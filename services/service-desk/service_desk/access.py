"""Role and unit-of-work dependencies of the desk's routes (all `async def`: FastAPI runs a plain `def`
dependency in a worker thread, and on the screen-pop path those thread hand-offs cost more than the
database work).

The desk's principal is one dependency (not the shared role check over the principal over the token
scheme), and a token verified once is remembered until it expires: a CTI or an agent's browser sends
the same token on every call, and verifying it (HMAC, three base64 segments, JSON) cost more than the
card's own Python work. The memory is bounded; a token is still refused after its `exp`."""

import time
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request

from crm_shared.auth import Principal, Role, authenticate, oauth2_scheme
from crm_shared.service import UowDep

MAX_REMEMBERED = 4096
_verified: dict[tuple[str, ...], tuple[Principal, float]] = {}


def verified_principal(request: Request, token: str | None) -> Principal:
    """The token's principal (401 if missing, forged, malformed or expired), verified once per token."""
    auth = request.app.state.settings.auth
    key = (auth.jwt_secret, auth.jwt_algorithm, auth.issuer, token or "")
    if (hit := _verified.get(key)) is not None and time.time() < hit[1]:
        return hit[0]
    principal = authenticate(request, token)  # full verification; raises the 401
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]  # verified just above
    if len(_verified) >= MAX_REMEMBERED:
        _verified.pop(next(iter(_verified)))  # the oldest
    _verified[key] = (principal, float(expires))
    return principal


def desk_roles(*roles: Role):
    """FastAPI dependency factory: the caller, who must have one of `roles` (else 403)."""

    async def check(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
        principal = verified_principal(request, token)
        if principal.role not in roles:
            raise HTTPException(403, f"requires role {' or '.join(r.value for r in roles)}")
        return principal

    return check


DeskPrincipal = Annotated[Principal, Depends(desk_roles(Role.AGENT, Role.MANAGER, Role.ADMIN))]
LeadPrincipal = Annotated[Principal, Depends(desk_roles(Role.MANAGER, Role.ADMIN))]
AdminPrincipal = Annotated[Principal, Depends(desk_roles(Role.ADMIN))]

__all__ = ["AdminPrincipal", "DeskPrincipal", "LeadPrincipal", "UowDep", "verified_principal"]
