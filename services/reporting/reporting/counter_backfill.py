"""Counters derived, in a migration, from the facts already projected, with the projections' own rules.

A migration runs against the schema of its own revision while this code follows the models: the facts are
read through the columns that exist then (a fact column added later reads as None), and the rows go to
the tables as they are then (reflected), with the columns those have.
"""

import sqlalchemy as sa

from reporting.counter_store import Spec, changes, summed


def fill(bind: sa.Connection, spec: Spec) -> None:
    """Add the counters of `spec`'s entities, from all their facts, to its delta, totals and day tables."""
    tables = sa.MetaData()
    existing = {column["name"] for column in sa.inspect(bind).get_columns(spec.facts.name)}
    names = [name for name in (spec.id_column, *spec.fact_columns) if name in existing]
    facts: dict[str, list[dict]] = {}
    for fact in bind.execute(sa.select(*(spec.facts.c[name] for name in names))).mappings():
        facts.setdefault(fact[spec.id_column], []).append({**dict.fromkeys(spec.fact_columns), **fact})
    rows = [row for record, known in sorted(facts.items()) for row in changes(spec, record, known)]
    if not rows:
        return
    delta = sa.Table(spec.delta.name, tables, autoload_with=bind)
    bind.execute(delta.insert(), _fitted(delta, rows))
    for model, per_day in ((spec.total, False), (spec.day, True)):
        table = sa.Table(model.name, tables, autoload_with=bind)
        sums = [row for row in summed(spec, rows, per_day).values() if any(row[n] for n in spec.sums)]
        _add(bind, table, _fitted(table, sums), spec.sums)


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
