"""HTTP routes of CSV import and export (registered before the record routes: `/accounts/export` is not
an account id)."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from crm_shared.auth import PrincipalDep
from crm_shared.http.uploads import UPLOAD, upload_text
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.transfer import service
from sales.transfer.service import ImportResult

router = APIRouter(tags=["import and export"])
routers = [router]
CsvFile = Annotated[UploadFile, File(description="UTF-8 CSV with a header line")]


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
    text = await upload_text(file)
    async with uow:
        rows = service.parse_csv(text)
        return await service.import_accounts(uow=uow, principal=principal, rows=rows, now=clock.now())


@router.post("/contacts/import", max_body_size=UPLOAD)
async def import_contacts(
    file: CsvFile, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ImportResult:
    """Import contacts from CSV (emails and phones `;`-separated); duplicates by email or phone skipped."""
    text = await upload_text(file)
    async with uow:
        rows = service.parse_csv(text)
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
