"""Keyset (cursor) pagination over (created_at, id): stable under inserts, fast at any depth."""

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, or_

from crm_shared.http.problems import InvalidError

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=500)]
CursorQuery = Annotated[str | None, Query(max_length=200)]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one (null: no more)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(created_at: datetime, record_id: str) -> str:
    """An opaque cursor pointing just after this record."""
    stamp = (created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)).isoformat()
    return base64.urlsafe_b64encode(f"{stamp}|{record_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) a cursor points after; 422 on `cursor` if it is not one of ours."""
    try:
        stamp, record_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(stamp), record_id
    except (binascii.Error, UnicodeDecodeError, TypeError) as error:
        raise InvalidError("not a valid cursor", field="cursor") from error
    except ValueError as error:  # fromisoformat and the unpacking raise plain ValueError
        raise InvalidError("not a valid cursor", field="cursor") from error


def keyset(query: Select, model, cursor: str | None, limit: int) -> Select:
    """The query ordered by (created_at, id), starting after the cursor, one row more than a page."""
    if cursor:
        created_at, record_id = decode_cursor(cursor)
        query = query.where(
            or_(model.created_at > created_at, and_(model.created_at == created_at, model.id > record_id))
        )
    return query.order_by(model.created_at, model.id).limit(limit + 1)


def page_of(rows: list, limit: int, read) -> Page:
    """A page from the rows of `keyset` (which fetched one extra to know whether more follow)."""
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
    return Page(items=[read(row) for row in rows], next_cursor=cursor)
