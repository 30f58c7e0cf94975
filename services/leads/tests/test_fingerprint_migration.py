"""Migration f3b8d2e6a1c4 changed how a submission's fingerprint is made: a post after the upgrade must
still be matched with one stored just before it, and a downgrade must give the old rows back."""

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from alembic import command
from leads_support import database
from sqlalchemy import text

from crm_shared.db import create_engine
from crm_shared.migrations import alembic_config, upgrade
from leads.cli import MIGRATIONS
from leads.db import messaging
from leads.forms.batch import Post, prepare
from leads.forms.domain import Posted
from leads.forms.stores import open_store

BEFORE = "e4a7c9d1f2b3"
FORM = SimpleNamespace(id="f-1", name="Contact us", source="web_form", campaign=None, default_team_id=None)


def _post(fields: dict, now: datetime, key: str | None = None) -> Post:
    return Post(
        form=FORM,
        posted=Posted(fields=dict(fields), custom_fields={"budget": " 5K "}),
        idempotency_key=key,
        quarantine_reason=None,
        client_ip="127.0.0.1",
        now=now,
    )


def _sha256(fields: dict) -> str:
    """The fingerprint as the intake made it before the migration."""
    normal = [FORM.id, {k: v.strip().lower() for k, v in fields.items()}, {"budget": "5k"}]
    return hashlib.sha256(json.dumps(normal, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def _stored(engine) -> dict[str, tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, fingerprint, idempotency_key FROM submission"))
        return {row[0]: (row[1], row[2]) for row in rows}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_a_post_after_the_upgrade_is_matched_with_one_stored_before(kind, tmp_path):
    async with database(kind, tmp_path) as url:
        await upgrade(MIGRATIONS, url)
        engine = create_engine(url)
        store = open_store(engine, messaging)
        now = datetime.now(UTC)
        recent, old = {"email": "Ann@Acme.com ", "name": "Ann"}, {"email": "bo@acme.com"}
        try:
            stored = await store.write(
                prepare(
                    [
                        _post(recent, now - timedelta(minutes=3)),
                        _post({"email": "keyed@acme.com"}, now - timedelta(minutes=2), key="client-key"),
                        _post(old, now - timedelta(hours=2)),
                    ],
                    "test",
                )
            )
            (recent_id, _), (keyed_id, _), (old_id, _) = stored
            new = await _stored(engine)

            config = alembic_config(MIGRATIONS, url)
            await asyncio.to_thread(command.downgrade, config, BEFORE)  # as the earlier version stored them
            before = await _stored(engine)
            assert before[recent_id][0] == _sha256(recent) and len(before[recent_id][0]) == 64
            assert before[recent_id][1].startswith("fp:") and before[recent_id][1].endswith(_sha256(recent))
            assert before[keyed_id][1] == new[keyed_id][1]  # the client's own key is not a fingerprint
            assert before[old_id] == new[old_id]  # out of every window: left as it was

            await upgrade(MIGRATIONS, url)
            assert await _stored(engine) == new
            again = await store.write(prepare([_post(recent, now)], "test"))
            assert again == [(recent_id, True)]  # the same form and fields within ten minutes
        finally:
            await store.close()
            await engine.dispose()
