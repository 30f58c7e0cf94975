"""The intake tests' app (SQLite and PostgreSQL), a configured form, a post helper, and posts ready for
a store (`posts`)."""

import time
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from leads_support import create_form, database, leads_settings, new_ip, running

from leads.forms.batch import Post, prepare
from leads.forms.domain import Posted


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def app_client(request, broker, tmp_path_factory):
    async with database(request.param, tmp_path_factory.mktemp("intake")) as url:
        async with running(leads_settings(url, broker)) as pair:
            yield pair


@pytest.fixture
def client(app_client):
    return app_client[1]


@pytest.fixture
async def form(client, admin):
    return await create_form(
        client,
        admin,
        allowed_origins=["https://www.example.com"],
        honeypot_field="website_url",
        min_fill_seconds=3,
        thank_you_url="https://www.example.com/thanks",
        source="web_form",
        campaign="spring",
        field_mapping={
            "full_name": "name",
            "mail": "email",
            "tel": "phone",
            "org": "company",
            "budget": "custom.budget",
            "msg": "message",
        },
        required_fields=["mail"],
    )


def post(client, form, data=None, *, ip=None, headers=None, **kwargs):
    headers = {"x-forwarded-for": ip or new_ip(), **(headers or {})}
    return client.post(f"/forms/{form['id']}/submissions", data=data, headers=headers, **kwargs)


def filled_at(seconds_ago: float) -> str:
    return str(int((time.time() - seconds_ago) * 1000))


def posts(count: int) -> list:
    """`count` new posts of one form, ready for a store."""
    form = SimpleNamespace(
        id="f-1", name="Contact us", source="web_form", campaign=None, default_team_id=None
    )
    fresh = [Posted(fields={"email": f"{uuid.uuid4().hex}@acme.com"}) for _ in range(count)]
    return prepare(
        [
            Post(
                form=form,
                posted=posted,
                idempotency_key=None,
                quarantine_reason=None,
                client_ip="127.0.0.1",
                now=datetime.now(UTC),
            )
            for posted in fresh
        ],
        "test",
    )
