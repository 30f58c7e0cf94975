"""The public post: protections in order of cost, then one durable append, then the answer."""

from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import ClientDisconnect
from starlette.types import Scope

from crm_shared.messaging.uow import UnitOfWork
from leads.forms import pages, service
from leads.forms.batch import Post
from leads.forms.domain import FieldError, origin_allowed, spam_reason, split_post, validate
from leads.forms.intake import BodyTooLarge, UnreadableBody, parse_body, read_capped
from leads.forms.messages import language, message

PROBLEM = "application/problem+json"


async def accept_post(*, form_id: str, request: Request, uow: UnitOfWork) -> Response:
    """Check, store once, and answer a form post (303 for a browser, 202 for an API client)."""
    state, settings = request.app.state, request.app.state.settings
    headers = _headers(request.scope)  # one pass over the raw headers; a dozen lookups follow
    lang, path = language(headers.get("accept-language")), request.scope["path"]
    ip = _client_ip(request, headers, settings.intake.trust_forwarded_for)
    if (wait := await state.limiter.check_ip("submit", ip)) is not None:
        return _problem(
            429,
            "Too many requests",
            f"Too many posts from {ip}; retry later.",
            path,
            headers={"Retry-After": str(wait)},
        )
    try:
        form = await state.forms.get(form_id, lambda: service.active_form_view(uow=uow, form_id=form_id))
        if form is None:
            return _problem(404, "Not found", f"form {form_id} not found", path)
        if (wait := await state.limiter.check_form(form.id, form.rate_limit)) is not None:
            return _problem(
                429,
                "Too many requests",
                "This form is receiving too many posts.",
                path,
                headers={"Retry-After": str(wait)},
            )
        if not origin_allowed(list(form.allowed_origins), headers.get("origin")):
            return _problem(403, "Forbidden", "This origin may not post to this form.", path)
        body = await read_capped(request.receive, headers, settings.intake.max_body_bytes)
        raw = await parse_body(headers, body)
        now = state.clock()
        spam = spam_reason(raw, form.honeypot_field, form.min_fill_seconds, int(now.timestamp() * 1000))
        posted = split_post(raw, form.field_mapping, form.honeypot_field)
        cookie = request.cookies.get(settings.intake.visitor_cookie) if "cookie" in headers else None
        posted.visitor_id = (cookie or posted.visitor_id or "")[:100] or None
        posted.page_url = (posted.page_url or headers.get("referer") or "")[:2000] or None
        posted.referrer = (posted.referrer or "")[:2000] or None
        if spam is None:
            errors = validate(
                raw, posted, list(form.required_fields), form.field_mapping, settings.default_region, lang
            )
            if errors:
                return _invalid(errors, lang, path, _is_browser(headers), form.error_url)
        submission_id, duplicate = await state.intake.submit(
            Post(
                form=form,
                posted=posted,
                idempotency_key=(headers.get("idempotency-key", "").strip()[:200] or None),
                quarantine_reason=spam,
                client_ip=ip,
                now=now,
            )
        )
    except BodyTooLarge:
        limit = settings.intake.max_body_bytes
        return _problem(413, "Content too large", f"The body is over the {limit} byte limit.", path)
    except UnreadableBody as error:
        if error.unsupported:
            return _problem(
                415,
                "Unsupported media type",
                f"Cannot read {error.kind}; send form-urlencoded, multipart/form-data or JSON.",
                path,
            )
        return _invalid(
            [FieldError("body", "invalid_body", message("invalid_body", lang, kind=error.kind))],
            lang,
            path,
            _is_browser(headers),
            None,
        )
    except ClientDisconnect:
        return Response(status_code=400)  # the client left mid-body: nothing was stored, nobody to answer
    except SQLAlchemyError:
        return _problem(
            503,
            "Service unavailable",
            "The submission could not be stored; retry.",
            path,
            headers={"Retry-After": "1"},
        )
    if _is_browser(headers):
        if form.thank_you_url:
            return RedirectResponse(form.thank_you_url, status_code=303)
        return pages.thank_you(lang)
    return Response(accepted_json(submission_id, duplicate), status_code=202, media_type="application/json")


def accepted_json(submission_id: str, duplicate: bool) -> str:
    """`SubmissionAccepted(id=..., duplicate=...).model_dump_json()`, written directly (half the cost of
    the model: the id is a UUID's text, with nothing to escape)."""
    return f'{{"id":"{submission_id}","status":"accepted","duplicate":{"true" if duplicate else "false"}}}'


def unexpected_error(path: str) -> Response:
    """The answer to a bug: a 500 problem, as the app's handler of unexpected errors gives."""
    return _problem(500, "Internal error", "An unexpected error occurred; it has been logged.", path)


def client_ip(request: Request, trust_forwarded_for: bool) -> str:
    """The caller's address (the first X-Forwarded-For hop only behind a trusted proxy)."""
    return _client_ip(request, request.headers, trust_forwarded_for)


def _client_ip(request: Request, headers: Mapping[str, str], trust_forwarded_for: bool) -> str:
    forwarded = headers.get("x-forwarded-for")
    if trust_forwarded_for and forwarded:
        return forwarded.split(",")[0].strip()[:64]
    client = request.scope.get("client")
    return client[0] if client else "unknown"


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (the first of repeated ones, as Starlette's `get`)."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(scope["headers"])}


def _is_browser(headers: Mapping[str, str]) -> bool:
    return "text/html" in headers.get("accept", "")


def _invalid(
    errors: list[FieldError], lang: str, path: str, browser: bool, error_url: str | None
) -> Response:
    """A browser gets the form's error page (303) or a page of ours; an API client a 422 problem."""
    if browser and error_url:
        query = urlencode({"errors": ",".join(e.field for e in errors)})
        return RedirectResponse(f"{error_url}{'&' if '?' in error_url else '?'}{query}", status_code=303)
    if browser:
        return pages.invalid(errors, lang)
    items = [{"field": e.field, "code": e.code, "reason": e.reason} for e in errors]
    return _problem(
        422,
        "Validation failed",
        message("title", lang),
        path,
        errors=items,
        headers={"Content-Language": lang},
    )


def _problem(
    status: int, title: str, detail: str, path: str, headers: dict | None = None, **extra
) -> Response:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)
