"""Secrets in query strings stay out of the access log: `?token=<JWT>` is logged as `?token=[redacted]`.

The live dashboard's EventSource cannot send headers, so its URL carries a short-lived stream ticket
(never the access token), and uvicorn's access log writes every URL in full: a ticket, or a token some
other client put in a URL, is redacted too. The filter rewrites the record itself, so every handler and
formatter of the logger sees only the redacted line.
"""

import logging
import re
from urllib.parse import unquote_plus

ACCESS_LOGGER = "uvicorn.access"
# compared with the decoded, lower-cased parameter name
SENSITIVE_QUERY_PARAMETERS = frozenset(
    {"token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "password", "secret",
     "ticket"}
)
REDACTED = "[redacted]"
# a name=value pair that follows `?` or `&`; the value stops at the next pair, a fragment or a blank (a
# `?` inside a value is part of it, as Starlette reads it)
_PAIR = re.compile(r"(?<=[?&])([^=&?#\s]+)=([^&#\s]*)")


def redact_query(text: str) -> str:
    """`text` with the value of every sensitive query parameter replaced, all else unchanged."""
    if "?" not in text:
        return text
    return _PAIR.sub(_redact_pair, text)


def _redact_pair(match: re.Match[str]) -> str:
    name = match[1]
    return f"{name}={REDACTED}" if unquote_plus(name).lower() in SENSITIVE_QUERY_PARAMETERS else match[0]


class QuerySecretFilter(logging.Filter):
    """Redacts sensitive query parameters in a record's arguments (uvicorn passes the path and query as
    one: `(client_addr, method, full_path, http_version, status_code)`) and in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(arg, str) and "?" in arg for arg in args):
            record.args = tuple(redact_query(arg) if isinstance(arg, str) else arg for arg in args)
        if isinstance(record.msg, str):
            record.msg = redact_query(record.msg)
        return True


def redact_access_log() -> None:
    """Install the filter on uvicorn's access logger, once per process (logger filters survive
    uvicorn's own logging configuration, which runs before the app factory)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, QuerySecretFilter) for existing in logger.filters):
        logger.addFilter(QuerySecretFilter())
