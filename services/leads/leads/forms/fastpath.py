"""The public intake as a plain ASGI route in front of FastAPI's router.

A form post is the hot path (issue: thousands of durable posts per second on one worker). Through
FastAPI, routing over every route, dependency solving and the exception/exit-stack layers cost about as
much CPU as the post's own checks. This middleware answers `POST /forms/{form_id}/submissions` itself
with the very same use case (`accept_post`); the FastAPI route stays declared, for the OpenAPI document
and as the fallback when the middleware is not installed.
"""

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from leads.forms.public import accept_post

PATH = re.compile(r"/forms/([^/]+)/submissions")


class IntakeFastPath:
    """Answers public form posts directly; everything else goes on to the app."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = PATH.fullmatch(scope["path"])
            if match is not None:
                request = Request(scope, receive)
                uow = request.app.state.ctx.uow()
                response = await accept_post(form_id=match.group(1), request=request, uow=uow)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
