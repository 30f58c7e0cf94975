"""The faster folding paths the rebuild and live consumption share give exactly what the plain ones gave."""

import gc
import hashlib
import itertools
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

from aiokafka import ConsumerRecord, TopicPartition
from sqlalchemy import select

from crm_shared.db import create_engine, session_factory
from crm_shared.events.leads import LeadAssignedV1, LeadCapturedV1, LeadConvertedV1, LeadStatusChangedV1
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from crm_shared.topics import LEADS_LEAD, SALES_OPPORTUNITY
from reporting.counter_store import Spec, add_sums, key_json, summed
from reporting.handlers import handlers
from reporting.leads.funnel import rank_of, version, version_of_key
from reporting.leads.rows import batch_rows
from reporting.models import TicketDay, TicketDelta, TicketFact, TicketTotal, messaging
from reporting.rebuild.applier import ChunkApplier
from reporting.rebuild.replay import MIGRATIONS, ReplayPlan, _fold, rare_collections
from reporting.versions import utc_naive

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def test_key_json_is_the_json_of_the_key():
    keys = [("rep-1", None, "entered", '["Demo", "open"]', 40.0), (date(987, 6, 5), "é\"\\\n\u2028", 3, -0.0),
            (True, False, float("nan"), float("inf"), 1e300, 10**30),
            (Decimal("1.10"), datetime(2024, 1, 2, 3)), ()]
    for key in keys:
        assert key_json(key) == json.dumps(list(key), default=str)


def test_summed_adds_per_bucket_and_keeps_one_and_one_point_zero_apart():
    spec = Spec(kind="k", facts=TicketFact.__table__, id_column="ticket_id", fact_columns=(), measures=dict,
                dims=("queue_id",), key=("measure", "value"), sums=("n",), delta=TicketDelta.__table__,
                total=TicketTotal.__table__, day=TicketDay.__table__)
    midnight, later = datetime(2024, 3, 1), datetime(2024, 3, 1, 0, 0, 1)
    rows = [{"queue_id": "q", "measure": "m", "value": 1.0, "n": 1, "at": midnight},
            {"queue_id": "q", "measure": "m", "value": 1.0, "n": 2, "at": later},
            {"queue_id": "q", "measure": "m", "value": 1, "n": 5, "at": later}]

    def bucket(*values) -> str:
        return hashlib.sha256(json.dumps(list(values), default=str).encode()).hexdigest()

    totals = summed(spec, rows, sign=-1)
    one_point_zero, one = bucket("q", "m", 1.0), bucket("q", "m", 1)
    assert totals == {
        one_point_zero: {"bucket": one_point_zero, "queue_id": "q", "measure": "m", "value": 1.0, "n": -3},
        one: {"bucket": one, "queue_id": "q", "measure": "m", "value": 1, "n": -5}}
    days = summed(spec, rows, per_day=True)  # midnight is the end of the day before
    assert {row["bucket"]: (row["day"], row["value"], row["n"]) for row in days.values()} == {
        bucket(date(2024, 2, 29), "q", "m", 1.0): (date(2024, 2, 29), 1.0, 1),
        bucket(date(2024, 3, 1), "q", "m", 1.0): (date(2024, 3, 1), 1.0, 2),
        bucket(date(2024, 3, 1), "q", "m", 1): (date(2024, 3, 1), 1, 5)}


def total_row(number: int, n: int) -> dict:
    return {"bucket": f"b{number:03d}", "assignee_id": None, "queue_id": f"q{number}", "channel": "phone",
            "priority": "high", "measure": "tickets", "value": None, "n": n}


async def test_add_sums_drops_the_rows_that_come_back_to_zero(database_url):
    await upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    async def add(rows: list[dict]) -> dict[str, int]:
        async with UnitOfWork(sessions, messaging, "reporting") as uow:
            await add_sums(uow, TicketTotal.__table__, rows, ("n",))
            await uow.commit()
            found = await uow.session.execute(select(TicketTotal.bucket, TicketTotal.n))
            return dict(found.all())

    try:
        assert len(await add([total_row(number, 1) for number in range(150)])) == 150
        # 120 buckets back to zero (one executemany of 150 deletes), 30 up to 3, one row of nothing skipped
        after = await add([total_row(number, -1 if number < 120 else 2) for number in range(150)]
                          + [total_row(999, 0)])
        assert after == {f"b{number:03d}": 3 for number in range(120, 150)}
        after = await add([total_row(number, -3) for number in range(120, 125)])  # few rows: SQLAlchemy's
        assert after == {f"b{number:03d}": 3 for number in range(125, 150)}
    finally:
        await engine.dispose()


def test_a_lead_cards_owner_is_the_one_of_the_newest_version_whatever_the_order():
    eight = timezone(timedelta(hours=8))
    ids = [UUID(int=n) for n in (5, 2**127 + 1, 7, 2**64, 3, 2**100)]
    def assigned(owner: str, at: datetime, number: int) -> LeadAssignedV1:
        return LeadAssignedV1(aggregate_id="L", owner_id=owner, occurred_at=at, event_id=ids[number])

    events = [
        LeadCapturedV1(aggregate_id="L", name="n", source="s", occurred_at=T0, event_id=ids[0]),
        assigned("a", T0, 1),  # the same instant as the capture: rank 1 comes after it
        assigned("b", T0, 2),  # the same rank too: the id decides
        assigned("c", T0.astimezone(eight), 3),
        assigned("d", T0 - timedelta(microseconds=1), 4),
        assigned("e", datetime(2024, 3, 1, 9), 5),  # naive UTC
    ]
    by_version = sorted(events, key=version)
    assert [e.owner_id for e in by_version] == ["d", None, "b", "c", "e", "a"]  # at 09:00 UTC: capture, ids
    for count in range(1, len(events) + 1):  # every prefix, in several orders: the newest version wins
        for order in itertools.islice(itertools.permutations(events[:count]), 24):
            newest = max(order, key=version)
            (card,), _ = batch_rows(order)
            assert (card["owner_id"], card["owner_version"]) == (newest.owner_id, version(newest))
    # the key batch_rows compares (naive UTC time, rank, id) gives the version's own text
    keys = [(utc_naive(e.occurred_at), rank_of(type(e)), e.event_id) for e in events]
    assert [version_of_key(key) for key in keys] == [version(e) for e in events]


def test_card_rows_take_each_group_from_its_newest_event():
    captured = LeadCapturedV1(aggregate_id="L1", name="n", source="web_form", campaign="spring",
                              occurred_at=T0)
    assigned = LeadAssignedV1(aggregate_id="L1", owner_id="rep-a", team_id="t1",
                              occurred_at=T0 + timedelta(days=1))
    status = LeadStatusChangedV1(aggregate_id="L1", name="n", source="fair", campaign="autumn",
                                 owner_id="rep-b", team_id="t2", region="north", industry="retail",
                                 previous_status="new", status="contacted",
                                 occurred_at=T0 + timedelta(hours=2))
    converted = LeadConvertedV1(aggregate_id="L1", account={}, contact={}, occurred_at=T0 + timedelta(days=2))
    other = LeadAssignedV1(aggregate_id="L0", owner_id="rep-c", occurred_at=T0)
    expected = [
        {"lead_id": "L0", "source": None, "campaign": None, "source_version": "", "owner_id": "rep-c",
         "team_id": None, "owner_version": version(other), "region": None, "industry": None,
         "profile_version": ""},
        {"lead_id": "L1", "source": "fair", "campaign": "autumn", "source_version": version(status),
         "owner_id": "rep-a", "team_id": "t1", "owner_version": version(assigned), "region": "north",
         "industry": "retail", "profile_version": version(status)},
    ]
    in_order = [captured, assigned, status, converted, other]
    for events in (in_order, in_order[::-1]):
        rows, _ = batch_rows(events)
        assert rows == expected
        assert [list(row) for row in rows] == [list(expected[0])] * 2  # the same columns, in one order


def kafka_record(topic: str, value: bytes, headers: list[tuple[str, bytes]], offset: int) -> ConsumerRecord:
    return ConsumerRecord(topic, 0, offset, 0, 0, b"k", value, None, 1, len(value), headers)


def test_decode_takes_the_header_path_and_counts_what_it_cannot_use():
    """A header naming a type not handled on the record's topic is ignored undecoded, as live does."""
    event = LeadCapturedV1(aggregate_id="L1", name="n", source="web_form")
    value = event.model_dump_json().encode()
    header = [("event_type", b"leads.lead.captured"), ("event_id", str(event.event_id).encode())]
    broken = json.dumps({**json.loads(value), "name": None}).encode()
    unknown = json.dumps({**json.loads(value), "event_type": "leads.lead.teleported"}).encode()
    records = [
        kafka_record(LEADS_LEAD.name, value, header, 0),  # decoded from its header's class
        kafka_record(LEADS_LEAD.name, value, [], 1),  # no headers: decoded from its body
        kafka_record(LEADS_LEAD.name, broken, header, 2),  # rejected
        kafka_record(LEADS_LEAD.name, b"{not json", [], 3),  # rejected
        kafka_record(LEADS_LEAD.name, unknown, [("event_type", b"leads.lead.teleported")], 4),  # ignored
        kafka_record(SALES_OPPORTUNITY.name, value, header, 5),  # not handled on that topic: ignored
        kafka_record(LEADS_LEAD.name, b"{not json", [("event_type", b"leads.lead.scored")], 6),  # ignored
        kafka_record(LEADS_LEAD.name, value, header[::-1], 7),  # its type not the first header: found too
    ]
    applier = ChunkApplier(handlers, lambda: None)
    events = applier.decode(records)
    assert events == [event, event, event]
    stats = applier.stats
    assert (stats.read, stats.rejected, stats.ignored, stats.applied) == (8, 2, 3, 0)


def test_rare_collections_restores_the_collector():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with rare_collections(threshold=12345):
        assert gc.get_threshold() == (12345, 50, 1000)
        assert gc.get_freeze_count() >= frozen
        gc.collect()  # a collection still runs and finds cycles
    assert gc.get_threshold() == before
    # a process that froze its start-up heap itself (crm_shared.service) keeps what was frozen since
    assert gc.get_freeze_count() == frozen if not frozen else gc.get_freeze_count() >= frozen


class StubConsumer:
    """Two partitions whose end (high watermark) was 3 and 2 when the replay began; a third record of the
    second arrived after, and comes back in the same fetch as the first two."""

    def __init__(self):
        self.tps = [TopicPartition("t", 0), TopicPartition("t", 1)]
        self.fetched = False

    async def getmany(self, *partitions, timeout_ms: int, max_records: int) -> dict:
        if self.fetched:
            return {}
        self.fetched = True
        return {self.tps[0]: [kafka_record("t", b"a", [], offset) for offset in range(3)],
                self.tps[1]: [kafka_record("t", b"b", [], offset) for offset in range(3)]}

    def highwater(self, tp: TopicPartition) -> int:
        return {self.tps[0]: 3, self.tps[1]: 2}[tp]

    async def position(self, tp: TopicPartition) -> int:
        return 3


async def test_a_replay_stops_at_each_partitions_end_when_it_began():
    consumer, applied = StubConsumer(), []

    class Applier:
        def decode(self, records):
            return list(records)

        async def apply_decoded(self, records, events):
            applied.extend((record.value, record.offset) for record in records)

    class NoStatistics:
        async def chunk_folded(self):
            return None

    plan = ReplayPlan(consumer, dict.fromkeys(consumer.tps, 0), dict.fromkeys(consumer.tps, 3))
    await _fold(plan, Applier(), 100, lambda done, total: None, NoStatistics())
    assert applied == [(b"a", 0), (b"a", 1), (b"a", 2), (b"b", 0), (b"b", 1)]
