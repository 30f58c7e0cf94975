"""The request body cap's 413 as problem details.

FastAPI caps bodies itself (`max_body_size`, app-wide or per route), but its 413 is Starlette's plain-text
"Content Too Large" when the declared Content-Length is over the cap, sent past every exception handler
(it replaces whatever the app answers). This layer, outside that cap, sends a problem instead. A streamed
body that passes the cap raises an HTTPException(413), which the problem handlers answer alike.
"""

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.http.problems import problem, too_large


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
                capped = message["status"] == 413 and Headers(raw=message.get("headers", [])).get(
                    "content-type", "").startswith("text/plain")
            if not capped:
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                answer = problem(413, "Content Too Large", too_large(scope), Request(scope))
                await answer(scope, receive, send)

        await self.app(scope, receive, send_problem)
