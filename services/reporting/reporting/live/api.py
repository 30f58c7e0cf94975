"""The dashboard page, the login proxy to sales, the dashboard JSON and its Server-Sent Events stream."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse

from crm_shared.auth import (
    STREAM,
    InvalidToken,
    Principal,
    PrincipalDep,
    decode_ticket,
    decode_token,
    issue_ticket,
)
from crm_shared.http.query import known_query_only
from crm_shared.service import CtxDep, SnapshotUowDep
from reporting.clock import ClockDep
from reporting.json_answer import json_response
from reporting.live.dashboard import LiveDashboard, dashboard
from reporting.live.hub import EVERYTHING, hub
from reporting.live.language import page_language
from reporting.rates import DEFAULT_BASE

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(tags=["dashboard"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def page(request: Request) -> HTMLResponse:
    """The live dashboard (plain HTML, CSS and JavaScript), in the language the browser asks for."""
    language = page_language(request.headers.get("accept-language", ""))
    html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{lang}}", language)
    return HTMLResponse(html)


class SessionCreate(BaseModel):
    """A login, forwarded to sales: reporting never stores or checks passwords itself."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class SessionRead(BaseModel):
    """The token sales issued, and who it is for."""

    access_token: str
    token_type: str = "bearer"
    user_id: str
    role: str
    name: str


def get_sales_client() -> httpx.AsyncClient:
    """FastAPI dependency: an HTTP client for sales (tests override it with an in-process transport)."""
    return httpx.AsyncClient(timeout=10)


@router.post("/session")
async def create_session(
    body: SessionCreate, request: Request, client: Annotated[httpx.AsyncClient, Depends(get_sales_client)]
) -> SessionRead:
    """Log in through sales' `/auth/token` and hand the token to the page."""
    settings = request.app.state.settings
    async with client:
        try:
            response = await client.post(settings.sales_url.rstrip("/") + "/auth/token",
                                         data={"username": body.username, "password": body.password})
        except httpx.HTTPError as error:
            raise HTTPException(502, f"sales is unreachable: {error.__class__.__name__}") from error
    if response.status_code in (400, 401):
        raise HTTPException(401, "wrong email or password")
    if response.status_code != 200:
        raise HTTPException(502, f"sales answered {response.status_code}")
    token = response.json().get("access_token", "")
    try:
        principal = decode_token(settings.auth, token)
    except InvalidToken as error:
        detail = "sales issued a token reporting cannot verify (JWT secrets differ)"
        raise HTTPException(502, detail) from error
    return SessionRead(access_token=token, user_id=principal.user_id, role=principal.role.value,
                       name=principal.name)


@router.get("/reports/dashboard", response_model=None, dependencies=[Depends(known_query_only)])
async def get_dashboard(
    uow: SnapshotUowDep, principal: PrincipalDep, clock: ClockDep, request: Request
) -> JSONResponse:
    """Everything the dashboard shows, as the caller may see it."""
    settings = request.app.state.settings
    return json_response(await dashboard(uow=uow, principal=principal, now=clock(),
                                         days=settings.dashboard_days, base=settings.base_currency))


class StreamTicket(BaseModel):
    """A ticket that opens the caller's stream within `expires_in` seconds."""

    ticket: str
    expires_in: int


@router.post("/stream/tickets", status_code=201)
async def create_stream_ticket(principal: PrincipalDep, request: Request, response: Response) -> StreamTicket:
    """A short-lived ticket for `GET /stream?ticket=...`: EventSource cannot send the Authorization header,
    and an access token in a URL would reach proxies' access logs and request telemetry."""
    response.headers["Cache-Control"] = "no-store"
    ttl_s = request.app.state.settings.stream_ticket_ttl_s
    return StreamTicket(ticket=issue_ticket(request.app.state.settings.auth, principal, STREAM, ttl_s),
                        expires_in=ttl_s)


@router.get("/stream")
async def stream(
    request: Request,
    ctx: CtxDep,
    clock: ClockDep,
    ticket: Annotated[str, Query(description="A ticket of `POST /stream/tickets` (EventSource cannot send "
                                             "headers), used within its lifetime")],
) -> EventSourceResponse:
    """Server-Sent Events: a `dashboard` event at once and after every change the caller can see."""
    try:
        principal = decode_ticket(request.app.state.settings.auth, ticket, STREAM)
    except InvalidToken as error:
        raise HTTPException(401, f"Invalid ticket: {error}") from error
    settings = request.app.state.settings
    updates = _updates(ctx, principal, clock, settings.stream_poll_s, settings.dashboard_days,
                       settings.base_currency)
    return EventSourceResponse(updates, ping=15)


async def _updates(ctx, principal: Principal, clock, poll_s: float, days: int,
                   base: str = DEFAULT_BASE) -> AsyncIterator[dict]:
    """A push after every change the caller can see; a commit refreshes only the sections it feeds.

    Wake-ups coalesce while a refresh runs, so a burst of commits costs one refresh, not one each. A
    push caused by commits carries an SSE comment (ignored by browsers) with the wall-clock time of the
    earliest of them and of the push: the reporting-side part of the dashboard's freshness.
    """
    subscription = hub.subscribe()
    board = LiveDashboard(principal, days, base=base)
    loop = asyncio.get_running_loop()
    next_tick = loop.time() + poll_s
    last = None
    try:
        while True:
            families, since = subscription.take()
            if loop.time() >= next_tick:  # the tick: catches changes other replicas applied
                families.add(EVERYTHING)
                next_tick = loop.time() + poll_s
            board.invalidate(families)
            body = json.dumps(await board.refresh(ctx.uow(snapshot=True), clock()))
            if body != last:
                update = {"event": "dashboard", "data": body}
                if since is not None:
                    update["comment"] = f"committed={since:.6f} pushed={time.time():.6f}"
                yield update
                last = body
            reps_due = board.reps_due_in()
            timeout = next_tick - loop.time() if reps_due is None else min(reps_due, next_tick - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subscription.wake.wait(), timeout=max(0.0, timeout))
    finally:
        hub.unsubscribe(subscription)
