"""shorter submission fingerprints: the last window's stored fingerprints and keys in the new form

Revision ID: f3b8d2e6a1c4
Revises: e4a7c9d1f2b3
Create Date: 2026-12-05 03:10:00

"""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Sequence, Union

import orjson
import sqlalchemy as sa
from alembic import op

revision: str = "f3b8d2e6a1c4"
down_revision: Union[str, Sequence[str], None] = "e4a7c9d1f2b3"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# twice the intake's dedupe window (ten minutes), back from the newest stored post: every stored post a
# new one may still be matched with. Older rows keep their text: nothing compares with them any more.
RECENT = timedelta(minutes=20)
CHUNK = 1000


def new_print(form_id: str, fields: dict, custom: dict) -> str:
    """The intake's fingerprint from this revision on (`leads.forms.domain.fingerprint`, as it was)."""
    blob = orjson.dumps([form_id, _normal(fields), _normal(custom)], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def old_print(form_id: str, fields: dict, custom: dict) -> str:
    """The intake's fingerprint before this revision."""
    blob = json.dumps([form_id, _normal(fields), _normal(custom)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _normal(values: dict | None) -> dict:
    return {k: v.strip().lower() for k, v in (values or {}).items()}


def upgrade() -> None:
    """A post fingerprinted the new way must still find one of the last ten minutes stored the old way:
    the recent rows' fingerprints, and the unique keys made of them (`fp:<slot>:<fingerprint>`), are
    rewritten. Stop the intake workers of the earlier version first: for as long as both versions take
    posts, the same post gets two fingerprints (a double post would make two submissions)."""
    _rewrite(new_print)


def downgrade() -> None:
    _rewrite(old_print)


def _rewrite(fingerprint) -> None:
    bind = op.get_bind()
    table = sa.table(
        "submission",
        sa.column("id", sa.String),
        sa.column("form_id", sa.String),
        sa.column("idempotency_key", sa.String),
        sa.column("fingerprint", sa.String),
        sa.column("fields", sa.JSON),
        sa.column("custom_fields", sa.JSON),
        sa.column("received_at", sa.DateTime(timezone=True)),
    )
    c = table.c
    newest = bind.execute(sa.select(sa.func.max(c.received_at))).scalar()
    if newest is None:
        return
    now = datetime.now(UTC) if newest.tzinfo else datetime.now(UTC).replace(tzinfo=None)
    newest = min(newest, now)  # a post dated ahead (a demo clock) does not hide the last real ones
    rows = bind.execute(
        sa.select(c.id, c.form_id, c.idempotency_key, c.fields, c.custom_fields).where(
            c.received_at >= newest - RECENT
        )
    ).all()
    update = (
        sa.update(table)
        .where(c.id == sa.bindparam("row_id"))
        .values(fingerprint=sa.bindparam("print_"), idempotency_key=sa.bindparam("key"))
    )
    changes = []
    for row_id, form_id, key, fields, custom in rows:
        print_ = fingerprint(form_id, fields, custom)
        if key.startswith("fp:"):  # the fingerprint in its ten-minute slot; a client's key stays
            key = f"fp:{key.split(':')[1]}:{print_}"
        changes.append({"row_id": row_id, "print_": print_, "key": key})
    for start in range(0, len(changes), CHUNK):
        bind.execute(update, changes[start : start + CHUNK])
