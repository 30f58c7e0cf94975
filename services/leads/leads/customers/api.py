"""HTTP routes of submissions that came from known customers (their owners follow up on these)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from crm_shared.auth import PrincipalDep, can_see
from crm_shared.service import UowDep
from leads.customers import service
from leads.customers.submissions import list_customer_submissions
from leads.deps import Manager
from leads.forms.schemas import SubmissionRead
from leads.processing import normalize

router = APIRouter(tags=["forms"])
Value = Annotated[str | None, Query(max_length=320)]


class CustomerMatchRead(BaseModel):
    """The known customer a submission with these values would be recorded on, and why."""

    matched_by: str
    contact_id: str | None
    account_id: str | None
    owner_id: str | None
    team_id: str | None


@router.get("/customer-submissions")
async def list_submissions(
    uow: UowDep,
    principal: PrincipalDep,
    contact_id: Annotated[str | None, Query(max_length=36)] = None,
    account_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SubmissionRead]:
    """Form posts from known customers, recorded on the customer instead of becoming leads (rep: own)."""
    async with uow:
        found = await list_customer_submissions(
            uow=uow, principal=principal, contact_id=contact_id, account_id=account_id, limit=limit
        )
        return [SubmissionRead.model_validate(s) for s in found]


@router.get("/customer-matches")
async def match_customer(
    uow: UowDep,
    principal: Manager,
    request: Request,
    email: Value = None,
    phone: Value = None,
    company: Value = None,
    domain: Value = None,
) -> CustomerMatchRead | None:
    """Which known customer (sales contact by email or phone, account by domain and name) a post with
    these values is recorded on instead of becoming a lead; null when none (it would be a lead) or when
    the customer belongs to another team."""
    region = request.app.state.settings.default_region
    async with uow:
        match = await service.find_contact(
            uow=uow, email=normalize.email(email), phone=normalize.phone(phone, region)
        ) or await service.find_account(
            uow=uow, domain=(domain or "").strip().lower() or None, company=company
        )
        if match is None or not can_see(principal, match.owner_id, match.team_id):
            return None  # another team's customer is not the caller's to see
        return CustomerMatchRead(**vars(match))
