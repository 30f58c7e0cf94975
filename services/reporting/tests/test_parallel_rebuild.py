"""A rebuild folded in shares, then merged, gives the rows one replay gives (`reporting.rebuild.merge`)."""

import asyncio
import io
import json
import os
import signal
import sqlite3
import sys

import pytest
from reporting_scenario import at, captured, history, opportunity_history, orders, ticket_history
from reporting_support import dump_projections, record

from crm_shared.events.leads import LeadMergedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.config import ReportingSettings
from reporting.handlers import handlers
from reporting.models import messaging
from reporting.rebuild import parallel, part, processes
from reporting.rebuild.applier import ChunkApplier
from reporting.rebuild.merge import merge_shares, refresh_across_shares
from reporting.rebuild.parallel import deal
from reporting.rebuild.replay import finish_derived, rebuild_sessions


async def fold(make_reporting, url: str, events: list) -> None:
    """Fold `events` into the fresh database at `url` as a share does (the lead funnel's contributions and
    the sums made at the end), three records a chunk."""
    async with make_reporting(url) as share:
        sessions = rebuild_sessions(share.app.state.ctx.engine)
        applier = ChunkApplier(handlers, lambda: UnitOfWork(sessions, messaging, "reporting"))
        records = [record(event, offset) for offset, event in enumerate(events)]
        for start in range(0, len(records), 3):
            await applier.apply(records[start:start + 3])
        await finish_derived(sessions)


async def test_shares_merged_equal_one_fold_even_with_a_lead_merged_across_them(make_reporting, tmp_path):
    merge = LeadMergedV1(aggregate_id="L1", merged_lead_id="L2", occurred_at=at(4))
    events = history() + opportunity_history() + ticket_history() + orders() + [merge]
    async with make_reporting(f"sqlite+aiosqlite:///{tmp_path}/one.db") as single:
        await single.feed(*events)
        expected = await dump_projections(single.app)

    # as partitions would split them: each record's events together; L1 (with the merge) and L2 apart
    records = sorted({(e.topic, e.aggregate_id) for e in events})
    second = {key for index, key in enumerate(records) if index % 2} | {("crm.leads.lead.v1", "L2")}
    second -= {("crm.leads.lead.v1", "L1")}
    shares = ([e for e in events if (e.topic, e.aggregate_id) not in second],
              [e for e in events if (e.topic, e.aggregate_id) in second])
    target, other = tmp_path / "target.db", tmp_path / "share1.db"
    await fold(make_reporting, f"sqlite+aiosqlite:///{target}", shares[0])
    await fold(make_reporting, f"sqlite+aiosqlite:///{other}", shares[1])

    merge_shares(target, [other])
    async with make_reporting(f"sqlite+aiosqlite:///{target}") as merged:
        before = await dump_projections(merged.app)
        # summed across shares: web_form leads came from both, and their funnel totals and sales' totals
        for table in ("leads_by_source", "lead_stage_fact", "sale_total", "ticket_total"):
            assert before[table] == expected[table], table
        assert before["lead_funnel_total"] != expected["lead_funnel_total"]  # L2's share never saw the merge

        await refresh_across_shares(merged.app.state.ctx.sessions)
        assert await dump_projections(merged.app) == expected
        async with merged.app.state.ctx.uow() as uow:
            inbox = (await uow.session.execute(messaging.inbox.select())).all()
    assert len(inbox) == len(events)


async def test_a_record_folded_in_two_shares_fails_the_merge_rather_than_pick_one(make_reporting, tmp_path):
    target, other = tmp_path / "target.db", tmp_path / "share1.db"
    await fold(make_reporting, f"sqlite+aiosqlite:///{target}", [captured("L1", "web_form", None, 1)])
    await fold(make_reporting, f"sqlite+aiosqlite:///{other}", [captured("L1", "web_form", None, 2)])
    with pytest.raises(sqlite3.IntegrityError):
        merge_shares(target, [other])
    async with make_reporting(f"sqlite+aiosqlite:///{target}") as kept:  # the transaction rolled back whole
        rows = await dump_projections(kept.app)
    assert rows["leads_by_source"] == [("web_form", 1)] and len(rows["lead_stage_fact"]) == 1


def whole(share: list[tuple]) -> list[tuple[str, int]]:
    """A share's partitions, each whole (none cut into slices)."""
    assert all(piece[2:] == (0, 1) for piece in share), share
    return [piece[:2] for piece in share]


def test_partitions_are_dealt_by_records_of_each_topic_largest_first():
    sizes = {("a", 0): 50, ("a", 1): 10, ("b", 0): 40, ("b", 1): 30, ("c", 0): 0}
    # b (70 records) first: 40 and 30 apart; then a's 50 to the share with fewer in all, its 10 to the other
    # (`min_slice` 26: no partition worth two slices, no share too small for a process)
    assert list(map(whole, deal(sizes, 2, min_slice=26))) == [[("b", 0), ("a", 1), ("c", 0)],
                                                              [("b", 1), ("a", 0)]]
    # every topic split evenly, whatever the order of the sizes (each share gets half of each topic)
    even = {(topic, number): 100 + number for topic in ("deals", "leads", "tickets") for number in range(6)}
    for share in deal(even, 2, min_slice=1):
        assert sorted(topic for topic, _ in whole(share)) == ["deals"] * 3 + ["leads"] * 3 + ["tickets"] * 3
    assert [sorted(whole(share)) for share in deal(sizes, 1)] == [sorted(sizes)]
    assert list(map(whole, deal({("a", 0): 5}, 3))) == [[("a", 0)]]
    empty_ones = {("a", 0): 10, ("b", 0): 0, ("b", 1): 0}  # no share of empty partitions only
    assert list(map(whole, deal(empty_ones, 2, min_slice=6))) == [[("a", 0), ("b", 0), ("b", 1)]]
    # a share of fewer than `min_slice` records is not worth a process: it joins the one with the fewest
    merged = [[("b", 1), ("a", 0), ("b", 0), ("a", 1), ("c", 0)]]  # 50 records joined the share of 80
    assert list(map(whole, deal(sizes, 2, min_slice=60))) == merged


def test_a_partition_larger_than_a_share_of_its_topic_is_cut_into_slices_by_key():
    # make run's topics have one partition: 300,000 lead events fold in two slices of it
    assert deal({("leads", 0): 300_000}, 2) == [[("leads", 0, 0, 2)], [("leads", 0, 1, 2)]]
    assert deal({("leads", 0): 300_000}, 4) == [[("leads", 0, slot, 4)] for slot in range(4)]
    # a slice holds a share's worth of records at least: 30,000 is not cut in two
    assert deal({("leads", 0): 30_000}, 2) == [[("leads", 0, 0, 1)]]
    assert deal({("leads", 0): 30_000}, 2, min_slice=10_000) == [[("leads", 0, 0, 2)], [("leads", 0, 1, 2)]]
    # a partition cut in two beside a small one: the small one joins a slice's share, not a process of its own
    assert deal({("a", 0): 59_000, ("b", 0): 1_000}, 3) == [[("a", 0, 0, 2), ("b", 0, 0, 1)],
                                                            [("a", 0, 1, 2)]]
    # one large partition beside small ones: it is cut, each share gets about half of the topic
    skewed = {("leads", 0): 200_000, ("leads", 1): 10_000, ("leads", 2): 10_000}
    shares = deal(skewed, 2)
    assert sorted(map(sorted, shares)) == [[("leads", 0, 0, 2), ("leads", 1, 0, 1)],
                                           [("leads", 0, 1, 2), ("leads", 2, 0, 1)]]


async def test_a_forked_share_drops_what_the_fork_copied_of_its_parent(monkeypatch, tmp_path):
    others_read, others_write = os.pipe()  # another share's report pipe, as the parent holds it
    others = os.fstat(others_read).st_ino

    def parents_handler(*_) -> None:  # as the parent's asyncio.run installs its own
        raise AssertionError("the parent's handler ran in the share")

    async def probe(job: dict, out) -> None:  # in the child, in place of the fold
        try:
            kept = os.fstat(others_read).st_ino == others  # (the number may be reused by then)
        except OSError:
            kept = False
        found = {"kept": kept, "stderr": sys.stderr is sys.__stderr__,
                 "sigint": signal.getsignal(signal.SIGINT) is not parents_handler}
        print(json.dumps(found), file=out, flush=True)

    monkeypatch.setattr(part, "run", probe)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # as a progress display wraps the console
    before = signal.signal(signal.SIGINT, parents_handler)
    try:
        share = parallel._start(ReportingSettings(), f"sqlite+aiosqlite:///{tmp_path}/share.db", [], 10, True,
                                [others_read])
    finally:
        signal.signal(signal.SIGINT, before)
    with os.fdopen(share.report, "rb") as report:
        found = json.loads(await asyncio.to_thread(report.read))
    await processes.exited(share.process)
    os.close(others_read)
    os.close(others_write)
    assert found == {"kept": False, "stderr": True, "sigint": True}
    assert share.process.exitcode == 0
