"""Reading opportunities whole: stage names, product lines and contact roles, for the API and events."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select

from crm_shared.events.sales import ContactRole, OpportunityLine
from crm_shared.messaging.uow import UnitOfWork
from sales.pipeline.domain import is_stale
from sales.pipeline.models import Opportunity, OpportunityContact, OpportunityLineItem, Stage
from sales.pipeline.schemas import ContactRoleIn, LineIn, LineRead, OpportunityRead

CENT = Decimal("0.01")
SNAPSHOT_FIELDS = (
    "name",
    "account_id",
    "owner_id",
    "team_id",
    "pipeline_id",
    "stage_id",
    "probability",
    "forecast_category",
    "status",
    "amount",
    "currency",
    "expected_close_date",
    "close_reason",
    "competitor",
    "closed_at",
    "source_type",
    "source_id",
    "custom_fields",
)


async def set_lines(uow: UnitOfWork, opportunity_id: str, lines: list[LineIn]) -> None:
    """Replace the opportunity's product lines."""
    await uow.session.execute(
        delete(OpportunityLineItem).where(OpportunityLineItem.opportunity_id == opportunity_id)
    )
    for position, line in enumerate(lines):
        uow.session.add(
            OpportunityLineItem(
                opportunity_id=opportunity_id,
                position=position,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=(line.quantity * line.unit_price).quantize(CENT),
            )
        )


async def set_roles(uow: UnitOfWork, opportunity_id: str, roles: list[ContactRoleIn]) -> None:
    """Replace the contacts' roles on the opportunity."""
    await uow.session.execute(
        delete(OpportunityContact).where(OpportunityContact.opportunity_id == opportunity_id)
    )
    for contact_id, role in {r.contact_id: r.role for r in roles}.items():
        uow.session.add(OpportunityContact(opportunity_id=opportunity_id, contact_id=contact_id, role=role))


async def read_many(
    uow: UnitOfWork, opportunities: list[Opportunity], now: datetime
) -> list[OpportunityRead]:
    """The opportunities as the API shows them, loading their stages, lines and roles in three queries."""
    ids = [o.id for o in opportunities]
    stages = {
        s.id: s
        for s in (
            await uow.session.execute(select(Stage).where(Stage.id.in_({o.stage_id for o in opportunities})))
        ).scalars()
    }
    lines: dict[str, list] = {}
    for line in (
        await uow.session.execute(
            select(OpportunityLineItem)
            .where(OpportunityLineItem.opportunity_id.in_(ids))
            .order_by(OpportunityLineItem.position)
        )
    ).scalars():
        lines.setdefault(line.opportunity_id, []).append(LineRead.model_validate(line))
    roles: dict[str, list] = {}
    for role in (
        await uow.session.execute(
            select(OpportunityContact)
            .where(OpportunityContact.opportunity_id.in_(ids))
            .order_by(OpportunityContact.contact_id)
        )
    ).scalars():
        roles.setdefault(role.opportunity_id, []).append(
            ContactRoleIn(contact_id=role.contact_id, role=role.role)
        )
    return [
        OpportunityRead(
            **{f: getattr(o, f) for f in SNAPSHOT_FIELDS},
            id=o.id,
            stage_name=stages[o.stage_id].name,
            stage_entered_at=o.stage_entered_at,
            stale=is_stale(o.status, o.rots_at, now),
            lines=lines.get(o.id, []),
            contact_roles=roles.get(o.id, []),
            created_at=o.created_at,
            updated_at=o.updated_at,
        )
        for o in opportunities
    ]


async def read_one(uow: UnitOfWork, opportunity: Opportunity, now: datetime) -> OpportunityRead:
    """One opportunity as the API shows it."""
    return (await read_many(uow, [opportunity], now))[0]


async def snapshot(uow: UnitOfWork, opportunity: Opportunity) -> dict:
    """The opportunity's fields as the events carry them."""
    await uow.session.flush()
    read = await read_one(uow, opportunity, opportunity.updated_at)
    stage = await uow.session.get(Stage, opportunity.stage_id)
    return {
        **{f: getattr(opportunity, f) for f in SNAPSHOT_FIELDS},
        "aggregate_id": opportunity.id,
        "stage_name": stage.name,
        "stage_type": stage.type,
        "lines": [OpportunityLine(**line.model_dump()) for line in read.lines],
        "contact_roles": [ContactRole(**role.model_dump()) for role in read.contact_roles],
        "custom_fields": opportunity.custom_fields or {},
    }
