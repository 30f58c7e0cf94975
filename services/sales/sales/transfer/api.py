"""HTTP routes of CSV import and export (registered before the record routes: `/accounts/export` is not
an account id)."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from crm_shared.auth import PrincipalDep
from crm_shared.http.problems import InvalidError
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.transfer import service
from sales.transfer.service import ImportResult

MAX_BYTES, MAX_ROWS = 5 * 1024 * 1024, 10_000
UPLOAD = MAX_BYTES + 64 * 1024  # the request's cap: the file and its multipart framing
router = APIRouter(tags=["import and export"])
routers = [router]
CsvFile = Annotated[UploadFile, File(description="UTF-8 CSV with a header line")]


async def _text(file: UploadFile) -> str:
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidError("the file is larger than 5 MB", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidError("the file is not UTF-8 text", field="file") from error


def _limited(rows: list) -> list:
    if len(rows) > MAX_ROWS:
        raise InvalidError(f"at most {MAX_ROWS} rows per upload (the CLI takes any size)", field="file")
    return rows


def _csv_response(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.post("/accounts/import", max_body_size=UPLOAD)
async def import_accounts(
    file: CsvFile, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ImportResult:
    """Import accounts from CSV (phones `;`-separated, custom fields as `cf_<key>`); duplicates by domain
    or phone are skipped, bad rows reported."""
    text = await _text(file)
    async with uow:
        rows = _limited(service.parse_csv(text))
        return await service.import_accounts(uow=uow, principal=principal, rows=rows, now=clock.now())


@router.post("/contacts/import", max_body_size=UPLOAD)
async def import_contacts(
    file: CsvFile, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ImportResult:
    """Import contacts from CSV (emails and phones `;`-separated); duplicates by email or phone skipped."""
    text = await _text(file)
    async with uow:
        rows = _limited(service.parse_csv(text))
        return await service.import_contacts(uow=uow, principal=principal, rows=rows, now=clock.now())


@router.get("/accounts/export", response_class=Response)
async def export_accounts(uow: UowDep, principal: PrincipalDep) -> Response:
    """Every account the caller may see, as CSV."""
    async with uow:
        return _csv_response(await service.export_accounts(uow=uow, principal=principal), "accounts")


@router.get("/contacts/export", response_class=Response)
async def export_contacts(uow: UowDep, principal: PrincipalDep) -> Response:
    """Every contact the caller may see, as CSV."""
    async with uow:
        return _csv_response(await service.export_contacts(uow=uow, principal=principal), "contacts")
