"""The opportunity name search `q`: a case-insensitive substring of the name, served by an index.

Rare needles (the usual search for one deal) take their candidates from the name index, FTS5 trigram
on SQLite, pg_trgm GIN on PostgreSQL (see migration 7c3d9e1f2a55), and the page is sorted from those
few. Common needles (more than `CANDIDATES` hits, or shorter than a trigram) walk the list's own index
instead, where matches are dense and a page fills fast. Both paths apply the same LIKE, so the results
do not depend on the path."""

from sqlalchemy import func, select, text

from crm_shared.messaging.uow import UnitOfWork
from sales.pipeline.models import Opportunity

CANDIDATES = 2000
TRIGRAM = 3
# made by that migration with raw SQL, not mapped: autogenerate must leave them alone
UNMAPPED_TABLES = ("opportunity_name_fts", "opportunity_search_key", "ix_opportunity_name_trgm")


def _like(needle: str, dialect: str):
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    lowered = func.lower(Opportunity.name)
    # PostgreSQL's LIKE escapes with a backslash by default (an explicit ESCAPE would hide the index)
    pattern = f"%{escaped}%"
    return lowered.like(pattern) if dialect == "postgresql" else lowered.like(pattern, escape="\\")


async def name_filter(uow: UnitOfWork, query, q: str):
    """The query narrowed to names containing `q` (case-insensitive)."""
    needle = q.strip().casefold()
    dialect = uow.session.bind.dialect.name
    query = query.where(_like(needle, dialect))
    if len(needle) < TRIGRAM or any(c in needle for c in "%_\\"):  # wildcards: the index cannot escape them
        return query
    ids = await _candidates(uow, needle, dialect)
    return query if len(ids) > CANDIDATES else query.where(Opportunity.id.in_(ids))


async def _candidates(uow: UnitOfWork, needle: str, dialect: str) -> list[str]:
    """Up to CANDIDATES + 1 ids whose name may contain the needle, from the name index."""
    if dialect == "sqlite":  # the trigram FTS5 table answers LIKE from its index
        found = await uow.session.execute(
            text(
                "SELECT k.opportunity_id FROM opportunity_name_fts f"
                " CROSS JOIN opportunity_search_key k ON k.seq = f.rowid"  # the index drives
                " WHERE f.name LIKE :pattern LIMIT :limit"
            ),
            {"pattern": f"%{needle}%", "limit": CANDIDATES + 1},
        )
    else:
        found = await uow.session.execute(
            select(Opportunity.id).where(_like(needle, dialect)).limit(CANDIDATES + 1)
        )
    return list(found.scalars())
