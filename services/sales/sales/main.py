"""The sales service: the org directory (users, teams, regions) and sign-in, so far."""

from pathlib import Path

from fastapi import FastAPI

from crm_shared.events.sales import TeamCreatedV1, TeamUpdatedV1, UserCreatedV1, UserUpdatedV1
from crm_shared.service import ServiceContext, ServiceSpec, create_service_app
from sales import service
from sales.api import routers
from sales.config import SalesSettings
from sales.models import Base, messaging


async def bootstrap(ctx: ServiceContext) -> None:
    """On start: create the first admin from settings if the directory has none."""
    async with ctx.uow() as uow:
        await service.ensure_bootstrap_admin(uow=uow, settings=ctx.settings)


SPEC = ServiceSpec(
    name="sales",
    title="CRM sales",
    description="The org directory (users, teams, regions) and sign-in; accounts and opportunities next.",
    metadata=Base.metadata,
    tables=messaging,
    migrations=Path(__file__).resolve().parent.parent / "migrations",
    publishes=[UserCreatedV1, UserUpdatedV1, TeamCreatedV1, TeamUpdatedV1],
    routers=routers,
    on_startup=bootstrap,
)


def create_app(settings: SalesSettings | None = None) -> FastAPI:
    """The sales app (a uvicorn factory)."""
    return create_service_app(SPEC, settings or SalesSettings())
