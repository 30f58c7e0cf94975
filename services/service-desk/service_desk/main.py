"""The service-desk service: tickets from every channel, screen-pop, SLAs, dispatch and CSAT."""

from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI

from crm_shared.events import service_desk as events
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.service import ServiceSpec, create_service_app
from service_desk.api import router as agents_router
from service_desk.channels.api import router as channels_router
from service_desk.channels.webform import FormGuard
from service_desk.clock import Clock, system_clock
from service_desk.config import ServiceDeskSettings
from service_desk.csat.api import router as csat_router
from service_desk.customers.api import router as customers_router
from service_desk.handlers import handlers
from service_desk.queues.api import router as queues_router
from service_desk.sla.api import router as sla_router
from service_desk.sla.checker import run_checker
from service_desk.tables import Base, messaging
from service_desk.tickets.api import router as tickets_router

SPEC = ServiceSpec(
    name="service-desk",
    title="CRM service desk",
    description="Tickets from every channel, dispatch to agents, SLA clocks and satisfaction ratings.",
    metadata=Base.metadata,
    tables=messaging,
    migrations=Path(__file__).resolve().parent.parent / "migrations",
    handlers=handlers,
    publishes=[
        events.TicketOpenedV1,
        events.TicketUpdatedV1,
        events.TicketAssignedV1,
        events.TicketSlaWarningV1,
        events.TicketSlaBreachedV1,
        events.TicketResolvedV1,
        events.TicketClosedV1,
        events.TicketReopenedV1,
        events.TicketCsatRatedV1,
        events.ContactCapturedV1,
        events.ContactPhoneLinkedV1,
        InteractionRecordedV1,
    ],
    # the screen-pop path pays no ping round trip per checkout: a connection the database dropped
    # fails one request and SQLAlchemy then replaces the pool's connections
    engine_options={"pool_pre_ping": False},
    routers=[
        agents_router,
        tickets_router,
        channels_router,
        customers_router,
        queues_router,
        sla_router,
        csat_router,
    ],
)


def create_app(
    settings: ServiceDeskSettings | None = None, clock: Clock = system_clock, run_sla_checker: bool = True
) -> FastAPI:
    """The service-desk app (a uvicorn factory); `clock` is injectable for anything time-based."""
    settings = settings or ServiceDeskSettings()
    background = {}
    if run_sla_checker:
        interval_s = settings.sla_check_interval_s
        background["sla-checker"] = lambda ctx: run_checker(ctx.uow, clock, interval_s)
    app = create_service_app(replace(SPEC, background=background), settings)
    app.state.clock = clock
    app.state.form_guard = FormGuard(settings.webform)
    return app
