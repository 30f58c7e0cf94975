"""Counters derived, in a migration, from the facts already projected, with the projections' own rules.

A migration runs against the schema of its own revision while this code follows the models: the facts are
read through the columns that exist then (a fact column added later reads as None), and the rows go to
the tables as they are then (reflected), with the columns those have.
"""

import sqlalchemy as sa

from reporting.counter_store import Spec, add_summed, changes, summed


def fill(bind: sa.Connection, spec: Spec, chunk: int = 2000) -> None:
    """Add the counters of `spec`'s entities, from all their facts, to its delta, totals and day tables:
    `chunk` entities at a time (their facts, then their changes), the sums kept until the end."""
    tables = sa.MetaData()
    existing = {column["name"] for column in sa.inspect(bind).get_columns(spec.facts.name)}
    names = [name for name in (spec.id_column, *spec.fact_columns) if name in existing]
    id_column = spec.facts.c[spec.id_column]
    ids = list(bind.execute(sa.select(id_column).distinct().order_by(id_column)).scalars())
    delta = sa.Table(spec.delta.name, tables, autoload_with=bind)
    sums: dict[bool, dict[str, dict]] = {False: {}, True: {}}  # per day or not: bucket -> row
    for start in range(0, len(ids), chunk):
        facts: dict[str, list[dict]] = {}
        mine = id_column.in_(ids[start:start + chunk])
        query = sa.select(*(spec.facts.c[name] for name in names)).where(mine)
        for fact in bind.execute(query).mappings():
            facts.setdefault(fact[spec.id_column], []).append({**dict.fromkeys(spec.fact_columns), **fact})
        rows = [row for record, known in sorted(facts.items()) for row in changes(spec, record, known)]
        if not rows:
            continue
        bind.execute(delta.insert(), _fitted(delta, rows))
        for per_day, into in sums.items():
            add_summed(spec, into, summed(spec, rows, per_day))
    for model, per_day in ((spec.total, False), (spec.day, True)):
        table = sa.Table(model.name, tables, autoload_with=bind)
        rows = [row for row in sums[per_day].values() if any(row[n] for n in spec.sums)]
        _add(bind, table, _fitted(table, rows), spec.sums)


def _fitted(table: sa.Table, rows: list[dict]) -> list[dict]:
    return [{name: value for name, value in row.items() if name in table.c} for row in rows]


def _add(bind: sa.Connection, table: sa.Table, rows: list[dict], sums: tuple[str, ...]) -> None:
    """Insert the rows, adding to rows already there (deals and orders share the sale tables)."""
    known = {bucket for (bucket,) in bind.execute(sa.select(table.c.bucket))}
    fresh = [row for row in rows if row["bucket"] not in known]
    if fresh:
        bind.execute(table.insert(), fresh)
    for row in rows:
        if row["bucket"] in known:
            bind.execute(table.update().where(table.c.bucket == row["bucket"])
                         .values({name: table.c[name] + row[name] for name in sums}))
