"""Key-customer score and churn risk, no I/O: each with the components or reasons behind it."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from reporting.customers.book import Customer, days_between, ratio, stamp

WEIGHTS = {"value": 0.4, "growth": 0.2, "tickets": 0.1, "sla": 0.1, "csat": 0.2}
TIERS = (("A", 70.0), ("B", 45.0), ("C", 0.0))


def key_customers(customers: Sequence[Customer], *, at: datetime, days: int) -> dict:
    """A 0-100 score per customer who bought, from five parts each scaled 0-1 over the last `days`:
    value (revenue against the biggest customer's), growth (against the `days` before: -100 % → 0,
    +100 % or more → 1, new revenue 1, none either time 0.5), tickets (fewer than the most-ticketed
    customer is better), SLA (share of tickets without a breach) and CSAT ((average - 1) / 4; none: 0.5).
    Tier A from 70, B from 45, else C."""
    window = timedelta(days=days)
    start, before = at - window, at - 2 * window
    buyers = [c for c in customers if c.sales]
    revenue = {c.account_id: c.revenue(start, None) for c in buyers}
    tickets = {c.account_id: [t for t in c.tickets if t.opened_at >= start] for c in buyers}
    top_revenue = max(revenue.values(), default=Decimal(0))
    most_tickets = max((len(t) for t in tickets.values()), default=0)
    rows = []
    for customer in buyers:
        key = customer.account_id
        previous = customer.revenue(before, start)
        recent = tickets[key]
        breached = sum(t.breached for t in recent)
        ratings = [t.csat for t in customer.tickets if t.csat is not None and t.rated_at >= start]
        csat = sum(ratings) / len(ratings) if ratings else None
        parts = {"value": ratio(revenue[key], top_revenue) or 0.0,
                 "growth": _growth(revenue[key], previous),
                 "tickets": 1.0 - (len(recent) / most_tickets if most_tickets else 0.0),
                 "sla": 1.0 - (breached / len(recent) if recent else 0.0),
                 "csat": 0.5 if csat is None else (csat - 1) / 4}
        score = round(100 * sum(WEIGHTS[name] * part for name, part in parts.items()), 1)
        tier = next(t for t, floor in TIERS if score >= floor)
        rows.append({**customer.card(), "score": score, "tier": tier,
                     "revenue": str(revenue[key]), "previous_revenue": str(previous), "tickets": len(recent),
                     "sla_breaches": breached, "csat_average": None if csat is None else round(csat, 2),
                     "components": {name: round(part, 4) for name, part in parts.items()}})
    rows.sort(key=lambda row: (-row["score"], row["account_id"]))
    tiers = {tier: sum(row["tier"] == tier for row in rows) for tier, _ in TIERS}
    return {"days": days, "weights": WEIGHTS, "rows": rows, "tiers": tiers}


def _growth(now: Decimal, before: Decimal) -> float:
    if not before:
        return 1.0 if now else 0.5
    change = max(-1.0, min(1.0, float((now - before) / before)))
    return (change + 1) / 2


def churn_risk(customers: Sequence[Customer], *, at: datetime, days: int, csat_drop: float) -> dict:
    """Customers who bought and now show a reason to worry: no purchase in `days`, no contact (interaction
    or ticket) in `days`, or CSAT falling (the ratings of the last `days` average at least `csat_drop`
    below the earlier ones). Two or more reasons: high risk, one: medium."""
    start = at - timedelta(days=days)
    rows = []
    for customer in (c for c in customers if c.sales):
        reasons = []
        purchase, contact = customer.last_purchase(), customer.last_contact()
        if purchase < start:
            reasons.append({"reason": "no_purchase", "last": stamp(purchase),
                            "days": days_between(purchase, at)})
        if contact is None or contact < start:
            reasons.append({"reason": "no_contact", "last": stamp(contact),
                            "days": days_between(contact, at)})
        recent = [t.csat for t in customer.tickets if t.csat is not None and t.rated_at >= start]
        earlier = [t.csat for t in customer.tickets if t.csat is not None and t.rated_at < start]
        if recent and earlier:
            now, then = sum(recent) / len(recent), sum(earlier) / len(earlier)
            if then - now >= csat_drop:
                reasons.append({"reason": "csat_falling", "recent": round(now, 2), "earlier": round(then, 2)})
        if reasons:
            rows.append({**customer.card(), "risk": "high" if len(reasons) >= 2 else "medium",
                         "reasons": reasons, "last_purchase": stamp(purchase), "last_contact": stamp(contact),
                         "revenue": str(customer.revenue())})
    rows.sort(key=lambda row: (-len(row["reasons"]), row["last_purchase"] or "", row["account_id"]))
    return {"days": days, "csat_drop": csat_drop, "rows": rows,
            "customers": sum(1 for c in customers if c.sales)}
