"""Customer value rules, no I/O: the 80/20 Pareto and RFM segments."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from reporting.customers.book import Customer, days_between, ratio, stamp

RFM_SEGMENTS = ("champions", "loyal", "promising", "needs_attention", "at_risk", "hibernating")


def pareto(customers: Sequence[Customer], *, measure: str, start: datetime | None, end: datetime | None,
           threshold: float) -> dict:
    """Customers ranked by revenue (or margin: revenue less the service cost of their tickets), each with
    its share and the running share; the "vital few" are the top customers needed to reach `threshold`
    of the total. Customers with nothing positive to show are listed last, outside the curve."""
    values = []
    for customer in customers:
        revenue = customer.revenue(start, end)
        value = revenue - customer.service_cost(start, end) if measure == "margin" else revenue
        if revenue or value:
            values.append((customer, revenue, value))
    values.sort(key=lambda item: (-item[2], item[0].account_id))
    total = sum((value for _, _, value in values if value > 0), Decimal(0))
    ranked = [v for v in values if v[2] > 0]
    rows, running, vital = [], Decimal(0), 0
    for rank, (customer, revenue, value) in enumerate(ranked, start=1):
        in_vital = float(running / total) < threshold
        running += value
        vital += in_vital
        rows.append({**customer.card(), "rank": rank, "revenue": str(revenue), "value": str(value),
                     "share": ratio(value, total), "cumulative_share": ratio(running, total),
                     "customer_share": ratio(rank, len(ranked)), "vital_few": in_vital})
    rows += [{**c.card(), "rank": None, "revenue": str(r), "value": str(v), "share": None,
              "cumulative_share": None, "customer_share": None, "vital_few": False}
             for c, r, v in values if v <= 0]
    vital_value = sum((Decimal(r["value"]) for r in rows if r["vital_few"]), Decimal(0))
    return {"measure": measure, "threshold": threshold, "rows": rows,
            "summary": {"customers": len(ranked), "total": str(total), "vital_few": vital,
                        "vital_few_customer_share": ratio(vital, len(ranked)),
                        "vital_few_value_share": ratio(vital_value, total)}}


def rfm(customers: Sequence[Customer], *, at: datetime) -> dict:
    """Recency (days since the last purchase), frequency (purchases) and monetary value (amount), each
    scored 1-5 by rank among the customers who bought (5 = best; equal values share a score), and a
    named segment from recency and frequency + monetary."""
    buyers = [c for c in customers if c.sales]
    recency = {c.account_id: days_between(c.last_purchase(), at) for c in buyers}
    frequency = {c.account_id: len(c.sales) for c in buyers}
    monetary = {c.account_id: c.revenue() for c in buyers}
    r_score = _scores(recency, better_is_lower=True)
    f_score, m_score = _scores(frequency), _scores(monetary)
    rows = []
    for customer in buyers:
        key = customer.account_id
        r, f, m = r_score[key], f_score[key], m_score[key]
        rows.append({**customer.card(), "last_purchase": stamp(customer.last_purchase()),
                     "recency_days": recency[key], "frequency": frequency[key],
                     "monetary": str(monetary[key]),
                     "r": r, "f": f, "m": m, "rfm": f"{r}{f}{m}", "segment": segment(r, f, m)})
    rows.sort(key=lambda row: (-(row["r"] + row["f"] + row["m"]), row["account_id"]))
    counts = {name: sum(row["segment"] == name for row in rows) for name in RFM_SEGMENTS}
    return {"rows": rows, "segments": counts}


def segment(r: int, f: int, m: int) -> str:
    """The segment named by recency and the sum of frequency and monetary scores."""
    fm = f + m
    if r >= 4 and fm >= 8:
        return "champions"
    if r >= 3 and fm >= 6:
        return "loyal"
    if r >= 4:
        return "promising"
    if r <= 2 and fm >= 6:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "needs_attention"


def _scores(values: dict, better_is_lower: bool = False) -> dict[str, int]:
    """1 + floor(4 * (customers strictly worse) / (customers - 1)): the worst scores 1, the best 5, ties
    alike; a lone customer scores 3."""
    n = len(values)
    scores = {}
    for key, value in values.items():
        worse = sum((other > value) if better_is_lower else (other < value) for other in values.values())
        scores[key] = 3 if n == 1 else 1 + (4 * worse) // (n - 1)
    return scores
