"""The lead funnel's contributions of a rebuild, made once at its end from the cards and stage facts
(`counter_store.DERIVED_LATER`).

Live, each batch recomputes the contributions of the leads it touched (`refresh_leads`: read back their
cards and facts, `contributions` in Python, old rows deleted, new ones inserted). A rebuild folds the cards
and facts only, and then makes every lead's contributions here in one statement, as `contributions` does:
for a lead with a card and a capture, a row `in` for each funnel stage it reached, at the later of that
time and the capture, and, if it was merged away, a row `out` for each, at the later of that and the
merge; `hours` (capture to first contact) on the `contacted` rows, to the bit: the microseconds between
the two times, exact, divided as Python divides them (`total_seconds() / 3600`, each division of doubles
correctly rounded on both sides) while a double holds them exactly (2**53 us, 285 years); the rare longer
spans are then divided again in Python (`_long_spans`). SQLite keeps a datetime as fixed-width text
('YYYY-MM-DD HH:MM:SS.ffffff'): its order is the text's, its month the first seven characters.
"""

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    extract,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reporting.counter_models import LeadFunnelDelta
from reporting.leads.counters import DIMENSIONS
from reporting.leads.funnel import COLUMNS, MERGED
from reporting.models import LeadCard, LeadStageFact


def _later(dialect: str, *times: ColumnElement) -> ColumnElement:
    return func.greatest(*times) if dialect == "postgresql" else func.max(*times)


def _year(dialect: str, at: ColumnElement) -> ColumnElement:
    return extract("year", at) if dialect == "postgresql" else cast(func.substr(at, 1, 4), Integer)


def _month(dialect: str, at: ColumnElement) -> ColumnElement:
    return func.to_char(at, "YYYY-MM") if dialect == "postgresql" else func.substr(at, 1, 7)


def _microseconds(dialect: str, end: ColumnElement, start: ColumnElement) -> ColumnElement:
    """`end - start` in whole microseconds, exact."""
    if dialect == "postgresql":
        return cast(extract("epoch", end - start) * 1_000_000, BigInteger)

    def parts(at: ColumnElement) -> tuple[ColumnElement, ColumnElement]:
        seconds = cast(func.strftime("%s", func.substr(at, 1, 19)), Integer)
        return seconds, cast(func.substr(at, 21, 6), Integer)

    (end_s, end_us), (start_s, start_us) = parts(end), parts(start)
    return (end_s - start_s) * 1_000_000 + (end_us - start_us)


def _hours(dialect: str, reached: ColumnElement, captured: ColumnElement) -> ColumnElement:
    """`max(0.0, (reached - captured).total_seconds() / 3600)` in doubles."""
    seconds = cast(_microseconds(dialect, reached, captured), Float) / literal(1_000_000.0, Float)
    zero = literal(0.0, Float)
    return _later(dialect, zero, seconds / literal(3600.0, Float))


async def make_funnel(session: AsyncSession) -> None:
    """Add every lead's funnel contributions (the delta table holds none yet) in the session's transaction.

    Led by each lead's capture (and, for the rows `out`, its merge): the lead's card and its facts are then
    found by the lead alone, one probe each (on SQLite the stages' filter is kept off the key, or it probes
    once per stage: a third slower)."""
    dialect = session.bind.dialect.name
    fact, capture, merge = aliased(LeadStageFact), aliased(LeadStageFact), aliased(LeadStageFact)
    reached, captured = fact.reached_at, capture.reached_at
    at = _later(dialect, reached, captured)
    hours = case((fact.stage == "contacted", _hours(dialect, reached, captured)), else_=None)
    stage = fact.stage if dialect == "postgresql" else fact.stage.concat("")
    base = (fact.lead_id, fact.stage)
    common = (captured.label("captured_at"), _month(dialect, captured).label("capture_month"),
              *(getattr(LeadCard, name) for name in DIMENSIONS), hours.label("hours"))

    def rows(lead: type[LeadStageFact]) -> Select:
        """The facts of each lead with a `lead` fact, its capture and its card."""
        found = select().select_from(lead)
        if lead is not capture:
            found = found.join(capture, (capture.lead_id == lead.lead_id) & (capture.stage == "captured"))
        found = found.join(LeadCard, LeadCard.lead_id == lead.lead_id)
        return (found.join(fact, fact.lead_id == lead.lead_id)
                .where(lead.stage == ("captured" if lead is capture else MERGED), stage.in_(COLUMNS)))

    reached_rows = rows(capture).add_columns(*base, literal_column("'in'").label("kind"), at.label("at"),
                                              *common, literal_column("1").label("delta"))
    merged_rows = rows(merge).add_columns(*base, literal_column("'out'").label("kind"),
                                          _later(dialect, at, merge.reached_at).label("at"), *common,
                                          literal_column("-1").label("delta"))
    names = ["lead_id", "stage", "kind", "at", "captured_at", "capture_month", *DIMENSIONS, "hours", "delta"]
    table = LeadFunnelDelta.__table__
    await session.execute(insert(table).from_select([table.c[n] for n in names],
                                                    union_all(reached_rows, merged_rows)))
    await _long_spans(session, dialect)


async def _long_spans(session: AsyncSession, dialect: str) -> None:
    """`hours` made again in Python where capture to contact may span 2**53 microseconds or more (285
    years: a mistyped year), whose count a double does not hold exactly: the SQL rounded twice."""
    fact, capture = aliased(LeadStageFact), aliased(LeadStageFact)
    years = _year(dialect, fact.reached_at) - _year(dialect, capture.reached_at)
    found = await session.execute(
        select(fact.lead_id, fact.reached_at, capture.reached_at)
        .join(capture, (capture.lead_id == fact.lead_id) & (capture.stage == "captured"))
        .where(fact.stage == "contacted", years >= 284))  # the few that may: each made as live makes it
    rows = [{"lead": lead, "exact": max(0.0, (reached - captured).total_seconds() / 3600)}
            for lead, reached, captured in found]
    if rows:
        delta = LeadFunnelDelta.__table__
        mine = (delta.c.lead_id == bindparam("lead")) & (delta.c.stage == "contacted")
        await session.execute(update(delta).where(mine).values(hours=bindparam("exact")), rows)
