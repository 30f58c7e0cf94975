"""Database plumbing: a naming convention, engines for SQLite (WAL) and PostgreSQL, session factories."""

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from crm_shared import sqlite_onehop

sqlite_onehop.install()  # one hand-over to aiosqlite's thread per statement (see the module)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# every SQLite connection of a service: WAL; each commit synced to disk before it returns (FULL), so
# what a service has answered as stored survives a power cut or an OS crash, as PostgreSQL's default
# `synchronous_commit=on` does (with NORMAL a WAL commit survives the process's crash only, and the last
# commits before a power cut roll back: an accepted form post, or a consumer's applied event whose Kafka
# offset was committed after it, lost). The intake's group commit pays it once per batch: with 32 posts
# in flight ~18% of its rate, with 256 ~6% (session 13, interleaved). A wait for a lock held by another
# connection instead of an error; a WAL file cut back to 256 MB when it restarts past that (the
# checkpointer restarts it at ~128 MB: crm_shared/checkpoint.py; the file is kept up to the limit, as
# cutting it back stalled the commit that did it by up to 190 ms)
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000",
                  "journal_size_limit=268435456")


class UtcDateTime(TypeDecorator):
    """A timezone-aware timestamp on every database: stored in UTC, read back aware (SQLite
    otherwise returns naive datetimes, which break comparisons and RFC 3339 output)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_metadata() -> MetaData:
    """A MetaData with the project's naming convention: one per service."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    """Whether the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url) -> str | None:  # noqa: ANN001 - a URL or its text
    """The database file of a SQLite URL; None for another database or an in-memory one (which a second
    connection, thread or process would not see)."""
    url = make_url(url)
    database = url.database
    if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    return None if url.query.get("mode") == "memory" else database


_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value: object) -> str:
    """JSON columns' text: orjson (a tenth of `json.dumps`'s time: ~0.2 against ~2 µs for a form's fields,
    four such values a public form post), compact and UTF-8; what orjson refuses (an integer beyond 64
    bits, say) goes to `json.dumps` as before, and so do datetimes and dataclasses, which `json.dumps`
    refuses loudly as before (orjson would write them). Unlike `json.dumps`, a NaN or infinite float is
    written as null (valid JSON; `json.dumps` wrote `NaN`, which PostgreSQL refuses)."""
    try:
        return orjson.dumps(value, option=_JSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(value)


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys, its folder created. JSON columns
    are written by `json_text`."""
    kwargs.setdefault("json_serializer", json_text)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cursor = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_insert(session_or_conn):
    """The dialect's `insert` (with `on_conflict_do_update`) for the session's database."""
    from sqlalchemy.dialects import postgresql, sqlite

    name = session_or_conn.bind.dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[name]
