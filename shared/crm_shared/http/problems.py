"""RFC 9457 problem details for every error: the field and the reason, never a bare 500."""

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """A domain or application error that maps to an HTTP status."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail, self.field = detail, field


class NotFoundError(ProblemError):
    """The record does not exist, or the caller may not see it (the same answer for both)."""

    status, title = 404, "Not found"


class ConflictError(ProblemError):
    """The request clashes with the record's current state."""

    status, title = 409, "Conflict"


class InvalidError(ProblemError):
    """A value breaks a rule the schema cannot express."""

    status, title = 422, "Unprocessable content"


class ForbiddenError(ProblemError):
    """The caller's role may not do this."""

    status, title = 403, "Forbidden"


def problem(status: int, title: str, detail: str, request: Request, **extra) -> JSONResponse:
    """A problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def field_errors(error: RequestValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as `{field, reason}` pairs."""
    out = []
    for item in error.errors():
        if item.get("type") == "json_invalid":  # its location is a character offset, not a field
            out.append({"field": "body", "reason": "The body is not valid JSON."})
            continue
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]
        out.append({"field": ".".join(loc) or "body", "reason": item.get("msg", "invalid")})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem details."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        return problem(422, "Validation failed", "The request has invalid fields.", request,
                       errors=field_errors(error))

    @app.exception_handler(ProblemError)
    async def _domain(request: Request, error: ProblemError) -> JSONResponse:
        extra = {"errors": [{"field": error.field, "reason": error.detail}]} if error.field else {}
        return problem(error.status, error.title, error.detail, request, **extra)

    # Starlette's, which routing raises for an unknown path (404) or method (405), and FastAPI's subclass
    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        if not is_body_allowed_for_status_code(error.status_code):  # 204, 304: no body at all
            return Response(status_code=error.status_code, headers=error.headers)
        response = problem(error.status_code, _title(error.status_code), _detail(error, request), request)
        for key, value in (error.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, error: IntegrityError) -> JSONResponse:
        # a constraint the use case did not check first (a reference or a uniqueness): still no 500
        log.warning("integrity error on %s: %s", request.url.path, error.orig)
        return problem(409, "Conflict", "The request conflicts with existing data (a reference or a "
                       "unique value).", request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(500, "Internal error", "An unexpected error occurred; it has been logged.", request)


def _title(status: int) -> str:
    if status == 413:  # RFC 9110's name (Python 3.11 still says "Request Entity Too Large")
        return "Content Too Large"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _detail(error: HTTPException, request: Request) -> str:
    """The exception's detail, or for routing's bare 404 and 405 (detail = the status phrase) one that
    says what was asked."""
    if error.status_code == 413:  # the body cap's, on a streamed body (body_cap.py sends the same)
        return too_large(request.scope)
    if error.detail != HTTPStatus(error.status_code).phrase:
        return str(error.detail)
    if error.status_code == 404:
        return f"Nothing is served at {request.url.path}."
    if error.status_code == 405:
        allowed = (error.headers or {}).get("Allow")  # StaticFiles' 405 names none
        refused = f"{request.method} is not allowed on {request.url.path}"
        return f"{refused}; allowed: {allowed}." if allowed else f"{refused}."
    return str(error.detail)


def too_large(scope: dict) -> str:
    """The detail of a 413: the body cap that applied to the request, where known."""
    limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    return f"The body is over the {limit} byte limit." if limit else "The body is too large."
