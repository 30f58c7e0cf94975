"""Prospect use cases: import a purchased list (validated, deduplicated, in batches), verify into a lead."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from crm_shared.auth import Principal
from crm_shared.events.base import utcnow
from crm_shared.events.marketing import ProspectImportedV1, ProspectVerifiedV1
from crm_shared.http.problems import ConflictError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.models import Lead, LeadInteraction
from leads.processing.service import find_duplicate, new_lead
from leads.prospects.domain import RowError, read_row
from leads.prospects.models import Prospect

BATCH = 500
PROSPECT_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "company_domain",
    "website",
    "title",
    "region",
    "industry",
)


@dataclass
class ImportReport:
    """What an import did, row by row where it did not import."""

    imported: int = 0
    duplicates: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


async def import_rows(
    *,
    uow_factory: Callable[[], UnitOfWork],
    rows: Iterable[tuple[int, dict]],
    columns: dict[str, str],
    list_name: str,
    campaign: str | None,
    region: str,
    on_row: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Validate, dedupe (within the file, against prospects and leads) and store rows, a batch per commit."""
    report, seen, batch = ImportReport(), set(), []
    for number, raw in rows:
        values, errors = read_row(number, raw, columns, region)
        report.errors.extend(errors)
        if values is not None:
            batch.append((number, values))
        if len(batch) >= BATCH:
            await _store(uow_factory, batch, seen, list_name, campaign, report)
            batch = []
        on_row()
    if batch:
        await _store(uow_factory, batch, seen, list_name, campaign, report)
    return report


async def _store(
    uow_factory, batch, seen: set, list_name: str, campaign: str | None, report: ImportReport
) -> None:
    emails = {v["email"] for _, v in batch if v["email"]}
    phones = {v["phone"] for _, v in batch if v["phone"]}
    async with uow_factory() as uow:
        known = set()
        for model in (Prospect, Lead):
            found = await uow.session.execute(
                select(model.email, model.phone).where(or_(model.email.in_(emails), model.phone.in_(phones)))
            )
            for email, phone in found:
                known.update({("email", email), ("phone", phone)})
        now = utcnow()
        for number, values in batch:
            keys = {("email", values["email"]), ("phone", values["phone"])} - {
                ("email", None),
                ("phone", None),
            }
            clash = next((key for key in sorted(keys) if key in known or key in seen), None)
            if clash:
                where = "an existing prospect or lead" if clash in known else "an earlier row"
                report.duplicates.append(RowError(number, clash[0], f"same {clash[0]} as {where}"))
                continue
            seen.update(keys)
            prospect = Prospect(
                id=new_id(),
                list_name=list_name,
                row_number=number,
                campaign=campaign,
                status="unverified",
                imported_at=now,
                **values,
            )
            uow.session.add(prospect)
            uow.emit(ProspectImportedV1(**_facts(prospect), occurred_at=now, row_number=number))
            report.imported += 1
        await uow.commit()


async def list_prospects(
    *, uow: UnitOfWork, list_name: str | None, status: str | None, limit: int
) -> list[Prospect]:
    """Prospects in import order."""
    query = select(Prospect)
    if list_name:
        query = query.where(Prospect.list_name == list_name)
    if status:
        query = query.where(Prospect.status == status)
    query = query.order_by(Prospect.imported_at, Prospect.row_number).limit(limit)
    return list((await uow.session.execute(query)).scalars())


async def verify_prospect(
    *, uow: UnitOfWork, prospect_id: str, principal: Principal, first_contact_minutes: int
) -> Prospect:
    """A person confirmed the prospect: it becomes a lead (scored and routed), or joins its duplicate."""
    prospect = await uow.session.get(Prospect, prospect_id)
    if prospect is None:
        raise NotFoundError(f"prospect {prospect_id} not found")
    if prospect.status == "verified":
        raise ConflictError(f"prospect {prospect_id} is already verified as lead {prospect.lead_id}")
    values = {f: getattr(prospect, f) for f in PROSPECT_FIELDS}
    lead, _ = await find_duplicate(uow, values)
    now = utcnow()
    created = lead is None
    if lead is None:
        lead = await new_lead(
            uow=uow,
            values=values,
            source="purchased_list",
            campaign=prospect.campaign,
            custom_fields={},
            visitor_id=None,
            default_team_id=None,
            first_contact_minutes=first_contact_minutes,
            now=now,
        )
    uow.session.add(
        LeadInteraction(
            id=new_id(),
            lead_id=lead.id,
            channel="other",
            kind="prospect_verified",
            occurred_at=now,
            summary=f"Prospect from list {prospect.list_name} (row {prospect.row_number}) verified",
            data={"prospect_id": prospect.id, "verified_by": principal.user_id},
        )
    )
    prospect.status, prospect.lead_id = "verified", lead.id
    uow.emit(
        ProspectVerifiedV1(
            **_facts(prospect),
            occurred_at=now,
            lead_id=lead.id,
            new_lead=created,
            verified_by=principal.user_id,
            imported_at=prospect.imported_at,
        )
    )
    await uow.commit()
    return prospect


def _facts(prospect: Prospect) -> dict:
    """What the prospect events tell reporting (no personal data: counted by list, campaign, region)."""
    return {
        "aggregate_id": prospect.id,
        "list_name": prospect.list_name,
        "campaign": prospect.campaign,
        "region": prospect.region,
        "industry": prospect.industry,
    }
