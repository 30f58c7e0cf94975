"""Rep KPI rules, no I/O: merge per-rep lead, deal and order figures into one row per rep."""

from decimal import Decimal


def _no_deals() -> dict:
    return {"deals": 0, "won": 0, "lost": 0, "won_amount": Decimal(0)}


def kpi_rows(leads: list[dict], deals: dict[str | None, dict], ordered: list[dict]) -> list[dict]:
    """One row per rep (None = unassigned) with every KPI; reps ordered by id, unassigned last."""
    reps = {row["key"] for row in leads} | set(deals) | {row["key"] for row in ordered}
    lead_rows = {row["key"]: row for row in leads}
    order_rows = {row["key"]: row for row in ordered}
    rows = []
    for rep in sorted(reps, key=lambda r: (r is None, r or "")):
        lead = lead_rows.get(rep, {})
        deal = deals.get(rep) or _no_deals()
        closed = deal["won"] + deal["lost"]
        rows.append({
            "owner_id": rep, "leads": lead.get("captured", 0), "contacted": lead.get("contacted", 0),
            "converted": lead.get("converted", 0),
            "speed_to_lead_hours": (lead.get("speed_to_lead_hours") or {}).get("average"),
            "deals": deal["deals"], "won": deal["won"], "lost": deal["lost"],
            "win_rate": round(deal["won"] / closed, 4) if closed else None,
            "won_amount": str(deal["won_amount"]),
            "ordered_amount": order_rows.get(rep, {}).get("amount", "0"),
        })
    return rows
