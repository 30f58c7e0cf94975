"""The reporting service: projections of every event, answers, live dashboards."""

from pathlib import Path

from fastapi import FastAPI

from crm_shared.service import ServiceSpec, create_service_app
from reporting.api import router
from reporting.config import ReportingSettings
from reporting.handlers import handlers
from reporting.models import Base, messaging

SPEC = ServiceSpec(
    name="reporting",
    title="CRM reporting",
    description="Projections of every CRM event: funnels, KPIs, key customers, SLA health, dashboards.",
    metadata=Base.metadata,
    tables=messaging,
    migrations=Path(__file__).resolve().parent.parent / "migrations",
    handlers=handlers,
    routers=[router],
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    """The reporting app (a uvicorn factory)."""
    return create_service_app(SPEC, settings or ReportingSettings())
