"""Submissions from known customers: recorded on the customer (no duplicate lead), listed for their owner."""

from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal, visible_to
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.leads import SubmissionMatchedCustomerV1, SubmissionReceivedV1
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.customers.service import CustomerMatch
from leads.forms.models import Submission


def form_label(event: SubmissionReceivedV1) -> str:
    """The form a submission came through, for people: its name in quotes (a post from before names were
    carried has only the id)."""
    return f'"{event.form_name}"' if event.form_name else event.form_id


def summary_of(event: SubmissionReceivedV1, note: str) -> str:
    """What the interaction says: which form, how it was matched, and the visitor's message."""
    text = f"Web form {form_label(event)} submitted ({note})"
    message = event.fields.get("message")
    return f"{text}: {message[:300]}" if message else text


def web_form_interaction(
    event: SubmissionReceivedV1, submission_id: str, summary: str, **who: str | None
) -> InteractionRecordedV1:
    """The `crm.interactions.v1` record of a form submission (`who`: lead, contact, account, email,
    phone ids and keys the customer 360 joins on)."""
    return InteractionRecordedV1(
        aggregate_id=new_id(),
        occurred_at=event.occurred_at,
        channel="web",
        kind="form_submission",
        summary=summary,
        source_service="leads",
        record_id=submission_id,
        correlation_id=event.event_id,
        **who,
    )


async def record_on_customer(
    *,
    uow: UnitOfWork,
    submission: Submission,
    event: SubmissionReceivedV1,
    values: dict,
    match: CustomerMatch,
    now: datetime,
) -> None:
    """Link the submission to the customer, record it as their interaction and tell their owner."""
    submission.status, submission.processed_at = "processed", now
    submission.matched_by, submission.contact_id, submission.account_id = (
        match.matched_by,
        match.contact_id,
        match.account_id,
    )
    submission.customer_owner_id, submission.customer_team_id = match.owner_id, match.team_id
    summary = summary_of(event, f"a known customer, matched by {match.matched_by}")
    uow.emit(
        web_form_interaction(
            event,
            submission.id,
            summary,
            contact_id=match.contact_id,
            account_id=match.account_id,
            email=values.get("email"),
            phone=values.get("phone"),
        )
    )
    uow.emit(
        SubmissionMatchedCustomerV1(
            aggregate_id=submission.id,
            occurred_at=now,
            form_id=event.form_id,
            matched_by=match.matched_by,
            contact_id=match.contact_id,
            account_id=match.account_id,
            owner_id=match.owner_id,
            team_id=match.team_id,
            name=values.get("name"),
            email=values.get("email"),
            phone=values.get("phone"),
            company=values.get("company"),
            summary=summary,
            correlation_id=event.event_id,
        )
    )


async def list_customer_submissions(
    *,
    uow: UnitOfWork,
    principal: Principal,
    contact_id: str | None = None,
    account_id: str | None = None,
    limit: int = 50,
) -> list[Submission]:
    """Submissions recorded on known customers the principal may see (rep: own customers; manager:
    the team's; admin: all), newest first."""
    query = select(Submission).where(
        Submission.matched_by.is_not(None),
        visible_to(principal, Submission.customer_owner_id, Submission.customer_team_id),
    )
    if contact_id:
        query = query.where(Submission.contact_id == contact_id)
    if account_id:
        query = query.where(Submission.account_id == account_id)
    query = query.order_by(Submission.processed_at.desc(), Submission.id.desc()).limit(limit)
    return list((await uow.session.execute(query)).scalars())
