"""Listing and searching leads: filters, free text, sorting and keyset (cursor) pagination."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, or_, select

from crm_shared.auth import Principal, visible_to
from crm_shared.http.problems import InvalidError
from crm_shared.messaging.uow import UnitOfWork
from leads.models import Lead

SORTS = {"created_at": Lead.created_at, "score": Lead.score, "name": Lead.name}


@dataclass(frozen=True)
class LeadQuery:
    """What the caller asked for."""

    status: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    source: str | None = None
    campaign: str | None = None
    score_min: int | None = None
    score_max: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    sort: str = "-created_at"
    limit: int = 50
    cursor: str | None = None


class _Cursor(BaseModel):
    created_at: datetime | None = None
    score: int | None = None
    name: str | None = None
    id: str


async def search_leads(
    *, uow: UnitOfWork, query: LeadQuery, principal: Principal
) -> tuple[list[Lead], str | None]:
    """One page of the leads the caller may see, and the cursor of the next page (None at the end)."""
    key, descending = query.sort.lstrip("-"), query.sort.startswith("-")
    column = SORTS[key]
    stmt = select(Lead).where(
        visible_to(principal, Lead.owner_id, Lead.team_id), Lead.merged_into_id.is_(None)
    )
    for field in ("status", "owner_id", "team_id", "source", "campaign"):
        if (value := getattr(query, field)) is not None:
            stmt = stmt.where(getattr(Lead, field) == value)
    if query.score_min is not None:
        stmt = stmt.where(Lead.score >= query.score_min)
    if query.score_max is not None:
        stmt = stmt.where(Lead.score <= query.score_max)
    if query.created_from is not None:
        stmt = stmt.where(Lead.created_at >= query.created_from)
    if query.created_to is not None:
        stmt = stmt.where(Lead.created_at < query.created_to)
    if query.q:
        pattern = "%" + query.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                *(
                    func.lower(c).like(pattern, escape="\\")
                    for c in (Lead.name, Lead.email, Lead.phone, Lead.company)
                )
            )
        )
    if query.cursor:
        after = _decode(query.cursor)
        value = getattr(after, key)
        if value is None:
            raise InvalidError(f"this cursor belongs to another sort than {query.sort}", field="cursor")
        if descending:
            stmt = stmt.where(or_(column < value, (column == value) & (Lead.id < after.id)))
        else:
            stmt = stmt.where(or_(column > value, (column == value) & (Lead.id > after.id)))
    order = (column.desc(), Lead.id.desc()) if descending else (column.asc(), Lead.id.asc())
    rows = list((await uow.session.execute(stmt.order_by(*order).limit(query.limit + 1))).scalars())
    page, more = rows[: query.limit], len(rows) > query.limit
    return page, _encode(key, page[-1]) if more else None


def _encode(key: str, lead: Lead) -> str:
    value = getattr(lead, key)
    data = {"id": lead.id, key: value.isoformat() if isinstance(value, datetime) else value}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _decode(cursor: str) -> _Cursor:
    try:
        return _Cursor.model_validate_json(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValidationError, UnicodeEncodeError) as error:
        raise InvalidError("not a cursor this API gave out", field="cursor") from error
