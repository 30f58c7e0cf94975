"""CSV import and export of accounts and contacts: per-row errors, dedupe by domain, email and phone,
the same visibility as the lists, custom fields as `cf_<key>` columns."""

import csv
import io
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.http.problems import InvalidError
from crm_shared.http.uploads import csv_rows
from crm_shared.messaging.uow import UnitOfWork
from sales.customers.accounts import ACCOUNT_FIELDS, add_account
from sales.customers.contacts import CONTACT_FIELDS, add_contact
from sales.customers.models import Account, Contact, ContactPoint
from sales.customers.schemas import AccountCreate, ContactCreate
from sales.ownership import visible

LIST_SEPARATOR = ";"
LIST_COLUMNS = {"phones", "emails"}
ACCOUNT_COLUMNS = (
    "name",
    "domain",
    "industry",
    "size",
    "region",
    "tier",
    "status",
    "owner_id",
    "parent_account_id",
    "phones",
)
CONTACT_COLUMNS = ("name", "account_id", "title", "emails", "phones", "key_person", "owner_id")


class RowError(BaseModel):
    """Why one row of an import was not taken (row 1 is the first line after the header)."""

    row: int
    field: str
    reason: str


class ImportResult(BaseModel):
    """What an import did."""

    total: int
    created: int
    duplicates: int
    created_ids: list[str]
    errors: list[RowError]


def parse_csv(text: str) -> list[dict[str, str]]:
    """The rows of a CSV with a header line that names at least `name` (422 on `file` otherwise)."""
    return csv_rows(text, _needs_name)[1]


def _needs_name(header: list[str]) -> str | None:
    return None if "name" in header else "the first line must be a header with at least a `name` column"


def _record(row: dict[str, str], columns: tuple[str, ...]) -> dict[str, Any]:
    """A CSV row as the create schema's input: empty cells left out, lists split, custom fields gathered."""
    record: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for column, cell in row.items():
        cell = (cell or "").strip()
        if not column or not cell:
            continue
        if column.startswith("cf_"):
            custom[column[3:]] = _custom_cell(cell)
        elif column in LIST_COLUMNS:
            record[column] = [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
        elif column in columns:
            record[column] = cell.lower() in ("1", "true", "yes", "y") if column == "key_person" else cell
    if custom:
        record["custom_fields"] = custom
    return record


def _custom_cell(cell: str) -> Any:
    if LIST_SEPARATOR in cell:
        return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    if cell.lstrip("-").isdigit():
        return int(cell)
    return float(cell) if _is_float(cell) else cell


def _is_float(cell: str) -> bool:
    head, dot, tail = cell.lstrip("-").partition(".")
    return bool(dot) and head.isdigit() and tail.isdigit()


async def import_accounts(
    *, uow: UnitOfWork, principal: Principal, rows: list[dict[str, str]], now: datetime, first_row: int = 1
) -> ImportResult:
    """Create the accounts of a CSV; a row whose domain or phone is already known (or earlier in the file)
    is a duplicate; a bad row is reported and skipped; the good rows commit together with their events."""
    result = ImportResult(total=len(rows), created=0, duplicates=0, created_ids=[], errors=[])
    seen_domains, seen_phones = set(), set()
    for number, row in enumerate(rows, start=first_row):
        data = await _parse(AccountCreate, _record(row, ACCOUNT_COLUMNS), number, result)
        if data is None:
            continue
        phones = set(data.phones)
        if (data.domain and (data.domain in seen_domains or await _known_domain(uow, data.domain))) or (
            phones & seen_phones or await _known(uow, "phone", phones, ContactPoint.account_id)
        ):
            result.duplicates += 1
            continue
        seen_domains |= {data.domain} - {None}
        seen_phones |= phones
        await _create(
            result,
            number,
            add_account(
                uow=uow, principal=principal, now=now, data=data.model_copy(update={"source_type": "import"})
            ),
        )
    await uow.commit()
    return result


async def import_contacts(
    *, uow: UnitOfWork, principal: Principal, rows: list[dict[str, str]], now: datetime, first_row: int = 1
) -> ImportResult:
    """Create the contacts of a CSV; one sharing an email or phone with a known contact (or an earlier row)
    is a duplicate; a bad row is reported and skipped."""
    result = ImportResult(total=len(rows), created=0, duplicates=0, created_ids=[], errors=[])
    seen: set[str] = set()
    for number, row in enumerate(rows, start=first_row):
        data = await _parse(ContactCreate, _record(row, CONTACT_COLUMNS), number, result)
        if data is None:
            continue
        points = set(data.emails) | set(data.phones)
        if (
            points & seen
            or await _known(uow, "email", set(data.emails), ContactPoint.contact_id)
            or await _known(uow, "phone", set(data.phones), ContactPoint.contact_id)
        ):
            result.duplicates += 1
            continue
        seen |= points
        await _create(
            result,
            number,
            add_contact(
                uow=uow, principal=principal, now=now, data=data.model_copy(update={"source_type": "import"})
            ),
        )
    await uow.commit()
    return result


async def _parse(schema: type[BaseModel], record: dict, number: int, result: ImportResult):
    try:
        return schema.model_validate(record)
    except ValidationError as error:
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "row"
            result.errors.append(RowError(row=number, field=field, reason=item["msg"]))
        return None


async def _create(result: ImportResult, number: int, creation) -> None:
    try:
        record = await creation
    except InvalidError as error:
        result.errors.append(RowError(row=number, field=error.field or "row", reason=error.detail))
        return
    result.created += 1
    result.created_ids.append(record.id)


async def _known_domain(uow: UnitOfWork, domain: str) -> bool:
    found = await uow.session.execute(
        select(Account.id).where(Account.domain == domain, Account.deleted_at.is_(None)).limit(1)
    )
    return found.first() is not None


async def _known(uow: UnitOfWork, kind: str, values: set[str], column) -> bool:
    if not values:
        return False
    found = await uow.session.execute(
        select(ContactPoint.id)
        .where(ContactPoint.kind == kind, ContactPoint.value.in_(values), column.is_not(None))
        .limit(1)
    )
    return found.first() is not None


async def export_accounts(*, uow: UnitOfWork, principal: Principal) -> str:
    """Every account the caller may see, as CSV (custom fields as `cf_<key>` columns)."""
    found = await uow.session.execute(visible(Account, principal).order_by(Account.created_at, Account.id))
    return _csv(list(found.scalars()), ("id", *ACCOUNT_FIELDS))


async def export_contacts(*, uow: UnitOfWork, principal: Principal) -> str:
    """Every contact the caller may see, as CSV."""
    found = await uow.session.execute(visible(Contact, principal).order_by(Contact.created_at, Contact.id))
    return _csv(list(found.scalars()), ("id", *CONTACT_FIELDS))


def _csv(records: list, fields: tuple[str, ...]) -> str:
    plain = [f for f in fields if f != "custom_fields"]
    custom_keys = sorted({key for r in records for key in (r.custom_fields or {})})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*plain, *(f"cf_{key}" for key in custom_keys)])
    for record in records:
        custom = record.custom_fields or {}
        writer.writerow(
            [_cell(getattr(record, f)) for f in plain] + [_cell(custom.get(k)) for k in custom_keys]
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
