"""Channel routes: CTI calls with screen-pop, inbound email and chat webhooks, the public web form."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from crm_shared.http.problems import problem
from service_desk.access import DeskPrincipal, UowDep
from service_desk.channels import calls, inbound, replay, webform
from service_desk.channels.gateway import ChatGateway, EmailGateway
from service_desk.channels.schemas import (
    CallPop,
    CallRead,
    CallStart,
    ContactLink,
    InboundChat,
    InboundEmail,
    InboundResult,
)
from service_desk.clock import ClockDep
from service_desk.customers.card import CustomerCard

router = APIRouter(tags=["channels"])


@router.post("/calls", status_code=201)
async def new_call(
    data: CallStart, request: Request, uow: UowDep, principal: DeskPrincipal, clock: ClockDep
) -> CallPop:
    """A call rings an agent: the caller's card comes back at once (unknown: a create/link card)."""
    async with uow:
        call, card = await calls.start_call(
            uow=uow,
            principal=principal,
            caller=data.caller,
            agent_id=data.agent_id,
            now=clock(),
            region=request.app.state.settings.phone_region,
        )
        await uow.commit()
        return CallPop(call=CallRead.model_validate(call), card=card)


@router.get("/calls/{call_id}")
async def read_call(call_id: str, uow: UowDep, principal: DeskPrincipal) -> CallRead:
    """One call, or 404."""
    async with uow:
        return CallRead.model_validate(await calls.get_call(uow=uow, principal=principal, call_id=call_id))


@router.post("/calls/{call_id}/answered")
async def call_answered(call_id: str, uow: UowDep, principal: DeskPrincipal, clock: ClockDep) -> CallRead:
    """The agent picked the call up."""
    async with uow:
        call = await calls.get_call(uow=uow, principal=principal, call_id=call_id)
        await calls.answer_call(uow=uow, call=call, now=clock())
        await uow.commit()
        return CallRead.model_validate(call)


@router.post("/calls/{call_id}/hangup")
async def call_hangup(call_id: str, uow: UowDep, principal: DeskPrincipal, clock: ClockDep) -> CallRead:
    """The call ended."""
    async with uow:
        call = await calls.get_call(uow=uow, principal=principal, call_id=call_id)
        await calls.hang_up(uow=uow, call=call, now=clock())
        await uow.commit()
        return CallRead.model_validate(call)


@router.post("/calls/{call_id}/contact")
async def call_contact(
    call_id: str, data: ContactLink, uow: UowDep, principal: DeskPrincipal, clock: ClockDep
) -> CustomerCard:
    """From an unknown caller's card: link an existing contact or create one; returns the new card."""
    async with uow:
        call = await calls.get_call(uow=uow, principal=principal, call_id=call_id)
        card = await calls.link_contact(uow=uow, principal=principal, call=call, data=data, now=clock())
        await uow.commit()
        return card


# a 200,000-character body sent with every character escaped is up to ~2.4 MB of JSON (an emoji is a
# \uXXXX\uXXXX pair), with up to 100 references of 500 characters beside it
@router.post("/inbound/email", max_body_size=4 * 1024 * 1024)
async def inbound_email(
    data: InboundEmail, request: Request, uow: UowDep, gateway: EmailGateway, clock: ClockDep
) -> InboundResult:
    """A parsed inbound email (from the mail gateway, body signed): threads into its ticket or opens one;
    the same signed post twice is a 409."""
    async with uow:
        await replay.remember(uow=uow, delivery=gateway, tolerance_s=_tolerance(request), now=clock())
        ticket, created = await inbound.receive_email(uow=uow, mail=data, now=clock())
        await uow.commit()
        return InboundResult(ticket_id=ticket.id, created=created, status=ticket.status)


@router.post("/inbound/chat")
async def inbound_chat(
    data: InboundChat, request: Request, uow: UowDep, gateway: ChatGateway, clock: ClockDep
) -> InboundResult:
    """A chat or WeChat message (signed webhook): threads into the sender's open conversation or opens one;
    the same signed post twice is a 409."""
    async with uow:
        await replay.remember(uow=uow, delivery=gateway, tolerance_s=_tolerance(request), now=clock())
        ticket, created = await inbound.receive_chat(uow=uow, chat=data, now=clock())
        await uow.commit()
        return InboundResult(ticket_id=ticket.id, created=created, status=ticket.status)


def _tolerance(request: Request) -> int:
    return request.app.state.settings.inbound.tolerance_s


@router.post("/forms/ticket", status_code=201, response_model=None)
async def web_ticket_form(request: Request, uow: UowDep, clock: ClockDep) -> JSONResponse:
    """The public web-to-ticket form (form-encoded or JSON, no login)."""
    guard: webform.FormGuard = request.app.state.form_guard
    client_ip = request.client.host if request.client else "unknown"
    try:
        guard.admit(client_ip)
    except webform.TooManyRequests as error:
        response = problem(429, error.title, error.detail, request)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    body = await guard.read_body(request)
    fields = webform.parse_fields(body, request.headers.get("content-type", ""))
    key = webform.idempotency_key(request.headers.get("idempotency-key"), fields)
    try:
        async with uow:
            submission = await webform.submit(
                uow=uow,
                fields=fields,
                key=key,
                honeypot=guard.settings.honeypot_field,
                client_ip=client_ip,
                now=clock(),
            )
            await uow.commit()
            reference = submission.ticket_id or submission.idempotency_key[-12:]
    except IntegrityError:  # the same key committed by a concurrent retry: answer with its outcome
        async with uow:
            submission = await webform.submitted(uow=uow, key=key)
            reference = submission.ticket_id or submission.idempotency_key[-12:]
    return JSONResponse({"status": "received", "reference": reference}, status_code=201)
