"""opportunity name search index: FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL

Revision ID: 7c3d9e1f2a55
Revises: 5b1e7c2d9a40
Create Date: 2026-11-23 15:05:00

The name search `q` is a case-insensitive substring match. On PostgreSQL a trigram GIN index on
lower(name) serves `lower(name) LIKE '%q%'` directly. On SQLite an FTS5 table with the trigram tokenizer
finds the candidates; `opportunity_search_key` gives each opportunity a stable integer key (the FTS rowid;
the opportunity's own rowid may change on VACUUM). Triggers keep both in step with every write path.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '7c3d9e1f2a55'
down_revision: Union[str, Sequence[str], None] = '5b1e7c2d9a40'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_UP = (
    "CREATE TABLE opportunity_search_key (seq INTEGER PRIMARY KEY, opportunity_id VARCHAR(36) NOT NULL"
    " CONSTRAINT uq_opportunity_search_key_opportunity_id UNIQUE)",
    "CREATE VIRTUAL TABLE opportunity_name_fts USING fts5(name, tokenize='trigram', detail='none')",
    "INSERT INTO opportunity_search_key (opportunity_id) SELECT id FROM opportunity ORDER BY created_at, id",
    "INSERT INTO opportunity_name_fts (rowid, name) SELECT k.seq, o.name FROM opportunity o"
    " JOIN opportunity_search_key k ON k.opportunity_id = o.id",
    "CREATE TRIGGER opportunity_name_fts_insert AFTER INSERT ON opportunity BEGIN"
    " INSERT INTO opportunity_search_key (opportunity_id) VALUES (new.id);"
    " INSERT INTO opportunity_name_fts (rowid, name) VALUES (last_insert_rowid(), new.name); END",
    "CREATE TRIGGER opportunity_name_fts_update AFTER UPDATE OF name ON opportunity BEGIN"
    " UPDATE opportunity_name_fts SET name = new.name"
    " WHERE rowid = (SELECT seq FROM opportunity_search_key WHERE opportunity_id = new.id); END",
    "CREATE TRIGGER opportunity_name_fts_delete AFTER DELETE ON opportunity BEGIN"
    " DELETE FROM opportunity_name_fts"
    " WHERE rowid = (SELECT seq FROM opportunity_search_key WHERE opportunity_id = old.id);"
    " DELETE FROM opportunity_search_key WHERE opportunity_id = old.id; END",
)
SQLITE_DOWN = (
    "DROP TRIGGER opportunity_name_fts_delete",
    "DROP TRIGGER opportunity_name_fts_update",
    "DROP TRIGGER opportunity_name_fts_insert",
    "DROP TABLE opportunity_name_fts",
    "DROP TABLE opportunity_search_key",
)
POSTGRES_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_opportunity_name_trgm ON opportunity USING gin (lower(name) gin_trgm_ops)",
)
POSTGRES_DOWN = ("DROP INDEX ix_opportunity_name_trgm",)


def upgrade() -> None:
    """Upgrade schema."""
    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    for statement in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
