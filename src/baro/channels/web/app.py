"""The FastAPI application: ``create_app()`` for uvicorn (``baro serve``) and tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from baro import __version__
from baro.core.config import Settings, get_settings
from baro.jobs import Jobs
from baro.platform import Platform
from baro.recommendations import HomePages

from . import (
    admin,
    cart,
    devices,
    drones,
    edge,
    events,
    health,
    home,
    lockers,
    observability,
    orders,
    pages,
    prime,
    problems,
    products,
    replenishment,
    tracking,
    transfers,
    trunk,
)
from .gateway_threads import GatewayThreads
from .one_click import OneClickDesk
from .promise import router as promise_router
from .ratelimit import FailedAttempts

log = logging.getLogger(__name__)

# The import string uvicorn needs to start one app per worker process.
APP_FACTORY = "baro.channels.web.app:create_app"

DESCRIPTION = """
baro (바로) — 1-Click commerce. Authenticate with `Authorization: Bearer <api key>`.
Every order-creating request takes an `Idempotency-Key` header: repeat the request with the
same key and you get the first response back (`Idempotent-Replayed: true`), never a second
order. Errors are `application/problem+json` (RFC 9457) with a stable `code`.
"""


async def run_jobs(jobs: Jobs, settings: Settings) -> None:
    """The platform's ticks, for as long as the app serves, on a thread of their own (a
    tick waits on the database; it must not take a request's thread)."""
    one_thread = anyio.CapacityLimiter(1)
    while True:
        await anyio.sleep(settings.jobs_interval_seconds)
        try:
            await anyio.to_thread.run_sync(jobs.tick, limiter=one_thread)
        except Exception:  # a tick that fails is logged and tried again; serving goes on
            log.exception("a background tick failed")


def create_app(platform: Platform | None = None) -> FastAPI:
    """Build the app; without a platform, start one from the environment (``BARO_…``)."""
    platform = platform or Platform.start(get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Few threads per worker process: more only queue up on the GIL, and measured on
        # 2 cores, 32 clients ran 40 % faster with 2 threads than with anyio's default 40.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = platform.settings.worker_threads
        async with anyio.create_task_group() as background:
            if platform.settings.jobs_interval_seconds:
                background.start_soon(run_jobs, Jobs(platform), platform.settings)
            yield
            background.cancel_scope.cancel()
        telemetry.close()
        one_click.close()
        device_desk.close()
        gateway_threads.close()
        platform.close()

    app: FastAPI = FastAPIOffline(
        title="baro",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.failed_auth = FailedAttempts.at(
        platform.settings.redis_url, per_minute=platform.settings.failed_auth_per_minute
    )
    one_click = OneClickDesk(
        platform,
        app.state.failed_auth,
        max_batch=platform.settings.order_batch_max,
        in_flight=platform.settings.order_batches_in_flight,
    )
    app.state.one_click = one_click
    gateway_threads = GatewayThreads(platform.settings.gateway_calls)
    app.state.gateway_threads = gateway_threads
    problems.install(app)
    edge.install(app, platform.settings)
    # Routes are tried in the order they were added: the API's first, so that an API
    # request is not matched against every page's path before its own (measured: 0.2 ms
    # of CPU per 1-Click order).
    for module in (health, products, orders, home, cart, events, admin):
        app.include_router(module.router)
    app.include_router(promise_router)
    app.include_router(lockers.router)
    app.include_router(trunk.router)
    app.include_router(drones.router)
    app.include_router(tracking.router)
    app.include_router(transfers.router)
    app.include_router(replenishment.router)
    app.include_router(prime.router)
    device_desk = devices.install(app, platform)
    # The pages this process built, kept a moment, with their JSON.
    app.state.home_pages = HomePages(platform, render=home.render)
    pages.install(app, platform)
    telemetry = observability.install(app, platform)
    edge.trust_proxies(app, platform.settings)
    return app
