"""CSV files uploaded to an API: read within a size cap, decoded, and parsed whole before anything is
stored, so a file that cannot be read is one 422 on `file` (never a 500, never half an import)."""

import csv
import io
from collections.abc import Callable

from fastapi import UploadFile

from crm_shared.http.problems import InvalidError

MAX_BYTES, MAX_ROWS = 5 * 1024 * 1024, 10_000
ANY_SIZE = "(the command-line import takes any size)"
UPLOAD = MAX_BYTES + 64 * 1024  # the request's cap: the file and its multipart framing


async def upload_text(file: UploadFile) -> str:
    """The file's UTF-8 text (a byte-order mark dropped); 422 on `file` if larger than `MAX_BYTES`."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidError(f"the file is larger than 5 MB {ANY_SIZE}", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidError("the file is not UTF-8 text", field="file") from error
    if "\x00" in text:  # the csv module passes it on, and PostgreSQL refuses it in text
        raise InvalidError("the file holds a NUL character: not CSV text", field="file")
    return text


def csv_rows(
    text: str, header_error: Callable[[list[str]], str | None]
) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV text; 422 on `file` when `header_error(header)` names what the header
    lacks, when a row cannot be read (e.g. a cell over the csv module's 128 KB limit), or over `MAX_ROWS`."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = list(reader.fieldnames or [])
        problem = header_error(header)
        if problem:
            raise InvalidError(problem, field="file")
        rows = []
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise InvalidError(f"at most {MAX_ROWS} rows per upload {ANY_SIZE}", field="file")
            rows.append(row)
    except csv.Error as error:
        reason = f"the file is not readable CSV (line {reader.line_num}): {error}"
        raise InvalidError(reason, field="file") from error
    return header, rows
