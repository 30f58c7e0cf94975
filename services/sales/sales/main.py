"""The sales service: org directory and sign-in, customers, lead conversion, pipelines and opportunities."""

from pathlib import Path

from fastapi import FastAPI

from crm_shared.events import sales as events
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.service import ServiceContext, ServiceSpec, create_service_app
from sales import service
from sales.activities.api import routers as activity_routers
from sales.api import routers as org_routers
from sales.card.api import routers as card_routers
from sales.checker import routers as check_routers
from sales.checker import run_checker
from sales.clock import Clock, SystemClock
from sales.config import SalesSettings
from sales.customers.api import routers as customer_routers
from sales.customfields.api import routers as custom_field_routers
from sales.forecast.api import routers as forecast_routers
from sales.handlers import build_handlers
from sales.handover.api import routers as handover_routers
from sales.models import Base, messaging
from sales.orders.api import routers as order_routers
from sales.pipeline import pipelines
from sales.pipeline.api import routers as pipeline_routers
from sales.relations.api import routers as relation_routers
from sales.tables import load_all
from sales.transfer.api import routers as transfer_routers

SPEC_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
PUBLISHES = [
    events.UserCreatedV1,
    events.UserUpdatedV1,
    events.TeamCreatedV1,
    events.TeamUpdatedV1,
    events.AccountCreatedV1,
    events.AccountUpdatedV1,
    events.AccountDeletedV1,
    events.ContactCreatedV1,
    events.ContactUpdatedV1,
    events.ContactDeletedV1,
    events.OpportunityOpenedV1,
    events.OpportunityUpdatedV1,
    events.OpportunityStageChangedV1,
    events.OpportunityWonV1,
    events.OpportunityLostV1,
    events.ContractCreatedV1,
    events.ContractUpdatedV1,
    events.OrderCreatedV1,
    events.OrderUpdatedV1,
    events.InvoiceIssuedV1,
    events.PaymentRecordedV1,
    events.InvoiceOverdueV1,
    events.InvoiceUpdatedV1,
    events.ActivityCreatedV1,
    events.ActivityUpdatedV1,
    events.ActivityCompletedV1,
    events.RelationCreatedV1,
    events.RelationEndedV1,
    events.CustomFieldCreatedV1,
    events.CustomFieldUpdatedV1,
    events.LeadConversionAppliedV1,
    events.QuotaSetV1,
    events.ExchangeRateSetV1,
    InteractionRecordedV1,
]


def build_spec(clock: Clock, consume: bool = True) -> ServiceSpec:
    """The sales service's spec; handlers and start-up read time from `clock`."""

    async def bootstrap(ctx: ServiceContext) -> None:
        """On start: create the first admin if the directory has none; seed the default pipeline."""
        async with ctx.uow() as uow:
            await service.ensure_bootstrap_admin(uow=uow, settings=ctx.settings)
        async with ctx.uow() as uow:
            await pipelines.ensure_default_pipeline(uow=uow, now=clock.now())

    load_all()
    return ServiceSpec(
        name="sales",
        title="CRM sales",
        description="Org directory and sign-in, accounts and contacts, lead conversion, pipelines, "
        "opportunities, contracts, orders, invoices and payments.",
        metadata=Base.metadata,
        tables=messaging,
        migrations=SPEC_MIGRATIONS,
        handlers=build_handlers(clock) if consume else None,
        publishes=PUBLISHES,
        routers=[
            *org_routers,
            *transfer_routers,
            *customer_routers,
            *pipeline_routers,
            *order_routers,
            *activity_routers,
            *forecast_routers,
            *handover_routers,
            *custom_field_routers,
            *card_routers,
            *relation_routers,
            *check_routers,
        ],
        on_startup=bootstrap,
    )


def create_app(settings: SalesSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """The sales app (a uvicorn factory); tests pass a clock they can move."""
    clock, settings = clock or SystemClock(), settings or SalesSettings()
    spec = build_spec(clock, settings.consume_events)
    if settings.run_checker:  # overdue invoices, auto-renewals
        interval_s = settings.check_interval_s
        spec.background["checker"] = lambda ctx: run_checker(ctx.uow, clock, interval_s)
    app = create_service_app(spec, settings)
    app.state.clock = clock
    return app
