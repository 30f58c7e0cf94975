"""Secrets in query strings (`?token=<JWT>`, the dashboard stream's ticket) never reach the access log."""

import asyncio
import contextlib
import io
import logging
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from uvicorn.logging import AccessFormatter

from crm_shared.http.access_log import ACCESS_LOGGER, QuerySecretFilter, redact_access_log, redact_query
from crm_shared.service import create_service_app
from crm_shared.settings import KafkaSettings
from minisvc import make_context

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl"


@contextlib.contextmanager
def access_log() -> Iterator[io.StringIO]:
    """What uvicorn's access logger writes while the block runs, formatted as uvicorn formats it."""
    logger = logging.getLogger(ACCESS_LOGGER)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    )
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/stream?ticket={JWT}", "/stream?ticket=[redacted]"),
        (f"/stream?token={JWT}", "/stream?token=[redacted]"),
        (f"/stream?since=5&TOKEN={JWT}&view=live", "/stream?since=5&TOKEN=[redacted]&view=live"),
        (f"/x?Access_Token={JWT}&a=1", "/x?Access_Token=[redacted]&a=1"),
        (f"/x?to%6Ben={JWT}", "/x?to%6Ben=[redacted]"),  # the name as the server decodes it
        ("/x?tokens=1&page_token=2&token", "/x?tokens=1&page_token=2&token"),  # other names, no value
        ("/reports/dashboard", "/reports/dashboard"),
        ("/x?password=ab?cd&a=1", "/x?password=[redacted]&a=1"),  # a `?` in a value is part of it
    ],
)
def test_redact_query(path, expected):
    assert redact_query(path) == expected


def test_an_access_record_is_logged_without_the_token_and_with_the_rest():
    redact_access_log()
    with access_log() as out:
        # exactly the call uvicorn's protocols make at the end of a request
        logging.getLogger(ACCESS_LOGGER).info(
            '%s - "%s %s HTTP/%s" %d',
            "10.0.0.7:51234",
            "GET",
            f"/stream?since=5&token={JWT}&view=live",
            "1.1",
            200,
        )
    line = out.getvalue()
    assert JWT not in line
    assert line == '10.0.0.7:51234 - "GET /stream?since=5&token=[redacted]&view=live HTTP/1.1" 200 OK\n'


async def test_a_service_served_by_uvicorn_logs_requests_without_their_token(sqlite_url):
    template = make_context(sqlite_url, KafkaSettings())
    app = create_service_app(template.spec, template.settings)
    create_service_app(template.spec, template.settings)  # a second app in the process: still one filter
    filters = logging.getLogger(ACCESS_LOGGER).filters
    assert sum(isinstance(f, QuerySecretFilter) for f in filters) == 1

    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None, access_log=True)
    server = uvicorn.Server(config)
    with access_log() as out:
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                assert not task.done(), "uvicorn did not start"
                await asyncio.sleep(0.02)
            port = server.servers[0].sockets[0].getsockname()[1]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                response = await client.get("/healthz", params={"since": "5", "token": JWT, "view": "live"})
            assert response.status_code == 200
        finally:
            server.should_exit = True
            await task
            await app.state.ctx.engine.dispose()
    line = out.getvalue()
    assert JWT not in line
    assert '"GET /healthz?since=5&token=[redacted]&view=live HTTP/1.1" 200' in line
