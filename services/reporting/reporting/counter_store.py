"""Counter read models kept from facts: changes of an entity's measures over time, their sums, per day too.

From all its facts, an entity adds at any time a set of measures (`Spec.measures` of the facts known by
then), each keyed by the group columns of its latest fact and the measure's own key, with sums (a count,
amounts). The changes of that set are kept with their event time (the delta table), summed per key (the
totals table) and per day and key (the day table: a day D holds the changes in (D, D+1], so "after X" is
whole days from X's next midnight on, plus the changes up to it).

A refresh recomputes an entity's changes from all its facts: the old ones are taken off the sums and the
new ones added, in the caller's transaction. Two replicas must not both take the old changes off, so a
refresh holds a per-entity transaction lock first (PostgreSQL advisory lock; SQLite has one writer at a
time) and then reads every committed fact. Sums rows that come back to zero are deleted, so the sums are
exactly those of the changes present, whatever order the facts came in.

A rebuild's sessions carry `DERIVED_LATER` in their `info`: they fold the facts only, and the rebuild
makes every record's changes once at its end (`rebuild/changes.py`), then the sums tables from all of them
(`rebuild/sums.py`).
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from json.encoder import encode_basestring_ascii as _quote
from math import isfinite
from operator import itemgetter

from sqlalchemy import Table, Text, and_, any_, bindparam, delete, literal_column, select, text
from sqlalchemy.dialects import postgresql

from crm_shared.db import dialect_insert
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many

# one statement for a whole batch, taken in the order of the lock ids themselves (PostgreSQL evaluates a
# volatile function of the select list after the sort), so two refreshes cannot deadlock
_LOCK = text("SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended(k, 0) AS h"
             " FROM unnest(:keys) AS k) AS ids ORDER BY h")
_LOCK = _LOCK.bindparams(bindparam("keys", type_=postgresql.ARRAY(Text)))
_TICK = timedelta(microseconds=1)
_BUCKETS = bindparam("buckets", type_=postgresql.ARRAY(Text))
_KEY_JSON = json.JSONEncoder(default=str).encode  # json.dumps(default=str) without an encoder per call
# a session `info` key: what the facts give (the counters' changes and sums, the lead funnel's
# contributions) is made later, whole, from all of them (a rebuild's `finish_derived`)
DERIVED_LATER = "reporting.derived_later"


def derived_later(uow: UnitOfWork) -> bool:
    """Whether this unit of work folds facts only, leaving what they give to the end (a rebuild)."""
    return uow.session.info.get(DERIVED_LATER, False)


def bucket_of(key: tuple) -> str:
    """The sums row a key's changes are summed into: a digest of the key's JSON (NULL-safe, fixed width)."""
    return hashlib.sha256(key_json(key).encode()).hexdigest()


@dataclass(frozen=True)
class Spec:
    """One kind of entity's counters: where its facts are, what they add, where the changes go."""

    kind: str
    facts: Table
    id_column: str  # in the fact table
    fact_columns: tuple[str, ...]
    measures: Callable[[list[dict]], dict[tuple, list[int]]]  # known facts -> {(*dims, *key): sums}
    dims: tuple[str, ...]
    key: tuple[str, ...]
    sums: tuple[str, ...]
    delta: Table  # (kind, record_id, seq) + at + dims + key + sums
    total: Table  # bucket + dims + key + sums
    day: Table  # bucket + day + dims + key + sums


def day_of(at: datetime) -> date:
    """The day bucket holding a change at `at`: D holds (D 00:00, D+1 00:00]."""
    return (at - _TICK).date()


def changes(spec: Spec, record_id: str, facts: list[dict]) -> list[dict]:
    """The changes of one entity's measures over time, from all its facts (rows of its delta table)."""
    columns = ("kind", "record_id", "seq", "at", *spec.dims, *spec.key, *spec.sums)
    return [dict(zip(columns, (spec.kind, record_id, seq, at, *key, *change), strict=True))
            for seq, (at, key, change) in enumerate(changed(spec, facts))]


def changed(spec: Spec, facts: list[dict], reprs: dict[tuple, str] | None = None) -> list[tuple]:
    """One entity's changes over time from all its facts, as (at, key, change) in their `seq` order: by
    time, and at one instant by the keys' reprs. `reprs` memoizes those reprs across calls (a rebuild's
    many records share few keys); a key's columns hold one type each (the measures give floats for the
    float columns), so equal keys have one repr, but for a zero (0.0 and -0.0 are equal): a key holding
    one is not memoized."""
    facts = sorted(facts, key=_occurred)
    found, before, last = [], {}, len(facts) - 1
    zero = [0] * len(spec.sums)
    for index, fact in enumerate(facts):
        at = fact["occurred_at"]
        if index < last and facts[index + 1]["occurred_at"] == at:
            continue  # the state once every fact of this instant is known
        now = spec.measures(facts[: index + 1])
        moved = []
        for key, sums in now.items():
            old = before.get(key, zero)
            if sums != old:
                moved.append((_repr(key, reprs), key, [a - b for a, b in zip(sums, old, strict=True)]))
        for key, old in before.items():
            if key not in now and any(old):
                moved.append((_repr(key, reprs), key, [-b for b in old]))
        moved.sort(key=_first)  # numbered in the order of the keys' reprs
        found.extend((at, key, change) for _, key, change in moved)
        before = now
    return found


def _repr(key: tuple, reprs: dict[tuple, str] | None) -> str:
    if reprs is None or 0.0 in key:
        return repr(key)
    text = reprs.get(key)
    if text is None:
        text = reprs[key] = repr(key)
    return text


def _occurred(fact: dict) -> datetime:
    return fact["occurred_at"]


def _first(item: tuple) -> str:
    return item[0]


def summed(spec: Spec, deltas: Iterable[dict], per_day: bool = False, sign: int = 1) -> dict[str, dict]:
    """Changes summed per totals row (or per day row), keyed by bucket (a digest of the row's key values,
    made once per distinct key: the values' types are part of the memo's key, as 1 and 1.0 digest apart)."""
    names = (*spec.dims, *spec.key)
    columns = ("bucket", "day", *names) if per_day else ("bucket", *names)
    get = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    zeros = (0,) * len(spec.sums)
    result: dict[str, dict] = {}
    rows_of: dict[tuple, dict] = {}
    for row in deltas:
        key = get(row)
        if per_day:
            key = (day_of(row["at"]), *key)
        memo = (key, tuple(map(type, key)))
        into = rows_of.get(memo)
        if into is None:
            bucket = bucket_of(key)
            into = result.get(bucket)
            if into is None:
                into = result[bucket] = dict(zip(columns, (bucket, *key), strict=True))
                into.update(zip(spec.sums, zeros, strict=True))
            rows_of[memo] = into
        for name in spec.sums:
            into[name] += sign * row[name]
    return result


def add_summed(spec: Spec, into: dict[str, dict], more: dict[str, dict]) -> dict[str, dict]:
    """`into` (bucket -> sums row, as `summed` gives) with `more`'s sums added, bucket by bucket."""
    for bucket, row in more.items():
        kept = into.setdefault(bucket, {**row, **dict.fromkeys(spec.sums, 0)})
        for name in spec.sums:
            kept[name] += row[name]
    return into


def key_json(values: tuple) -> str:
    """`json.dumps(list(values), default=str)`, made faster for the types keys hold (text, None, whole and
    finite numbers, dates); any other value goes through the encoder itself."""
    parts = []
    for value in values:
        kind = type(value)
        if kind is str:
            parts.append(_quote(value))
        elif value is None:
            parts.append("null")
        elif kind is float and isfinite(value) or kind is int:
            parts.append(repr(value))
        elif kind is date:
            parts.append(f'"{value.isoformat()}"')
        else:
            return _KEY_JSON(list(values))
    return f"[{', '.join(parts)}]"


async def refresh(uow: UnitOfWork, spec: Spec, record_ids: set[str]) -> None:
    """Recompute the changes of these entities from all their facts (none in a rebuild's fold)."""
    session = uow.session
    if derived_later(uow):
        return
    await lock_entities(uow, spec.kind, record_ids)
    columns = [spec.facts.c[spec.id_column], *(spec.facts.c[name] for name in spec.fact_columns)]
    for chunk in _chunks(sorted(record_ids)):
        mine = and_(spec.delta.c.kind == spec.kind, spec.delta.c.record_id.in_(chunk))
        old = [dict(row._mapping) for row in
               await session.execute(select(spec.delta).where(mine).with_for_update())]
        facts: dict[str, list[dict]] = {}
        for row in await session.execute(select(*columns).where(spec.facts.c[spec.id_column].in_(chunk))):
            facts.setdefault(row[0], []).append(dict(row._mapping))
        new = [row for record in chunk if record in facts for row in changes(spec, record, facts[record])]
        if _same(spec, old, new):
            continue
        await session.execute(delete(spec.delta).where(mine))
        if new:
            await execute_many(session, spec.delta.insert(), new)
        for table, per_day in ((spec.total, False), (spec.day, True)):
            merged = add_summed(spec, summed(spec, new, per_day), summed(spec, old, per_day, -1))
            await add_sums(uow, table, list(merged.values()), spec.sums)


async def lock_entities(uow: UnitOfWork, kind: str, ids: Iterable[str]) -> None:
    """Hold, until the transaction ends, a lock per entity (taken in one order: refreshes cannot deadlock)."""
    if uow.session.bind.dialect.name != "postgresql":
        return
    keys = sorted({f"{kind}:{entity}" for entity in ids})
    if keys:
        await uow.session.execute(_LOCK, {"keys": keys})


async def add_sums(uow: UnitOfWork, table: Table, rows: list[dict], sums: tuple[str, ...]) -> None:
    """Add these sums to the rows (keyed by `bucket`), dropping those that come back to zero."""
    rows = sorted((row for row in rows if any(row[name] for name in sums)), key=lambda row: row["bucket"])
    if not rows:
        return
    insert = dialect_insert(uow.session)(table)
    added = {name: table.c[name] + insert.excluded[name] for name in sums}
    upsert = insert.on_conflict_do_update(index_elements=[table.c.bucket], set_=added)
    await execute_many(uow.session, upsert, rows)
    # the rows left at zero among these: PostgreSQL takes every bucket as one array parameter, SQLite one
    # bucket a row in one executemany (an IN list of 500 binds costs more to render than to run)
    zero = and_(*(table.c[name] == literal_column("0") for name in sums))
    buckets = [row["bucket"] for row in rows]
    if uow.session.bind.dialect.name == "postgresql":
        drop = delete(table).where(table.c.bucket == any_(_BUCKETS), zero)
        await uow.session.execute(drop, {"buckets": buckets})
    else:
        drop = delete(table).where(table.c.bucket == bindparam("gone"), zero)
        await execute_many(uow.session, drop, [{"gone": bucket} for bucket in buckets])


def _same(spec: Spec, old: list[dict], new: list[dict]) -> bool:
    if len(old) != len(new):  # the usual case: new records, or records with new changes
        return False
    names = ("record_id", "seq", "at", *spec.dims, *spec.key, *spec.sums)

    def key(row: dict) -> tuple:
        return tuple(str(row[name]) for name in names)

    return sorted(map(key, old)) == sorted(map(key, new))


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
