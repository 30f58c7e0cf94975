"""Activity use cases: log and plan follow-ups on any record, complete them, list them; "my day"."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.sales import ActivityCompletedV1, ActivityCreatedV1, ActivityUpdatedV1
from crm_shared.http.problems import InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.activities.models import Activity
from sales.activities.schemas import ActivityCreate, ActivityRead, ActivityUpdate, MyDay
from sales.customers.models import Account, Contact
from sales.health.service import accounts_needing_attention
from sales.orders.invoices import read_invoice
from sales.orders.models import Contract, Invoice, Order
from sales.orders.renewals import renewals_due_query
from sales.orders.schemas import ContractRead
from sales.ownership import get_visible, resolve_owner, visible
from sales.paging import Page, keyset, page_of
from sales.pipeline import records
from sales.pipeline.models import Opportunity

RECORDS = {
    "account": Account,
    "contact": Contact,
    "opportunity": Opportunity,
    "contract": Contract,
    "order": Order,
}
ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "record_type",
    "record_id",
    "account_id",
    "contact_id",
    "owner_id",
    "team_id",
    "due_at",
    "remind_at",
    "done_at",
)
# calls and meetings are customer interactions; tasks and notes are the rep's own bookkeeping
INTERACTION_CHANNELS = {"call": "phone", "meeting": "meeting"}


@dataclass(frozen=True)
class ActivityFilter:
    """List filters; `open=true` keeps the ones not done."""

    record_type: str | None = None
    record_id: str | None = None
    kind: str | None = None
    owner_id: str | None = None
    open: bool | None = None


async def create_activity(
    *, uow: UnitOfWork, principal: Principal, data: ActivityCreate, now: datetime
) -> Activity:
    """Plan or log an activity; a call or meeting also emits `interactions.interaction.recorded`."""
    try:
        record = await get_visible(
            uow, RECORDS[data.record_type], data.record_id, principal, data.record_type
        )
    except NotFoundError as error:
        raise InvalidError(str(error), field="record_id") from error
    owner, team = await resolve_owner(uow, principal, data.owner_id)
    account_id = record.id if data.record_type == "account" else getattr(record, "account_id", None)
    contact_id = record.id if data.record_type == "contact" else None
    activity = Activity(
        id=new_id(),
        owner_id=owner,
        team_id=team,
        account_id=account_id,
        contact_id=contact_id,
        created_at=now,
        updated_at=now,
        done_at=None if data.kind == "task" else now,
        **data.model_dump(exclude={"owner_id"}),
    )
    uow.session.add(activity)
    uow.emit(ActivityCreatedV1(aggregate_id=activity.id, occurred_at=now, **activity_snapshot(activity)))
    if channel := INTERACTION_CHANNELS.get(data.kind):
        uow.emit(
            InteractionRecordedV1(
                aggregate_id=activity.id,
                occurred_at=now,
                channel=channel,
                kind=data.kind,
                account_id=account_id,
                contact_id=contact_id,
                summary=data.subject,
                source_service="sales",
                record_id=activity.id,
            )
        )
    await uow.commit()
    return activity


async def update_activity(
    *, uow: UnitOfWork, principal: Principal, activity_id: str, data: ActivityUpdate, now: datetime
) -> Activity:
    """Change an activity; `done` completes (or reopens) it. Emits `sales.activity.completed` when it
    gets done, else `sales.activity.updated`, naming the changed fields (nothing when nothing changed)."""
    activity = await get_activity(uow=uow, principal=principal, activity_id=activity_id)
    before = activity_snapshot(activity) | {"notes": activity.notes}
    changes = data.model_dump(exclude_unset=True)
    if "done" in changes:
        done = changes.pop("done")
        activity.done_at = (activity.done_at or now) if done else None
    for field, value in changes.items():
        setattr(activity, field, value)
    after = activity_snapshot(activity) | {"notes": activity.notes}
    changed = [field for field in after if after[field] != before[field]]
    if not changed:
        return activity
    activity.updated_at = now
    completed = before["done_at"] is None and activity.done_at is not None
    event_cls = ActivityCompletedV1 if completed else ActivityUpdatedV1
    uow.emit(
        event_cls(
            aggregate_id=activity.id, occurred_at=now, changed_fields=changed, **activity_snapshot(activity)
        )
    )
    await uow.commit()
    return activity


def activity_snapshot(activity: Activity) -> dict:
    """The activity's fields as the events carry them."""
    return {field: getattr(activity, field) for field in ACTIVITY_FIELDS}


async def get_activity(*, uow: UnitOfWork, principal: Principal, activity_id: str) -> Activity:
    """One activity the caller may see, or not found."""
    return await get_visible(uow, Activity, activity_id, principal, "activity")


async def list_activities(
    *, uow: UnitOfWork, principal: Principal, filters: ActivityFilter, cursor: str | None, limit: int
) -> Page[ActivityRead]:
    """The activities the caller may see, filtered, oldest first, a page at a time."""
    query = visible(Activity, principal)
    for field in ("record_type", "record_id", "kind", "owner_id"):
        if (value := getattr(filters, field)) is not None:
            query = query.where(getattr(Activity, field) == value)
    if filters.open is not None:
        query = query.where(Activity.done_at.is_(None) if filters.open else Activity.done_at.is_not(None))
    rows = list((await uow.session.execute(keyset(query, Activity, cursor, limit))).scalars())
    return page_of(rows, limit, ActivityRead.model_validate)


async def my_day(*, uow: UnitOfWork, principal: Principal, now: datetime) -> MyDay:
    """The caller's own day: overdue and due tasks, reminders, stale deals, deals closing this month,
    invoices past due, contracts to renew by hand (no auto-renew) ending within 30 days."""
    me = principal.user_id
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    open_tasks = select(Activity).where(Activity.owner_id == me, Activity.done_at.is_(None))
    overdue = await _all(uow, open_tasks.where(Activity.due_at < now).order_by(Activity.due_at))
    today = await _all(
        uow, open_tasks.where(Activity.due_at >= now, Activity.due_at < end).order_by(Activity.due_at)
    )
    reminders = await _all(uow, open_tasks.where(Activity.remind_at <= now).order_by(Activity.remind_at))
    mine = select(Opportunity).where(Opportunity.owner_id == me, Opportunity.status == "open")
    stale = await _all(uow, mine.where(Opportunity.rots_at <= now).order_by(Opportunity.rots_at))
    month_start = now.date().replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    closing = await _all(
        uow,
        mine.where(
            Opportunity.expected_close_date >= month_start, Opportunity.expected_close_date < next_month
        ).order_by(Opportunity.expected_close_date),
    )
    unpaid = await _all(
        uow,
        select(Invoice)
        .where(Invoice.owner_id == me, Invoice.status == "open", Invoice.due_on < now.date())
        .order_by(Invoice.due_on),
    )
    my_accounts = list(
        (
            await uow.session.execute(
                select(Account.id).where(Account.owner_id == me, Account.deleted_at.is_(None))
            )
        ).scalars()
    )
    attention = await accounts_needing_attention(uow, my_accounts, now)
    renewals = await _all(uow, renewals_due_query(me, now.date()))
    read = ActivityRead.model_validate
    return MyDay(
        overdue_tasks=[read(a) for a in overdue],
        due_today=[read(a) for a in today],
        reminders=[read(a) for a in reminders],
        stale_deals=await records.read_many(uow, stale, now),
        closing_this_month=await records.read_many(uow, closing, now),
        overdue_invoices=[read_invoice(i, now.date()) for i in unpaid],
        customers_with_tickets=attention,
        renewals_due=[ContractRead.model_validate(c) for c in renewals],
    )


async def _all(uow: UnitOfWork, query) -> list:
    return list((await uow.session.execute(query)).scalars())
