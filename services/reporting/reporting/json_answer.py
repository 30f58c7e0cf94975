"""JSON answers: reports are plain dicts of JSON values already, rendered as they are (FastAPI's
`jsonable_encoder` walk costs tens of milliseconds on a rep table)."""

from fastapi.responses import JSONResponse


def json_response(answer: dict) -> JSONResponse:
    """The answer as `application/json` (every value is already a str, number, bool, None, list or dict)."""
    return JSONResponse(answer)
