"""The service-desk service: tickets, queues, agents, SLAs and CSAT (so far: the agent directory)."""

from pathlib import Path

from fastapi import FastAPI

from crm_shared.service import ServiceSpec, create_service_app
from service_desk.api import router
from service_desk.config import ServiceDeskSettings
from service_desk.handlers import handlers
from service_desk.models import Base, messaging

SPEC = ServiceSpec(
    name="service-desk",
    title="CRM service desk",
    description="Tickets from every channel, dispatch to agents, SLA clocks and satisfaction ratings.",
    metadata=Base.metadata,
    tables=messaging,
    migrations=Path(__file__).resolve().parent.parent / "migrations",
    handlers=handlers,
    routers=[router],
)


def create_app(settings: ServiceDeskSettings | None = None) -> FastAPI:
    """The service-desk app (a uvicorn factory)."""
    return create_service_app(SPEC, settings or ServiceDeskSettings())
