"""What operators see of the HTTP API: a request id on every request and log line, one
access line per request, latency per route, and ``/metrics`` for Prometheus.

Both middlewares are plain ASGI (no ``BaseHTTPMiddleware``, which costs a task and a memory
stream per request); per request they add a uuid, one histogram observation and one log line.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from time import perf_counter

import anyio.to_thread
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import Histogram
from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baro.core.logs import LogFormat, LogLevel, configure_logging
from baro.core.metrics import OutboxLag, exposition
from baro.platform import Platform

from .problems import problem
from .tracing import install_tracing

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED = "unmatched"  # the route label of a request no route matched (any path: a 404)

REQUEST_DURATION = Histogram(
    "baro_http_request_duration_seconds",
    "Time to answer a request, by route template and status class",
    ["method", "route", "status_class"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Where FastAPI (0.16x) keeps the route a request matched, with the full path template:
# it includes routers lazily, so scope["route"] is the route as its own router declared it,
# without the prefixes it was included under (/ops/orders/{order_id} reads /orders/{order_id},
# and /ops itself ""). Private to FastAPI, so read defensively: when absent, scope["route"].
_FASTAPI_SCOPE = "fastapi"
_EFFECTIVE_ROUTE = "effective_route_context"


def route_template(scope: Scope) -> str:
    """The full path template of the route that answered (``/ops/orders/{order_id}``), never
    the raw path; ``UNMATCHED`` when no route did."""
    fastapi_scope = scope.get(_FASTAPI_SCOPE)
    if isinstance(fastapi_scope, dict):
        full = getattr(fastapi_scope.get(_EFFECTIVE_ROUTE), "path", None)
        if isinstance(full, str) and full.startswith("/"):
            return full
    own: object = getattr(scope.get("route"), "path", None)
    return own if isinstance(own, str) and own else UNMATCHED


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")

access_log = logging.getLogger("baro.access")


class RequestTelemetry:
    """Times each HTTP request and writes its access line: method, route template (never
    the raw path or query string, which may hold ids and secrets), status, duration, client.
    Latency is labelled by route template, so the series are as many as the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, str], Callable[[float], None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # unless a response starts: an exception becomes a 500 further out

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self._record(scope, status, perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        template = route_template(scope)
        method: str = scope["method"] if scope["method"] in _METHODS else "OTHER"
        key = (method, template, _STATUS_CLASSES[min(max(status // 100, 1), 5) - 1])
        observe = self._series.get(key)
        if observe is None:
            observe = self._series[key] = REQUEST_DURATION.labels(*key).observe
        observe(seconds)
        if access_log.isEnabledFor(logging.INFO):
            client = scope.get("client")
            milliseconds = round(seconds * 1000, 2)
            # makeRecord and handle, not info(): info() would also walk the stack to name
            # this line's source file, on every request, for a field no format shows.
            access_log.handle(
                access_log.makeRecord(
                    access_log.name,
                    logging.INFO,
                    "",  # no format shows it, and LogRecord would take the path apart
                    0,
                    "%s %s %d %.2f ms",
                    (method, template, status, milliseconds),
                    None,
                    extra={
                        "method": method,
                        "route": template,
                        "status": status,
                        "duration_ms": milliseconds,
                        "client": client[0] if client else None,
                    },
                )
            )


class RequestIds:
    """32 hex digits, unique across processes and restarts: 64 random bits drawn once per
    process, then a counter. A request id names a log line, it guards nothing, so it need
    not be unpredictable; and a getrandom() per request cost 3 % of a worker's CPU under
    the orders bench (py-spy). A forked worker draws its own prefix (the pid changes)."""

    def __init__(self) -> None:
        self._pid = -1
        self._prefix = ""
        self._next = itertools.count()

    def __call__(self) -> str:
        if self._pid != os.getpid():
            self._pid, self._prefix = os.getpid(), os.urandom(8).hex()
        return f"{self._prefix}{next(self._next) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


_new_request_id = RequestIds()


def _acceptable_request_id(value: str) -> bool:
    # Whatever id a proxy or client sends (a UUID, nginx's $request_id, a trace id), as long
    # as it cannot forge or break a log line.
    return 0 < len(value) <= 128 and value.isascii() and value.replace("-", "").isalnum()


class ObservabilitySettings(BaseSettings):
    """What an operator sets for logs and metrics (``BARO_LOG_LEVEL``, ``BARO_LOG_FORMAT``,
    ``BARO_LOG_SQL``, ``BARO_METRICS_TOKEN``), read like ``baro.core.config.Settings``."""

    model_config = SettingsConfigDict(env_prefix="BARO_", env_file=".env", extra="ignore")

    # JSON lines on stderr by default; "console" for people. SQL statements only on ask.
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "json"
    log_sql: bool = False
    # When set, GET /metrics wants "Authorization: Bearer <token>".
    metrics_token: SecretStr | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, level: object) -> object:
        return level.upper() if isinstance(level, str) else level


@dataclass
class Telemetry:
    """What ``install`` set up; ``close`` at shutdown flushes the traces."""

    close: Callable[[], None] = field(default=lambda: None)


def install(
    app: FastAPI, platform: Platform, settings: ObservabilitySettings | None = None
) -> Telemetry:
    """Logging for this process, the request id and access line on every request, /metrics,
    and traces when ``OTEL_*`` asks for them. ``settings`` default to the environment's."""
    settings = settings or ObservabilitySettings()
    configure_logging(settings.log_level, settings.log_format, sql=settings.log_sql)
    app.add_middleware(RequestTelemetry)
    app.add_middleware(  # added last, so outermost: the access line has the id
        CorrelationIdMiddleware,
        header_name=REQUEST_ID_HEADER,
        validator=_acceptable_request_id,
        update_request_header=False,  # the id is read from the context, not the headers
        generator=_new_request_id,
    )
    app.include_router(_metrics_router(platform, settings.metrics_token))
    return Telemetry(close=install_tracing(app, platform.db.engine))


def _metrics_router(platform: Platform, token: SecretStr | None) -> APIRouter:
    router = APIRouter()
    # Scrapes read the database (outbox lag): on a thread of their own, so that a busy
    # request pool does not stall them, and one at a time.
    scrapes = anyio.CapacityLimiter(1)

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Prometheus metrics of every worker process (for operators: do not expose it)."""
        if token is not None and not hmac.compare_digest(
            request.headers.get("authorization", "").encode(),
            f"Bearer {token.get_secret_value()}".encode(),
        ):
            return problem(
                401,
                "not_authenticated",
                "send the metrics token as 'Authorization: Bearer <BARO_METRICS_TOKEN>'",
                {"WWW-Authenticate": "Bearer"},
            )
        scrape = partial(exposition, OutboxLag(platform.db, platform.clock))
        body, content_type = await anyio.to_thread.run_sync(scrape, limiter=scrapes)
        return Response(body, media_type=content_type)

    return router
