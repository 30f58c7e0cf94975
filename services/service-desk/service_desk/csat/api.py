"""Public CSAT routes: a small rating page and its form post, no login (the signed link is the key)."""

from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from service_desk.access import UowDep
from service_desk.clock import ClockDep
from service_desk.csat import service

router = APIRouter(prefix="/csat", tags=["csat"])

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>How did we do?</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 2rem auto">{content}</body></html>"""


def page(content: str, status: int = 200) -> HTMLResponse:
    """A small HTML page."""
    return HTMLResponse(PAGE.format(content=content), status_code=status)


@router.get("/{token}", response_class=HTMLResponse)
async def rating_page(token: str, request: Request, uow: UowDep, clock: ClockDep) -> HTMLResponse:
    """The rating page of a resolved ticket."""
    async with uow:
        ticket = await service.ticket_for_token(
            uow=uow, settings=request.app.state.settings, token=token, now=clock()
        )
        if ticket.csat_rating is not None:
            return page("<h1>Thank you</h1><p>You have already rated this request.</p>")
        choices = "".join(
            f'<label><input type="radio" name="rating" value="{n}" required> {n}</label> '
            for n in range(1, 6)
        )
        return page(
            f"<h1>How did we do?</h1><p>Your request: <strong>{escape(ticket.subject)}</strong></p>"
            f'<form method="post"><p>{choices}</p>'
            '<p><textarea name="comment" rows="4" cols="40" maxlength="2000" '
            'placeholder="Anything to add?"></textarea></p><button type="submit">Send</button></form>'
        )


@router.post("/{token}", response_class=HTMLResponse)
async def submit_rating(
    token: str,
    request: Request,
    uow: UowDep,
    clock: ClockDep,
    rating: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str | None, Form(max_length=2000)] = None,
) -> HTMLResponse:
    """Take the rating (1-5) and a comment, once."""
    async with uow:
        ticket = await service.ticket_for_token(
            uow=uow, settings=request.app.state.settings, token=token, now=clock()
        )
        await service.rate(uow=uow, ticket=ticket, rating=rating, comment=comment, now=clock())
        await uow.commit()
    return page("<h1>Thank you</h1><p>Your rating has been recorded.</p>")
