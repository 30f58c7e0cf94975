"""Unit tests of passwords, tokens, the principal dependency and record visibility."""

import base64
import json
from datetime import timedelta
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

from crm_shared.auth import (
    InvalidToken,
    Principal,
    PrincipalDep,
    Role,
    can_see,
    decode_token,
    hash_password,
    issue_token,
    require_roles,
    verify_password,
    visible_to,
)
from crm_shared.events.base import utcnow
from crm_shared.http.problems import PROBLEM, install_problem_handlers
from crm_shared.settings import AuthSettings, BaseServiceSettings

SECRET = "unit-test-secret-" + "0123456789abcdef" * 4  # long enough for HS512 too
AUTH = AuthSettings(jwt_secret=SECRET)
ADMIN = Principal("adm", Role.ADMIN, None, "Ada")
MANAGER_A = Principal("mgr-a", Role.MANAGER, "A", "Max")
REP_B = Principal("rep-b", Role.REP, "B", "Rob")


def claims(**overrides) -> dict:
    now = utcnow()
    base = {"sub": "u-1", "role": "rep", "team": "A", "name": "", "iss": AUTH.issuer,
            "iat": now, "exp": now + timedelta(minutes=5)}
    return base | overrides


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=").decode()


# --- passwords ------------------------------------------------------------------------------------


def test_password_hash_is_argon2id_and_salted():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second
    assert "correct horse" not in first


def test_password_verify():
    hashed = hash_password("correct horse")
    assert verify_password("correct horse", hashed) is True
    assert verify_password("correct horse!", hashed) is False
    assert verify_password("", hashed) is False


# --- tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", [ADMIN, MANAGER_A, REP_B, Principal("ag", Role.AGENT)])
def test_token_round_trip(principal):
    decoded = decode_token(AUTH, issue_token(AUTH, principal))
    assert decoded == principal
    assert isinstance(decoded.role, Role)


def test_token_carries_issuer_and_expiry():
    raw = jwt.decode(issue_token(AUTH, REP_B), SECRET, algorithms=["HS256"], issuer="crm")
    assert raw["sub"] == "rep-b" and raw["role"] == "rep" and raw["team"] == "B"
    assert raw["exp"] - raw["iat"] == AUTH.token_ttl_minutes * 60


def forged_tokens() -> dict[str, str]:
    """Tokens that must all be refused, by name."""
    return {
        "other-secret": issue_token(AuthSettings(jwt_secret="another-secret-0123456789abcdef-xyz"), REP_B),
        "expired": issue_token(AuthSettings(jwt_secret=SECRET, token_ttl_minutes=-1), REP_B),
        "alg-none": jwt.encode(claims(), None, algorithm="none"),
        "alg-none-handmade": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(role='admin'))}.",
        "alg-none-with-signature": f"{b64({'alg': 'none'})}.{b64(claims())}.{b64({'x': 1})}",
        "other-algorithm": jwt.encode(claims(), SECRET, algorithm="HS512"),
        "unknown-role": jwt.encode(claims(role="superuser"), SECRET, algorithm="HS256"),
        "wrong-issuer": issue_token(AuthSettings(jwt_secret=SECRET, issuer="evil"), REP_B),
        "no-issuer": jwt.encode({k: v for k, v in claims().items() if k != "iss"}, SECRET),
        "no-sub": jwt.encode({k: v for k, v in claims().items() if k != "sub"}, SECRET),
        "no-exp": jwt.encode({k: v for k, v in claims().items() if k != "exp"}, SECRET),
        "garbage": "not.a.token",
        "empty": "",
    }


@pytest.mark.parametrize("name", list(forged_tokens()))
def test_bad_tokens_are_refused(name):
    with pytest.raises(InvalidToken):
        decode_token(AUTH, forged_tokens()[name])


# --- FastAPI dependency ---------------------------------------------------------------------------


def auth_app() -> FastAPI:
    app = FastAPI()
    app.state.settings = BaseServiceSettings(auth=AUTH)
    install_problem_handlers(app)

    @app.get("/me")
    def me(principal: PrincipalDep) -> dict:
        return {"user_id": principal.user_id, "role": principal.role.value}

    @app.get("/admin")
    def admin(principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))]) -> dict:
        return {"ok": principal.user_id}

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=auth_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_401_problem(client):
    response = await client.get("/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and body["instance"] == "/me"


@pytest.mark.parametrize("name", ["other-secret", "expired", "alg-none", "alg-none-handmade",
                                  "unknown-role", "wrong-issuer"])
async def test_bad_token_is_401(client, name):
    for path in ("/me", "/admin"):
        response = await client.get(path, headers=bearer(forged_tokens()[name]))
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


async def test_a_refused_token_says_why_in_the_callers_terms(client):
    reasons = {"expired": "the token has expired; log in again", "garbage": "the token is malformed",
               "other-secret": "the token's signature does not match",
               "wrong-issuer": "the token was issued by someone else", "unknown-role": "unknown role"}
    for name, reason in reasons.items():
        detail = (await client.get("/me", headers=bearer(forged_tokens()[name]))).json()["detail"]
        assert reason in detail, (name, detail)
    # a token that is not even base64 does not reach the caller as a codec error
    detail = (await client.get("/me", headers=bearer("abc.def.ghi"))).json()["detail"]
    assert detail == "Invalid token: the token is malformed"


async def test_a_body_that_is_not_json_is_a_field_error_on_the_body():
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    def make(thing: dict) -> dict:
        return thing

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        truncated = b'{"name": "trunc'
        response = await c.post("/things", content=truncated, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "reason": "The body is not valid JSON."}]


async def test_valid_token_reaches_route(client):
    response = await client.get("/me", headers=bearer(issue_token(AUTH, REP_B)))
    assert response.status_code == 200
    assert response.json() == {"user_id": "rep-b", "role": "rep"}


@pytest.mark.parametrize("principal", [REP_B, MANAGER_A, Principal("ag", Role.AGENT)])
async def test_non_admin_is_403_on_admin_route(client, principal):
    response = await client.get("/admin", headers=bearer(issue_token(AUTH, principal)))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 403 and "admin" in response.json()["detail"]


async def test_admin_is_200_on_admin_route(client):
    response = await client.get("/admin", headers=bearer(issue_token(AUTH, ADMIN)))
    assert response.status_code == 200 and response.json() == {"ok": "adm"}


# --- visibility -----------------------------------------------------------------------------------

# (id, owner_id, team_id): teams A and B; owners mgr-a (manager of A), rep-a, rep-b.
ROWS = [
    (1, "rep-a", "A"),
    (2, "mgr-a", "A"),
    (3, "rep-b", "B"),
    (4, "mgr-a", "B"),  # the manager's own record in another team
    (5, "rep-b", "A"),  # a B rep's record filed under team A
    (6, None, "B"),  # unowned
    (7, "", None),  # blank owner: must not match a principal with a blank user id
]
PRINCIPALS = {
    "admin": (ADMIN, {1, 2, 3, 4, 5, 6, 7}),
    "manager-a": (MANAGER_A, {1, 2, 4, 5}),
    "manager-no-team": (Principal("mgr-a", Role.MANAGER, None), {2, 4}),
    "rep-b": (REP_B, {3, 5}),
    "agent-rep-a": (Principal("rep-a", Role.AGENT, "A"), {1}),
    "rep-empty-id": (Principal("", Role.REP, "A"), set()),
    "admin-empty-id": (Principal("", Role.ADMIN), {1, 2, 3, 4, 5, 6, 7}),
}


@pytest.fixture
async def records():
    metadata = MetaData()
    table = Table("records", metadata, Column("id", Integer, primary_key=True),
                  Column("owner_id", String(50), nullable=True), Column("team_id", String(50), nullable=True))
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.connect() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(table.insert(), [{"id": i, "owner_id": o, "team_id": t} for i, o, t in ROWS])
        yield conn, table
    await engine.dispose()


@pytest.mark.parametrize("name", list(PRINCIPALS))
async def test_visible_to_in_sql(records, name):
    conn, table = records
    principal, expected = PRINCIPALS[name]
    query = select(table.c.id).where(visible_to(principal, table.c.owner_id, table.c.team_id))
    assert set((await conn.execute(query)).scalars()) == expected


async def test_visible_to_without_team_column_is_own_only(records):
    conn, table = records
    query = select(table.c.id).where(visible_to(MANAGER_A, table.c.owner_id))
    assert set((await conn.execute(query)).scalars()) == {2, 4}


@pytest.mark.parametrize("name", list(PRINCIPALS))
def test_can_see_agrees_with_visible_to(name):
    principal, expected = PRINCIPALS[name]
    assert {i for i, owner, team in ROWS if can_see(principal, owner, team)} == expected


def test_can_see_by_role():
    assert can_see(ADMIN, None) and can_see(ADMIN, "x", "Z")
    assert can_see(MANAGER_A, "someone", "A") and can_see(MANAGER_A, "mgr-a", "B")
    assert not can_see(MANAGER_A, "someone", "B") and not can_see(MANAGER_A, "someone")
    assert can_see(REP_B, "rep-b") and not can_see(REP_B, "rep-a", "B")
    agent = Principal("ag-1", Role.AGENT, "B")
    assert can_see(agent, "ag-1") and not can_see(agent, "other", "B") and not can_see(agent, None, "B")
