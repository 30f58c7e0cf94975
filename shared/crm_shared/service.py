"""Builds a service process: FastAPI app, database, outbox relay and Kafka runtime in one lifespan."""

import asyncio
import contextlib
import dataclasses
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from sqlalchemy import MetaData, text
from starlette.types import ASGIApp

from crm_shared.checkpoint import defer_checkpoints, run_checkpointer
from crm_shared.db import create_engine, is_sqlite, session_factory
from crm_shared.democlock import DemoClockMiddleware
from crm_shared.events.base import Event
from crm_shared.http.access_log import redact_access_log
from crm_shared.http.body_cap import BodyCapProblem
from crm_shared.http.problems import install_problem_handlers
from crm_shared.messaging.consumer import BatchProcessor, EventHandlers
from crm_shared.messaging.relay import OutboxRelay
from crm_shared.messaging.runtime import KafkaRuntime
from crm_shared.messaging.subscribe import declare_publications, declare_subscriber
from crm_shared.messaging.tables import MessagingTables
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.migrations import upgrade
from crm_shared.settings import BaseServiceSettings
from crm_shared.shutdown import bounded, stop_task

log = logging.getLogger(__name__)


@dataclass
class ServiceSpec:
    """What makes a service this service: its name, tables, handlers, publications and routes."""

    name: str
    title: str
    description: str
    metadata: MetaData
    tables: MessagingTables
    migrations: Path
    handlers: EventHandlers | None = None
    publishes: list[type[Event]] = field(default_factory=list)
    routers: list[APIRouter] = field(default_factory=list)
    on_startup: Callable[["ServiceContext"], Awaitable[None]] | None = None
    # long-running jobs (periodic checkers) by name: started with the service, cancelled at its stop
    background: dict[str, Callable[["ServiceContext"], Awaitable[None]]] = field(default_factory=dict)
    on_shutdown: Callable[["ServiceContext"], Awaitable[None]] | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"pool_pre_ping": False}
    # plain ASGI middleware classes in front of FastAPI's own layers (error, body limit, telemetry), for a
    # hot path that needs none of them (it answers its own errors), outermost last
    middleware: list[type] = field(default_factory=list)


class ServiceApp(FastAPI):
    """FastAPI with plain ASGI layers in front of its whole middleware stack (`front`, outermost last).

    Each layer FastAPI and Starlette put around the routes (the server-error handler, the telemetry and
    body-limit layers) costs every request a coroutine and a wrapped `send`: in front of them the public
    intake, a route that handles its own errors, took ~5% less CPU a post (bench/leads_intake.py)."""

    front: tuple[type, ...] = ()

    def build_middleware_stack(self) -> ASGIApp:
        stack = BodyCapProblem(super().build_middleware_stack())  # behind `front`: a hot path skips it
        for layer in self.front:
            stack = layer(stack)
        return stack


class ServiceContext:
    """The process-wide parts of a running service, kept on `app.state.ctx`."""

    def __init__(self, spec: ServiceSpec, settings: BaseServiceSettings):
        self.spec, self.settings = spec, settings
        self.engine = create_engine(settings.database_url, **spec.engine_options)
        self.sessions = session_factory(self.engine)
        self.wake = asyncio.Event()
        self.runtime = KafkaRuntime(spec.name, settings.kafka, self._register, self._on_broker_reset)
        self.relay = OutboxRelay(
            self.sessions, spec.tables, lambda: self.runtime.producer, settings.outbox, self.wake,
            settings.database_url,
        )
        self.processor = (
            BatchProcessor(
                spec.handlers, self.uow, self.runtime.dead_letter, lambda: self.runtime.stopping,
                event_time=settings.demo_clock,
            )
            if spec.handlers else None
        )

    def uow(self, *, snapshot: bool = False) -> UnitOfWork:
        """A new unit of work on this service's database; `snapshot`: all its reads see one state."""
        return UnitOfWork(self.sessions, self.spec.tables, self.spec.name, self.wake.set, snapshot=snapshot)

    def _register(self, broker: KafkaBroker) -> None:
        if self.spec.handlers and self.processor:
            declare_subscriber(broker, self.spec.handlers, self.processor, self.settings.kafka)
        declare_publications(broker, self.spec.publishes)

    async def _on_broker_reset(self) -> None:
        await self.relay.replay_retained()

    async def database_ready(self) -> bool:
        """Whether the database answers."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False


def get_ctx(request: Request) -> ServiceContext:
    """FastAPI dependency: the running service's context."""
    return request.app.state.ctx


async def get_uow(request: Request) -> UnitOfWork:
    """FastAPI dependency: a fresh unit of work (override it in tests). Async: no thread hop."""
    return request.app.state.ctx.uow()


async def get_snapshot_uow(request: Request) -> UnitOfWork:
    """FastAPI dependency: a unit of work whose reads all see one committed state (for answers read
    in several statements)."""
    return request.app.state.ctx.uow(snapshot=True)


CtxDep = Annotated[ServiceContext, Depends(get_ctx)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
SnapshotUowDep = Annotated[UnitOfWork, Depends(get_snapshot_uow)]


def create_service_app(spec: ServiceSpec, settings: BaseServiceSettings) -> FastAPI:
    """The FastAPI app of a service; the lifespan migrates, starts Kafka and the relay, then stops them."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("aiokafka").setLevel(logging.WARNING)
    redact_access_log()  # here, not in the runner: `uvicorn --factory` alone must not log tokens either
    spec = _with_checkpointer(spec, settings)
    ctx = ServiceContext(spec, settings)
    if is_sqlite(settings.database_url):
        defer_checkpoints(ctx.engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_migrations:
            await upgrade(spec.migrations, settings.database_url)
        if spec.on_startup:
            await spec.on_startup(ctx)
        await ctx.runtime.start()
        relay_task = (  # a web-only worker leaves publishing to the process that relays (settings.outbox)
            asyncio.create_task(ctx.relay.run(), name=f"{spec.name}-outbox-relay")
            if settings.outbox.relay else None
        )
        ctx.wake.set()
        jobs = [asyncio.create_task(job(ctx), name=f"{spec.name}-{name}")
                for name, job in spec.background.items()]
        freeze_startup_heap()
        try:
            yield
        finally:
            if spec.on_shutdown:
                await bounded(spec.on_shutdown(ctx), f"{spec.name}: shutdown hook")
            for task in jobs:
                await stop_task(task)
            await stop_task(relay_task)
            await bounded(ctx.runtime.stop(), f"{spec.name}: stopping the Kafka clients", 40)
            await bounded(ctx.engine.dispose(), f"{spec.name}: closing the database pool")

    off = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    app = ServiceApp(
        title=spec.title, description=spec.description, version="0.1.0", lifespan=lifespan,
        telemetry=None if settings.telemetry else off, max_body_size=settings.max_body_bytes,
    )
    app.state.ctx, app.state.settings = ctx, settings
    install_problem_handlers(app)
    for router in spec.routers:  # in the spec's order: routes are matched in order, hot paths first
        app.include_router(router)
    app.include_router(_ops_router(spec))
    # the demo clock outermost: a backdated request is backdated whichever path answers it
    app.front = (*spec.middleware, DemoClockMiddleware) if settings.demo_clock else tuple(spec.middleware)
    return app


_frozen = False


def freeze_startup_heap() -> None:
    """Once per process, after start-up: collect, then move every object alive (modules, classes,
    schemas, compiled queries...) out of the cyclic collector's reach (`gc.freeze`). A full collection
    otherwise walks that whole heap: 85-170 ms pauses of the event loop, several a minute under load,
    which were the p99 of the dashboard's freshness."""
    global _frozen  # noqa: PLW0603 - once per process, whichever app starts first
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def _with_checkpointer(spec: ServiceSpec, settings: BaseServiceSettings) -> ServiceSpec:
    """On SQLite, the spec with the WAL checkpointer among its background jobs."""
    if not is_sqlite(settings.database_url):
        return spec
    every_s = settings.sqlite_checkpoint_interval_s
    job = {"wal-checkpointer": lambda ctx: run_checkpointer(ctx.engine, every_s)}
    return dataclasses.replace(spec, background={**spec.background, **job})


def _ops_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": spec.name}

    @router.get("/readyz")
    async def readyz(ctx: CtxDep) -> JSONResponse:
        """Readiness: the database answers and the Kafka clients are up."""
        checks = {"database": await ctx.database_ready(), "broker": ctx.runtime.healthy}
        body = {"status": "ready" if all(checks.values()) else "not ready", "checks": checks,
                "outbox_last_error": ctx.relay.last_error, "broker_resets": ctx.runtime.resets,
                "assignment": ctx.runtime.assignment()}
        return JSONResponse(body, status_code=200 if all(checks.values()) else 503)

    @router.get("/asyncapi.json")
    async def asyncapi(ctx: CtxDep) -> JSONResponse:
        """The AsyncAPI 3.0 document of this service's channels, generated from the code."""
        spec_doc = AsyncAPI(ctx.runtime.build_broker(), title=f"{spec.title} events", version="0.1.0",
                            description=spec.description)
        return JSONResponse(spec_doc.to_specification().to_jsonable())

    return router
