"""A service (here the desk) remembers a verified token until it expires: a remembered token is refused
after its `exp`, a forged or expired one is never remembered, and the role check still applies."""

from datetime import UTC, datetime, timedelta

import jwt

from crm_shared import auth
from crm_shared.auth import Principal, Role, issue_token
from crm_shared.events.base import utcnow


def token_for(desk, role: Role, **claims) -> dict[str, str]:
    token = issue_token(desk.auth, Principal("a-1", role, "t-1", "Ann Agent"))
    if claims:
        payload = jwt.decode(token, options={"verify_signature": False}) | claims
        token = jwt.encode(payload, claims.pop("secret", desk.auth.jwt_secret), algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


async def test_a_remembered_token_is_refused_once_it_expires(lite_desk, monkeypatch):
    headers = token_for(lite_desk, Role.AGENT)
    for _ in range(2):  # verified, then remembered
        call = await lite_desk.client.post("/calls", json={"caller": "+8613800138000"}, headers=headers)
        assert call.status_code == 201, call.text
    after_expiry = datetime.now(UTC) + timedelta(minutes=lite_desk.auth.token_ttl_minutes, seconds=1)

    class Later(datetime):  # both clocks past the token's `exp`: the desk's memory and PyJWT's check
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return after_expiry.astimezone(tz)

    monkeypatch.setattr(auth.time, "time", after_expiry.timestamp)
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    expired = await lite_desk.client.post("/calls", json={"caller": "+8613800138000"}, headers=headers)
    assert expired.status_code == 401 and "expired" in expired.json()["detail"].lower()


async def test_forged_or_expired_tokens_are_refused_every_time_and_roles_still_apply(lite_desk):
    forged = token_for(lite_desk, Role.AGENT, secret="not-the-secret-0123456789-0123456789")
    past = int((utcnow() - timedelta(minutes=1)).timestamp())
    expired = token_for(lite_desk, Role.AGENT, exp=past)
    for headers in (forged, expired, forged, expired, {}):
        response = await lite_desk.client.post("/calls", json={"caller": "+8613800138000"}, headers=headers)
        assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
    rep = token_for(lite_desk, Role.REP)
    for _ in range(2):
        response = await lite_desk.client.post("/calls", json={"caller": "+8613800138000"}, headers=rep)
        assert response.status_code == 403, response.text
