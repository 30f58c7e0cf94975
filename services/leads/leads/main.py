"""The leads service: web-to-lead capture, dedupe, scoring, routing, conversion."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from crm_shared.events.base import utcnow
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.leads import (
    LeadAssignedV1,
    LeadCapturedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadFirstContactBreachedV1,
    LeadFirstContactWarnedV1,
    LeadMergedV1,
    LeadScoredV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    SubmissionMatchedCustomerV1,
    SubmissionReceivedV1,
)
from crm_shared.events.marketing import (
    CampaignCreatedV1,
    CampaignUpdatedV1,
    ProspectImportedV1,
    ProspectVerifiedV1,
)
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.service import ServiceContext, ServiceSpec, create_service_app
from leads.api import router
from leads.config import LeadsSettings
from leads.customers import handlers as customer_handlers
from leads.customers.api import router as customers_router
from leads.customers.backfill import run_backfill
from leads.directory import handlers as directory_handlers
from leads.directory.api import router as directory_router
from leads.forms.api import public, quarantine, submissions
from leads.forms.api import router as forms_router
from leads.forms.batch import IntakeWriter
from leads.forms.cache import FormCache
from leads.forms.fastpath import IntakeFastPath
from leads.forms.intake import IntakeLimiter
from leads.forms.stores import open_store
from leads.lifecycle import handlers as lifecycle_handlers
from leads.lifecycle.api import router as lifecycle_router
from leads.lifecycle.api import teams
from leads.lifecycle.speed import run_checker
from leads.models import Base, messaging
from leads.processing import handlers as processing_handlers
from leads.processing.api import router as rules_router
from leads.processing.scorer import seed_default_rules
from leads.prospects.api import router as prospects_router

PUBLISHES = [
    SubmissionReceivedV1,
    SubmissionMatchedCustomerV1,
    LeadCapturedV1,
    LeadUpdatedV1,
    LeadScoredV1,
    LeadAssignedV1,
    LeadStatusChangedV1,
    LeadDisqualifiedV1,
    LeadMergedV1,
    LeadConvertedV1,
    LeadFirstContactWarnedV1,
    LeadFirstContactBreachedV1,
    InteractionRecordedV1,
    CampaignCreatedV1,
    CampaignUpdatedV1,
    ProspectImportedV1,
    ProspectVerifiedV1,
]


async def on_startup(ctx: ServiceContext) -> None:
    """On start: store the default scoring rules if none are configured."""
    async with ctx.uow() as uow:
        await seed_default_rules(uow=uow)


def build_spec(settings: LeadsSettings) -> ServiceSpec:
    """The leads service's spec: handlers of its own submissions and of the sales org directory."""
    handlers = EventHandlers(consumer="leads")
    processing_handlers.register(handlers, settings)
    directory_handlers.register(handlers)
    lifecycle_handlers.register(handlers)
    customer_handlers.register(handlers, settings)
    return ServiceSpec(
        name="leads",
        title="CRM leads",
        description="Web-to-lead capture, dedupe, scoring, routing and conversion of leads.",
        metadata=Base.metadata,
        tables=messaging,
        migrations=Path(__file__).resolve().parent.parent / "migrations",
        handlers=handlers if settings.consume else None,
        publishes=PUBLISHES,
        routers=[
            public,  # first: the public intake is the hot path, and routes are matched in order
            router,
            lifecycle_router,
            forms_router,
            quarantine,
            submissions,
            rules_router,
            directory_router,
            teams,
            prospects_router,
            customers_router,
        ],
        on_startup=on_startup,
        middleware=[IntakeFastPath],  # the public intake answered in front of FastAPI's own layers
    )


def create_app(settings: LeadsSettings | None = None, clock: Callable[[], datetime] = utcnow) -> FastAPI:
    """The leads app (a uvicorn factory); `clock` is injectable for time-based rules."""
    settings = settings or LeadsSettings()
    spec, speed = build_spec(settings), settings.speed_to_lead
    spec.background["speed-to-lead"] = lambda ctx: run_checker(
        ctx.uow, clock, speed.check_interval_s, speed.warn_fraction
    )
    spec.on_shutdown = lambda ctx: app.state.intake.stop()  # the server no longer takes posts
    if settings.consume:  # the replica serves processing, which runs where events are consumed
        spec.background["customer-backfill"] = lambda ctx: run_backfill(ctx, settings)
    app = create_service_app(spec, settings)
    intake = settings.intake
    app.state.limiter = IntakeLimiter(intake.per_ip_limit, intake.per_form_limit, intake.track_per_ip_limit)
    app.state.clock = clock
    app.state.forms = FormCache()
    ctx = app.state.ctx
    app.state.intake = IntakeWriter(open_store(ctx.engine, spec.tables), spec.name, ctx.wake.set, ctx.uow)
    return app
