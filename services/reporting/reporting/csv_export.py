"""CSV answers: every report can be exported as `text/csv`."""

import csv
import io
from collections.abc import Iterable, Sequence

from fastapi.responses import Response


def csv_response(header: Sequence[str], rows: Iterable[Sequence], filename: str) -> Response:
    """A CSV download (UTF-8 with BOM so spreadsheet tools read Chinese text correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
