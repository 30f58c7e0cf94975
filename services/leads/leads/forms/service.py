"""Use cases of forms, the public intake and the quarantine."""

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from crm_shared.auth import Principal
from crm_shared.events.base import utcnow
from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.http.problems import ConflictError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.forms.cache import FormView
from leads.forms.domain import Posted, fingerprint
from leads.forms.models import QUARANTINED, Submission, WebForm
from leads.forms.schemas import FormCreate, FormUpdate

DEDUPE_WINDOW = timedelta(minutes=10)


async def create_form(*, uow: UnitOfWork, data: FormCreate) -> WebForm:
    """Add a form."""
    now = utcnow()
    form = WebForm(id=new_id(), created_at=now, updated_at=now, **data.model_dump(mode="json"))
    uow.session.add(form)
    await uow.commit()
    return form


async def update_form(*, uow: UnitOfWork, form_id: str, data: FormUpdate) -> WebForm:
    """Replace a form's configuration."""
    form = await get_form(uow=uow, form_id=form_id)
    for key, value in data.model_dump(mode="json").items():
        setattr(form, key, value)
    form.updated_at = utcnow()
    await uow.commit()
    return form


async def delete_form(*, uow: UnitOfWork, form_id: str) -> None:
    """Deactivate a form (its submissions stay; posts to it answer 404 from now on)."""
    form = await get_form(uow=uow, form_id=form_id)
    form.active, form.updated_at = False, utcnow()
    await uow.commit()


async def get_form(*, uow: UnitOfWork, form_id: str) -> WebForm:
    """One form, or not found."""
    form = await uow.session.get(WebForm, form_id)
    if form is None:
        raise NotFoundError(f"form {form_id} not found")
    return form


async def list_forms(*, uow: UnitOfWork) -> list[WebForm]:
    """Every form, by name."""
    return list((await uow.session.execute(select(WebForm).order_by(WebForm.name, WebForm.id))).scalars())


async def active_form_view(*, uow: UnitOfWork, form_id: str) -> FormView | None:
    """What the intake needs of an active form, or None."""
    async with uow:
        form = await uow.session.get(WebForm, form_id)
        return FormView.of(form) if form is not None and form.active else None


async def receive_submission(
    *,
    uow: UnitOfWork,
    form: WebForm | FormView,
    posted: Posted,
    idempotency_key: str | None,
    quarantine_reason: str | None,
    client_ip: str | None,
    now: datetime,
) -> tuple[Submission, bool]:
    """Store the post and its `leads.submission.received` event in one transaction, once.

    Returns the submission and whether it was already there (the same key, or the same form and
    normalized fields within ten minutes)."""
    print_ = fingerprint(form.id, posted)
    key = idempotency_key_of(form.id, idempotency_key, print_, now)
    existing = await _find_existing(uow, key, form.id, print_, now)
    if existing:
        return existing, True
    submission = Submission(
        id=new_id(),
        form_id=form.id,
        idempotency_key=key,
        fingerprint=print_,
        status="quarantined" if quarantine_reason else "accepted",
        quarantine_reason=quarantine_reason,
        fields=posted.fields,
        custom_fields=posted.custom_fields,
        utm=posted.utm,
        referrer=posted.referrer,
        page_url=posted.page_url,
        visitor_id=posted.visitor_id,
        client_ip=client_ip,
        received_at=now,
    )
    uow.session.add(submission)
    uow.emit(received_event(form, submission))
    try:
        await uow.commit()
    except IntegrityError:  # a concurrent retry of the same post won the race
        await uow.rollback()
        existing = await _find_existing(uow, key, form.id, print_, now)
        if existing is None:
            raise
        return existing, True
    return submission, False


def received_event(
    form: WebForm | FormView, submission: Submission, released: bool = False, producer: str = "unknown"
) -> SubmissionReceivedV1:
    """The event of a stored (or released) submission."""
    return SubmissionReceivedV1(
        producer=producer,
        aggregate_id=submission.id,
        occurred_at=submission.received_at,
        form_id=form.id,
        form_name=form.name,
        fields=submission.fields,
        custom_fields=submission.custom_fields,
        source=form.source,
        campaign=submission.utm.get("utm_campaign") or form.campaign,
        default_team_id=form.default_team_id,
        utm=submission.utm,
        referrer=submission.referrer,
        page_url=submission.page_url,
        visitor_id=submission.visitor_id,
        quarantine_reason=None if released else submission.quarantine_reason,
        released=released,
    )


async def list_quarantine(
    *, uow: UnitOfWork, form_id: str | None = None, limit: int = 100
) -> list[Submission]:
    """Quarantined submissions, newest first."""
    # the predicate as text, exactly the partial index's: a bound value would not match it in PostgreSQL's
    # generic plan (asyncpg's prepared statements get one from the sixth run on)
    query = select(Submission).where(text(QUARANTINED))
    if form_id:
        query = query.where(Submission.form_id == form_id)
    query = query.order_by(Submission.received_at.desc(), Submission.id).limit(limit)
    return list((await uow.session.execute(query)).scalars())


async def get_submission(*, uow: UnitOfWork, submission_id: str) -> Submission:
    """One submission, or not found."""
    submission = await uow.session.get(Submission, submission_id)
    if submission is None:
        raise NotFoundError(f"submission {submission_id} not found")
    return submission


async def release_submission(*, uow: UnitOfWork, submission_id: str, principal: Principal) -> Submission:
    """Take a submission out of quarantine: it is emitted again and processed as a normal lead."""
    submission = await get_submission(uow=uow, submission_id=submission_id)
    if submission.status != "quarantined":
        raise ConflictError(f"submission {submission_id} is {submission.status}, not quarantined")
    form = await get_form(uow=uow, form_id=submission.form_id)
    submission.status, submission.released_by = "released", principal.user_id
    uow.emit(received_event(form, submission, released=True))
    await uow.commit()
    return submission


async def _find_existing(
    uow: UnitOfWork, key: str, form_id: str, print_: str, now: datetime
) -> Submission | None:
    found = (await uow.session.execute(select(Submission).where(Submission.idempotency_key == key))).scalar()
    if found is not None:
        return found
    recent = (
        select(Submission)
        .where(
            Submission.form_id == form_id,
            Submission.fingerprint == print_,
            Submission.received_at >= now - DEDUPE_WINDOW,
        )
        .limit(1)
    )
    return (await uow.session.execute(recent)).scalar()


def idempotency_key_of(form_id: str, header: str | None, print_: str, now: datetime) -> str:
    """The unique key of a post: the client's Idempotency-Key, else the fingerprint in its 10-minute slot."""
    if header:
        return f"key:{form_id}:{header}"
    # the slot first: a new key lands among the current slot's, not anywhere in the whole history's index
    return f"fp:{int(now.timestamp() // DEDUPE_WINDOW.total_seconds())}:{print_}"
