"""Relation and position-history use cases."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select

from crm_shared.auth import Principal
from crm_shared.events.sales import RelationCreatedV1, RelationEndedV1
from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.customers.models import Account, Contact
from sales.ownership import get_visible
from sales.relations.models import ContactPosition, Relation
from sales.schemas import UtcDatetime

KINDS = {
    "reports_to": "contact",
    "influences": "contact",
    "referred_by": None,
    "partner": "account",
    "competitor": "account",
}
MODELS = {"account": Account, "contact": Contact}


class RelationCreate(BaseModel):
    """A relation from one record to another of the same type (`referred_by` works for both)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["reports_to", "influences", "referred_by", "partner", "competitor"]
    from_type: Literal["account", "contact"]
    from_id: str
    to_id: str
    note: str | None = Field(default=None, max_length=500)


class RelationRead(BaseModel):
    """A relation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    from_type: str
    from_id: str
    to_type: str
    to_id: str
    note: str | None
    created_at: UtcDatetime
    ended_at: UtcDatetime | None


class PositionRead(BaseModel):
    """One span of a contact's company and title."""

    model_config = ConfigDict(from_attributes=True)

    account_id: str | None
    title: str | None
    started_at: UtcDatetime
    ended_at: UtcDatetime | None


async def relate(*, uow: UnitOfWork, principal: Principal, data: RelationCreate, now: datetime) -> Relation:
    """Record a relation between two records the caller sees."""
    if (wanted := KINDS[data.kind]) and wanted != data.from_type:
        raise InvalidError(f"{data.kind} relates {wanted}s", field="kind")
    if data.from_id == data.to_id:
        raise InvalidError("a record cannot relate to itself", field="to_id")
    for field, record_id in (("from_id", data.from_id), ("to_id", data.to_id)):
        try:
            await get_visible(uow, MODELS[data.from_type], record_id, principal, data.from_type)
        except NotFoundError as error:
            raise InvalidError(str(error), field=field) from error
    relation = Relation(id=new_id(), to_type=data.from_type, created_at=now, **data.model_dump())
    uow.session.add(relation)
    uow.emit(RelationCreatedV1(aggregate_id=relation.id, occurred_at=now, **_snapshot(relation)))
    await uow.commit()
    return relation


async def end_relation(*, uow: UnitOfWork, principal: Principal, relation_id: str, now: datetime) -> Relation:
    """End a relation (kept, with its end time, as history)."""
    relation = await uow.session.get(Relation, relation_id)
    if relation is None:
        raise NotFoundError(f"relation {relation_id} not found")
    await get_visible(uow, MODELS[relation.from_type], relation.from_id, principal, "relation")
    if relation.ended_at is not None:
        raise ConflictError(f"relation {relation_id} has ended already")
    relation.ended_at = now
    uow.emit(
        RelationEndedV1(
            aggregate_id=relation.id, occurred_at=now, changed_fields=["ended_at"], **_snapshot(relation)
        )
    )
    await uow.commit()
    return relation


def _snapshot(relation: Relation) -> dict:
    fields = ("kind", "from_type", "from_id", "to_type", "to_id", "note", "created_at", "ended_at")
    return {field: getattr(relation, field) for field in fields}


async def relations_of(
    *, uow: UnitOfWork, principal: Principal, record_type: str, record_id: str
) -> list[Relation]:
    """Every relation from or to the record (ended ones too), oldest first."""
    await get_visible(uow, MODELS[record_type], record_id, principal, record_type)
    found = await uow.session.execute(
        select(Relation)
        .where(
            Relation.from_type == record_type, or_(Relation.from_id == record_id, Relation.to_id == record_id)
        )
        .order_by(Relation.created_at, Relation.id)
    )
    return list(found.scalars())


async def record_position(uow: UnitOfWork, contact: Contact, now: datetime) -> None:
    """Close the contact's open position if its company or title changed, and open the current one."""
    found = await uow.session.execute(
        select(ContactPosition).where(
            ContactPosition.contact_id == contact.id, ContactPosition.ended_at.is_(None)
        )
    )
    current = found.scalar_one_or_none()
    if current is not None and (current.account_id, current.title) == (contact.account_id, contact.title):
        return
    if current is not None:
        current.ended_at = now
    uow.session.add(
        ContactPosition(
            contact_id=contact.id, account_id=contact.account_id, title=contact.title, started_at=now
        )
    )


async def positions(*, uow: UnitOfWork, principal: Principal, contact_id: str) -> list[ContactPosition]:
    """The contact's companies and titles over time, oldest first."""
    await get_visible(uow, Contact, contact_id, principal, "contact")
    found = await uow.session.execute(
        select(ContactPosition).where(ContactPosition.contact_id == contact_id).order_by(ContactPosition.id)
    )
    return list(found.scalars())
