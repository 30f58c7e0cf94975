"""Customer 360 route: the timeline of one customer, as JSON or CSV."""

from typing import Literal

from crm_shared.auth import PrincipalDep
from crm_shared.http.problems import InvalidError
from crm_shared.http.query import strict_router
from crm_shared.service import SnapshotUowDep
from reporting.csv_export import csv_response
from reporting.customers.queries import customer_timeline

router = strict_router(prefix="/reports", tags=["reports"])
CSV_COLUMNS = ("at", "source", "channel", "kind", "summary", "service", "record_id")


@router.get("/customer-timeline", response_model=None)
async def get_customer_timeline(
    uow: SnapshotUowDep,
    principal: PrincipalDep,
    account_id: str | None = None,
    contact_id: str | None = None,
    lead_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the public query parameter's name
):
    """Every interaction, ticket, deal and order of one customer, oldest first (ids, email, phone joined)."""
    seed = {"account_id": account_id, "contact_id": contact_id, "lead_id": lead_id, "email": email,
            "phone": phone}
    if not any(seed.values()):
        raise InvalidError("name the customer by account_id, contact_id, lead_id, email or phone",
                           field="account_id")
    async with uow:
        timeline = await customer_timeline(uow=uow, principal=principal, seed=seed)
    if format == "json":
        return timeline
    rows = [["" if entry[c] is None else entry[c] for c in CSV_COLUMNS] for entry in timeline["entries"]]
    return csv_response(CSV_COLUMNS, rows, "customer-timeline.csv")
