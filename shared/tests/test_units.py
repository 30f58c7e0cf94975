"""Unit tests of service settings and problem-details error responses.

Envelope/topic tests live in test_events.py, auth and visibility tests in test_auth.py.
"""

import logging

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsConfigDict
from sqlalchemy.exc import IntegrityError

from crm_shared.http.problems import PROBLEM, ConflictError, NotFoundError, install_problem_handlers
from crm_shared.settings import DEFAULT_JWT_SECRET, AuthSettings, BaseServiceSettings

REAL_SECRET = "a-real-production-secret-0123456789abcdef"


class DemoSettings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "demo"


# --- settings -------------------------------------------------------------------------------------


def test_settings_defaults(monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    settings = DemoSettings()
    assert settings.mode == "development"
    assert settings.auth.jwt_secret == DEFAULT_JWT_SECRET
    assert settings.kafka.bootstrap_servers == "127.0.0.1:9092"


def test_settings_env_prefix_and_nested_delimiter(monkeypatch):
    monkeypatch.setenv("DEMO_KAFKA__BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("DEMO_KAFKA__MAX_BATCH", "42")
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql+asyncpg://demo@db/demo")
    monkeypatch.setenv("DEMO_OUTBOX__RETENTION_HOURS", "1.5")
    settings = DemoSettings()
    assert settings.kafka.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.kafka.max_batch == 42
    assert settings.kafka.fetch_max_wait_ms == 10  # untouched nested defaults survive
    assert settings.database_url == "postgresql+asyncpg://demo@db/demo"
    assert settings.outbox.retention_hours == 1.5
    assert settings.service_name == "demo"


def test_settings_ignore_other_services_variables(monkeypatch):
    monkeypatch.setenv("LEADS_DATABASE_URL", "postgresql+asyncpg://leads@db/leads")
    monkeypatch.setenv("OTHER_KAFKA__BOOTSTRAP_SERVERS", "elsewhere:9092")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://unprefixed@db/x")
    monkeypatch.setenv("DEMO_UNKNOWN_OPTION", "ignored")  # extra="ignore"
    monkeypatch.delenv("DEMO_DATABASE_URL", raising=False)
    monkeypatch.delenv("DEMO_KAFKA__BOOTSTRAP_SERVERS", raising=False)
    settings = DemoSettings()
    assert settings.database_url == BaseServiceSettings.model_fields["database_url"].default
    assert settings.kafka.bootstrap_servers == "127.0.0.1:9092"


def test_production_with_default_secret_is_refused(monkeypatch):
    monkeypatch.setenv("DEMO_MODE", "production")
    monkeypatch.delenv("DEMO_AUTH__JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="jwt_secret"):
        DemoSettings()
    with pytest.raises(ValidationError, match="default secret"):
        BaseServiceSettings(mode="production")


def test_production_with_real_secret_is_accepted(monkeypatch):
    monkeypatch.setenv("DEMO_MODE", "production")
    monkeypatch.setenv("DEMO_AUTH__JWT_SECRET", REAL_SECRET)
    settings = DemoSettings()
    assert settings.mode == "production" and settings.auth.jwt_secret == REAL_SECRET
    assert settings.auth.issuer == "crm" and settings.auth.jwt_algorithm == "HS256"
    direct = BaseServiceSettings(mode="production", auth=AuthSettings(jwt_secret=REAL_SECRET))
    assert direct.mode == "production"


def test_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv("DEMO_MODE", "staging")
    with pytest.raises(ValidationError):
        DemoSettings()


# --- problem details ------------------------------------------------------------------------------


class Widget(BaseModel):
    name: str
    size: int


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/widgets/{widget_id}")
    def get_widget(widget_id: str) -> dict:
        raise NotFoundError("x")

    @app.post("/widgets")
    def create_widget(widget: Widget) -> dict:
        if widget.name == "taken":
            raise ConflictError("name already used", field="name")
        return widget.model_dump()

    @app.get("/dangling")
    def dangling() -> dict:
        raise IntegrityError("INSERT ...", {}, Exception("FOREIGN KEY constraint failed"))

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("secret internal state: password=hunter2")

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["title"] and body["detail"] and body["instance"] == response.request.url.path
    return body


async def test_not_found_is_404_problem(client):
    body = assert_problem(await client.get("/widgets/w-1"), 404)
    assert body["title"] == "Not found" and body["detail"] == "x"
    assert "errors" not in body


@pytest.mark.parametrize("path", ["/", "/favicon.ico", "/widgets/w-1/nothing"])
async def test_unknown_path_is_404_problem(client, path):
    body = assert_problem(await client.get(path), 404)
    assert body["title"] == "Not Found" and body["detail"] == f"Nothing is served at {path}."


async def test_wrong_method_is_405_problem_with_allow(client):
    response = await client.delete("/widgets")
    body = assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
    assert body["title"] == "Method Not Allowed" and "DELETE" in body["detail"] and "POST" in body["detail"]


async def test_domain_error_with_field(client):
    body = assert_problem(await client.post("/widgets", json={"name": "taken", "size": 1}), 409)
    assert body["errors"] == [{"field": "name", "reason": "name already used"}]


async def test_body_validation_is_422_with_field_errors(client):
    body = assert_problem(await client.post("/widgets", json={"size": "big"}), 422)
    errors = {e["field"]: e["reason"] for e in body["errors"]}
    assert set(errors) == {"name", "size"}
    assert all(isinstance(reason, str) and reason for reason in errors.values())
    assert all(set(e) == {"field", "reason"} for e in body["errors"])


async def test_unparseable_body_is_422(client):
    response = await client.post("/widgets", content=b"{not json",
                                 headers={"content-type": "application/json"})
    body = assert_problem(response, 422)
    assert body["errors"] and all(e["field"] and e["reason"] for e in body["errors"])


async def test_valid_body_passes(client):
    response = await client.post("/widgets", json={"name": "gear", "size": 3})
    assert response.status_code == 200 and response.json() == {"name": "gear", "size": 3}


async def test_unchecked_integrity_error_is_409_problem_not_500(client):
    body = assert_problem(await client.get("/dangling"), 409)
    assert body["title"] == "Conflict" and "FOREIGN KEY" not in body["detail"]


async def test_unexpected_error_is_500_problem_without_internals(client, caplog):
    with caplog.at_level(logging.ERROR, logger="crm_shared.http.problems"):
        response = await client.get("/boom")
    body = assert_problem(response, 500)
    assert body["title"] == "Internal error"
    assert "Traceback" not in response.text and "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)  # logged server-side
