"""The prospects block of the lead funnel: imported, verified into leads and the conversion rate, as of X."""

from datetime import datetime

from sqlalchemy import and_, case, func, literal, select

from crm_shared.auth import Principal, Role
from crm_shared.messaging.uow import UnitOfWork
from reporting.prospects.models import ProspectFact
from reporting.versions import utc_naive

_GROUPS = {"source": ProspectFact.source, "campaign": ProspectFact.campaign, "region": ProspectFact.region,
           "industry": ProspectFact.industry}  # prospects have no owner or team: those group them under None
_FILTERS = {"source": ProspectFact.source, "campaign": ProspectFact.campaign, "region": ProspectFact.region,
            "industry": ProspectFact.industry}


async def prospect_counts(uow: UnitOfWork, principal: Principal, query, as_of: datetime) -> dict:
    """The prospects imported by `as_of` (in the query's capture window, by import time), how many of them
    were verified into a lead by then (new leads among them) and verified / imported, per the funnel's
    group and in total. Prospects are nobody's: like unassigned leads, only admins see them."""
    rows: dict[str | None, list[int]] = {}
    if principal.role is Role.ADMIN and query.owner_id is None and query.team_id is None:
        at = utc_naive(as_of)
        verified = and_(ProspectFact.verified_at.is_not(None), ProspectFact.verified_at <= at)
        key = _GROUPS.get(query.group_by, literal(None))
        statement = (
            select(key.label("key"), func.count().label("imported"),
                   func.sum(case((verified, 1), else_=0)).label("verified"),
                   func.sum(case((and_(verified, ProspectFact.new_lead.is_(True)), 1), else_=0)).label("new"))
            .where(ProspectFact.imported_at <= at, *_window(query), *_filters(query))
            .group_by(key)
        )
        for row in await uow.session.execute(statement):
            rows[row.key] = [int(row.imported), int(row.verified or 0), int(row.new or 0)]
    ordered = sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or ""))
    total = [sum(counts[i] for counts in rows.values()) for i in range(3)]
    return {"rows": [_row(key, counts) for key, counts in ordered], "total": _row("total", total)}


def _window(query) -> list:
    found = []
    if query.captured_from is not None:
        found.append(ProspectFact.imported_at >= utc_naive(query.captured_from))
    if query.captured_to is not None:
        found.append(ProspectFact.imported_at < utc_naive(query.captured_to))
    return found


def _filters(query) -> list:
    return [column == getattr(query, name) for name, column in _FILTERS.items()
            if getattr(query, name) is not None]


def _row(key: str | None, counts: list[int]) -> dict:
    imported, verified, new = counts
    return {"key": key, "imported": imported, "verified": verified, "new_leads": new,
            "conversion_rate": round(verified / imported, 4) if imported else None}


