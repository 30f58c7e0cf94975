"""Answers from the counters (counter_store.py): the sums of the measures as of X, per group.

As of X = the totals minus the changes after X: the day rows from X's next midnight on and the changes
between X and that midnight.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Table, func, select

from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_store import Spec

Sums = dict[tuple, list[int]]


async def sums_as_of(
    uow: UnitOfWork, spec: Spec, at: datetime, *, group: str | None = None,
    on_groups: Callable[[Table], list] = lambda table: [], on_key: Callable[[Table], list] = lambda table: [],
    key: tuple[str, ...] | None = None,
) -> Sums:
    """{(group value, *key): sums} as of `at` (naive UTC). `on_groups` filters on the group columns (the
    caller's visibility included), `on_key` on the measure key; `key`: the leading part of the spec's key
    to sum by (the whole key by default): an answer that needs fewer columns than the key has reads as
    many rows, but gets far fewer back (the rep table: 600 groups of rep and measure at 1M deals, not
    2,400 of rep, measure, stage, label and value: 25 ms of its 60)."""
    names = spec.key if key is None else key
    assert names == spec.key[: len(names)], f"{names} is not a leading part of {spec.key}"
    sums: Sums = {}
    midnight = _next_midnight(at)
    parts = ((spec.total, [], 1), (spec.day, [spec.day.c.day >= midnight.date()], -1),
             (spec.delta, [spec.delta.c.at > at, spec.delta.c.at <= midnight], -1))
    for table, conditions, sign in parts:
        columns = [table.c[group]] if group else []
        keys = [*columns, *(table.c[name] for name in names)]
        statement = (select(*keys, *(func.sum(table.c[name]) for name in spec.sums))
                     .where(*conditions, *on_groups(table), *on_key(table)).group_by(*keys))
        for row in await uow.session.execute(statement):
            width = len(keys)
            key = tuple(row[:width]) if group else (None, *row[:width])
            into = sums.setdefault(key, [0] * len(spec.sums))
            for index, amount in enumerate(row[width:]):
                into[index] += sign * int(amount or 0)
    return {key: values for key, values in sums.items() if any(values)}


def _next_midnight(at: datetime) -> datetime:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == at else midnight + timedelta(days=1)
