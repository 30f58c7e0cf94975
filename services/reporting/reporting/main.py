"""The reporting service: projections of every event, answers, live dashboards."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from crm_shared.service import ServiceSpec, create_service_app
from reporting.api import router
from reporting.campaigns.api import router as campaign_router
from reporting.config import ReportingSettings
from reporting.customers.api import router as customer_router
from reporting.customers.insights_api import router as customer_insight_router
from reporting.handlers import handlers
from reporting.kpis.api import router as kpi_router
from reporting.leads.api import router as lead_funnel_router
from reporting.live.api import STATIC
from reporting.live.api import router as live_router
from reporting.models import Base, messaging
from reporting.opportunities.api import router as opportunity_funnel_router
from reporting.revenue.api import router as revenue_router
from reporting.service.api import router as service_router
from reporting.targets.api import router as target_router

SPEC = ServiceSpec(
    name="reporting",
    title="CRM reporting",
    description="Projections of every CRM event: funnels, KPIs, key customers, SLA health, dashboards.",
    metadata=Base.metadata,
    tables=messaging,
    migrations=Path(__file__).resolve().parent.parent / "migrations",
    handlers=handlers,
    routers=[router, lead_funnel_router, opportunity_funnel_router, revenue_router, service_router,
             kpi_router, customer_router, customer_insight_router, target_router, campaign_router,
             live_router],
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    """The reporting app (a uvicorn factory)."""
    app = create_service_app(SPEC, settings or ReportingSettings())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
