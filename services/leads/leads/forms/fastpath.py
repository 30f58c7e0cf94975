"""The public intake as a plain ASGI route in front of FastAPI.

A form post is the hot path (issue: thousands of durable posts per second on one worker). Through
FastAPI, routing over every route, dependency solving and the exception/exit-stack layers cost about as
much CPU as the post's own checks. This layer answers `POST /forms/{form_id}/submissions` itself with the
very same use case (`accept_post`), in front of all of FastAPI's middleware (`ServiceSpec.middleware`), so
it answers an unexpected error itself as the app would (a logged 500 problem; with `telemetry` on, such an
error is logged but not recorded on the request's span, which FastAPI's layer did). The FastAPI route stays
declared, for the OpenAPI document and as the fallback when the layer is not installed.
"""

import logging
import re

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from leads.forms.public import accept_post, unexpected_error

log = logging.getLogger(__name__)
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
                try:
                    response = await accept_post(form_id=match.group(1), request=request, uow=uow)
                except Exception:  # noqa: BLE001 - as the app's own handler: logged, a 500 problem
                    log.exception("unexpected error in the public intake")
                    response = unexpected_error(scope["path"])
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
