"""The leads service: web-to-lead capture, dedupe, scoring, routing, conversion."""

from pathlib import Path

from fastapi import FastAPI

from crm_shared.events.leads import LeadCapturedV1
from crm_shared.service import ServiceSpec, create_service_app
from leads.api import router
from leads.config import LeadsSettings
from leads.models import Base, messaging

SPEC = ServiceSpec(
    name="leads",
    title="CRM leads",
    description="Web-to-lead capture, dedupe, scoring, routing and conversion of leads.",
    metadata=Base.metadata,
    tables=messaging,
    migrations=Path(__file__).resolve().parent.parent / "migrations",
    publishes=[LeadCapturedV1],
    routers=[router],
)


def create_app(settings: LeadsSettings | None = None) -> FastAPI:
    """The leads app (a uvicorn factory)."""
    return create_service_app(SPEC, settings or LeadsSettings())
