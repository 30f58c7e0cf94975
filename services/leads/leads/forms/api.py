"""HTTP routes of forms (admin), the public submission endpoint and the quarantine."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.service import UowDep
from leads.forms import service
from leads.forms.public import accept_post
from leads.forms.schemas import FormCreate, FormRead, FormUpdate, SubmissionAccepted, SubmissionRead

Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]

router = APIRouter(prefix="/forms", tags=["forms"])
public = APIRouter(tags=["public intake"])
quarantine = APIRouter(prefix="/quarantine", tags=["quarantine"])
submissions = APIRouter(prefix="/submissions", tags=["forms"])


@router.post("", status_code=201)
async def create_form(data: FormCreate, uow: UowDep, _: Manager) -> FormRead:
    """Configure a new web form."""
    async with uow:
        return FormRead.model_validate(await service.create_form(uow=uow, data=data))


@router.get("")
async def list_forms(uow: UowDep, _: Manager) -> list[FormRead]:
    """Every form."""
    async with uow:
        return [FormRead.model_validate(form) for form in await service.list_forms(uow=uow)]


@router.get("/{form_id}")
async def read_form(form_id: str, uow: UowDep, _: Manager) -> FormRead:
    """One form."""
    async with uow:
        return FormRead.model_validate(await service.get_form(uow=uow, form_id=form_id))


@router.put("/{form_id}")
async def update_form(form_id: str, data: FormUpdate, request: Request, uow: UowDep, _: Manager) -> FormRead:
    """Replace a form's configuration."""
    async with uow:
        form = FormRead.model_validate(await service.update_form(uow=uow, form_id=form_id, data=data))
    request.app.state.forms.invalidate(form_id)
    return form


@router.delete("/{form_id}", status_code=204)
async def delete_form(form_id: str, request: Request, uow: UowDep, _: Manager) -> Response:
    """Deactivate a form."""
    async with uow:
        await service.delete_form(uow=uow, form_id=form_id)
    request.app.state.forms.invalidate(form_id)
    return Response(status_code=204)


@public.post(
    "/forms/{form_id}/submissions",
    status_code=202,
    responses={
        202: {"model": SubmissionAccepted, "description": "an API post: stored (or a retry of a stored one)"},
        303: {"description": "a browser post: see the thank-you URL"},
        413: {"description": "body over the cap"},
        422: {"description": "invalid fields"},
        429: {"description": "rate limited; see Retry-After"},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                "multipart/form-data": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
async def submit_form(form_id: str, request: Request, uow: UowDep) -> Response:
    """Public: a website's form post (form-encoded, multipart or JSON), stored before it is answered."""
    return await accept_post(form_id=form_id, request=request, uow=uow)


@quarantine.get("")
async def list_quarantine(
    uow: UowDep,
    _: Manager,
    form_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SubmissionRead]:
    """Submissions held as spam, with the reason."""
    async with uow:
        return [
            SubmissionRead.model_validate(s)
            for s in await service.list_quarantine(uow=uow, form_id=form_id, limit=limit)
        ]


@quarantine.post("/{submission_id}/release")
async def release(submission_id: str, uow: UowDep, principal: Manager) -> SubmissionRead:
    """Release a quarantined submission: it is processed as a normal lead."""
    async with uow:
        submission = await service.release_submission(
            uow=uow, submission_id=submission_id, principal=principal
        )
        return SubmissionRead.model_validate(submission)


@submissions.get("/{submission_id}")
async def read_submission(submission_id: str, uow: UowDep, _: Manager) -> SubmissionRead:
    """One submission: its status and, once processed, its lead."""
    async with uow:
        return SubmissionRead.model_validate(
            await service.get_submission(uow=uow, submission_id=submission_id)
        )
