"""Traces: off by default; with OTEL_* set, a request gives a server span and SQL spans."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from baro.channels.web import create_app
from baro.channels.web.tracing import install_tracing, tracing_wanted

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "baro"}, False),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "TRUE"}, False),
    ],
)
def test_traces_are_on_only_when_the_standard_variables_ask(environ, wanted) -> None:
    assert tracing_wanted(environ) is wanted


def test_a_request_gives_a_server_span_with_its_route_and_sql_spans(platform) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(platform)
    stop = install_tracing(app, platform.db.engine, provider=provider)
    try:
        with TestClient(app) as client:
            # A listing, not a search: a search's signal is written later by the signal
            # buffer's thread (or at shutdown), in a trace of its own.
            assert client.get("/v1/products?limit=5").status_code == 200
    finally:
        stop()

    spans = exporter.get_finished_spans()
    (server,) = [span for span in spans if span.kind is SpanKind.SERVER]
    sql = [span for span in spans if span.attributes.get("db.system") == "sqlite"]
    assert server.attributes["http.route"] == "/v1/products"
    assert sql and all(span.context.trace_id == server.context.trace_id for span in sql)


def test_the_environment_turns_traces_on_with_its_exporter(database_url: str) -> None:
    # In a process of its own: the console exporter writes to the stdout of its import time.
    code = f"""
from starlette.testclient import TestClient
from baro.channels.web import create_app
from baro.core.config import Settings
from baro.platform import Platform
with TestClient(create_app(Platform.start(Settings(database_url={database_url!r})))) as c:
    c.get("/v1/products")
"""
    environ = {**os.environ, "OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "baro-test"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    spans = result.stdout  # the exporter's JSON, sent at shutdown
    assert '"kind": "SpanKind.SERVER"' in spans and '"service.name": "baro-test"' in spans
    assert '"db.system": "sqlite"' in spans


def test_an_unknown_exporter_is_a_warning_not_a_failure(platform, monkeypatch, caplog) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "carrier-pigeon")

    with TestClient(create_app(platform)) as client:
        assert client.get("/healthz").status_code == 200

    assert "carrier-pigeon" in caplog.text


def test_probes_and_scrapes_are_not_traced(platform) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(platform)
    stop = install_tracing(app, platform.db.engine, provider=provider)
    try:
        with TestClient(app) as client:
            client.get("/healthz")
            client.get("/metrics")
    finally:
        stop()

    assert [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER] == []
