"""The freshness path hop by hop (`bench/reporting_freshness.py --split`), from the records' own stamps.

For each lead, by its email: the POST's send and answer (the bench's clock), the submission's outbox
row (`created_at`: the intake's group commit built it; `sent_at`: the relay marked it sent), the
`leads.submission.received` record's producer timestamp (the relay's publish), leads' inbox row
(`processed_at`: its batch applied it), the `leads.lead.captured` outbox row and record, reporting's
inbox row, and the arrival of the first push counting the lead. All wall clocks of one machine.
"""

import json
import os
import sqlite3
import statistics
from datetime import UTC, datetime
from pathlib import Path

HOPS = [
    ("POST -> intake row built", "posted", "sub_row"),
    ("row built -> POST answered", "sub_row", "answered"),
    ("row built -> relay publishes submission", "sub_row", "sub_record"),
    ("submission published -> leads applies (inbox)", "sub_record", "leads_inbox"),
    ("leads applies -> relay publishes lead.captured", "leads_inbox", "lead_record"),
    ("lead.captured published -> reporting applies (inbox)", "lead_record", "reporting_inbox"),
    ("reporting applies -> push arrives", "reporting_inbox", "pushed"),
]


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    at = datetime.fromisoformat(text)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _rows(db: Path, query: str) -> dict[str, tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return {row[0]: row[1:] for row in connection.execute(query)}


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p99 (nearest rank, as the bench's headline)."""
    values = sorted(values)
    return statistics.median(values), values[max(0, int(len(values) * 0.99) - 1)]


def split(var: Path, leads: dict[str, dict[str, float | str]]) -> list[str]:
    """Lines of p50/p99 per hop. `leads[email]` holds `posted`, `answered`, `pushed` (seconds since the
    epoch) and the event ids `sub_id` and `lead_id` with the records' timestamps `sub_record` and
    `lead_record`, as the bench gathered them."""
    outbox = _rows(var / "leads.db", "SELECT event_id, created_at, sent_at FROM outbox")
    leads_inbox = _rows(var / "leads.db", "SELECT event_id, processed_at FROM inbox WHERE consumer = 'leads'")
    reporting_inbox = _rows(var / "reporting.db", "SELECT event_id, processed_at FROM inbox")
    spans: dict[str, list[float]] = {label: [] for label, _a, _b in HOPS}
    for stamps in leads.values():
        at = {k: v for k, v in stamps.items() if isinstance(v, float)}
        sub, lead = stamps.get("sub_id"), stamps.get("lead_id")
        if sub in outbox:
            at["sub_row"] = _seconds(outbox[sub][0])
        if sub in leads_inbox:
            at["leads_inbox"] = _seconds(leads_inbox[sub][0])
        if lead in reporting_inbox:
            at["reporting_inbox"] = _seconds(reporting_inbox[lead][0])
        stamps.update({k: at.get(k) for k in ("sub_row", "leads_inbox", "reporting_inbox")})
        for label, start, end in HOPS:
            if at.get(start) is not None and at.get(end) is not None:
                spans[label].append((at[end] - at[start]) * 1000)
    (var / "hops.json").write_text(json.dumps(list(leads.values())))  # for a closer look
    lines = [f"  (each lead's stamps: {var / 'hops.json'})"]
    for label, values in spans.items():
        if values:
            p50, p99 = percentiles(values)
            lines.append(f"  {label:<55} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({len(values)})")
        else:
            lines.append(f"  {label:<55} none")
    return lines


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
