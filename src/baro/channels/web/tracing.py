"""OpenTelemetry traces of requests and their SQL, off unless the standard ``OTEL_*``
variables ask for them: ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``, …) or an
``OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT``; ``OTEL_SDK_DISABLED=true`` wins over both. The
SDK reads the rest itself (``OTEL_SERVICE_NAME``, ``OTEL_TRACES_SAMPLER``, the exporter's
endpoint and headers). The libraries are the ``otel`` extra; without them the server runs
untraced and says why.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy import Engine

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger("baro.tracing")

NOT_TRACED = "healthz,readyz,metrics"  # probes and scrapes: noise, many times a minute


def tracing_wanted(environ: Mapping[str, str]) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def install_tracing(
    app: FastAPI,
    engine: Engine,
    *,
    environ: Mapping[str, str] = os.environ,
    provider: TracerProvider | None = None,
) -> Callable[[], None]:
    """Trace ``app``'s requests and ``engine``'s statements, to ``provider`` or to what the
    environment names. Returns what to call at shutdown (it sends what is left)."""
    if provider is None:
        if not tracing_wanted(environ):
            return _nothing
        try:
            provider = _provider_from(environ)
        except ModuleNotFoundError as error:
            log.warning(
                "OTEL_* asks for traces, but %s is not installed: pip install 'baro[otel]'",
                error.name,
            )
            return _nothing
        except LookupError as error:
            log.warning("no traces: %s", error)
            return _nothing
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeterProvider

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=NOT_TRACED)
    # This engine's statements only: SQLAlchemyInstrumentor would also patch create_engine
    # for every engine of the process (and import SQLAlchemy's asyncio support to do so).
    # Its connection-pool meter goes nowhere: Prometheus has the metrics.
    pool_usage = NoOpMeterProvider().get_meter("baro").create_up_down_counter("pool")
    EngineTracer(provider.get_tracer("baro.sql"), engine, pool_usage)
    traced = provider

    def shutdown() -> None:
        EngineTracer.remove_all_event_listeners()
        FastAPIInstrumentor.uninstrument_app(app)
        traced.shutdown()

    return shutdown


def _provider_from(environ: Mapping[str, str]) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    named = "OTEL_SERVICE_NAME" in environ or "service.name=" in environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    provider = TracerProvider(resource=Resource.create({} if named else {"service.name": "baro"}))
    for name in (environ.get("OTEL_TRACES_EXPORTER") or "otlp").split(","):
        provider.add_span_processor(BatchSpanProcessor(_exporter(name.strip(), environ)()))
    return provider


def _exporter(name: str, environ: Mapping[str, str]) -> Callable[[], SpanExporter]:
    # Exporters register under this entry point group (what the SDK's own autoconfiguration
    # reads): otlp_proto_http, console, and any other installed. "otlp" is the one of
    # OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL (http/protobuf unless it says grpc).
    if name == "otlp":
        protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
        )
        name = "otlp_proto_grpc" if protocol.strip() == "grpc" else "otlp_proto_http"
    found = entry_points(group="opentelemetry_traces_exporter", name=name)
    if not found:
        known = sorted(point.name for point in entry_points(group="opentelemetry_traces_exporter"))
        raise LookupError(f"OTEL_TRACES_EXPORTER names {name!r}; installed: {', '.join(known)}")
    exporter: Callable[[], SpanExporter] = next(iter(found)).load()
    return exporter


def _nothing() -> None:
    return None
