"""The request body cap's 413 as problem details.

FastAPI caps bodies itself (`max_body_size`, app-wide or per route), but its 413 is Starlette's plain-text
"Content Too Large", sent past every exception handler (and it replaces whatever the app answers when the
declared Content-Length is over the cap). This layer, outside that cap, sends a problem instead.
"""

from starlette.datastructures import Headers
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.http.problems import problem


class BodyCapProblem:
    """Turns the body cap's plain-text 413 into a 413 problem naming the limit."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        capped = False

        async def send_problem(message: Message) -> None:
            nonlocal capped
            if message["type"] == "http.response.start":
                capped = message["status"] == 413 and Headers(raw=message["headers"]).get(
                    "content-type", "").startswith("text/plain")
            if not capped:
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
                detail = f"The body is over the {limit} byte limit." if limit else "The body is too large."
                await problem(413, "Content Too Large", detail, Request(scope))(scope, receive, send)

        await self.app(scope, receive, send_problem)
