"""What operators see of the API: request ids, access lines and /metrics."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from baro.channels.web import create_app
from baro.channels.web.observability import ObservabilitySettings, RequestIds
from baro.commerce.orders import metrics as order_metrics
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

HEX_ID = 32


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    app = create_app(platform)

    @app.get("/test/log-from-a-thread")
    def log_from_a_thread() -> dict[str, str]:  # a sync route: runs on the thread pool
        logging.getLogger("baro.test").info("working on it")
        return {}

    @app.get("/test/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False, client=("203.0.113.7", 5000)) as tc:
        yield tc


def json_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def access_lines(captured: str, route: str) -> list[dict]:
    lines = json_lines(captured)
    return [line for line in lines if line["logger"] == "baro.access" and line["route"] == route]


def scrape(client: TestClient, **headers: str) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_counted(client, method: str, route: str, status_class: str) -> float:
    labels = frozenset({"method": method, "route": route, "status_class": status_class}.items())
    return scrape(client).get(("baro_http_request_duration_seconds_count", labels), 0)


def test_a_request_without_an_id_gets_one_and_one_with_an_id_keeps_it(client) -> None:
    fresh = client.get("/healthz")
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c"})

    assert len(fresh.headers["X-Request-ID"]) == HEX_ID
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c"


@pytest.mark.parametrize("forged", ["a\nfake log line", "x" * 200, "id with spaces"])
def test_an_id_that_could_forge_a_log_line_is_replaced(client, forged: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": forged})
    assert len(response.headers["X-Request-ID"]) == HEX_ID


def test_each_request_has_one_access_line_with_its_route_template(client, capsys) -> None:
    buyer = shopper(client.app.state.platform)
    response = client.get(
        "/v1/orders/ord_unknown?secret=tok_abc",
        headers={"Authorization": f"Bearer {buyer.api_key}", "X-Request-ID": "req-1"},
    )

    captured = capsys.readouterr().err
    (line,) = access_lines(captured, "/v1/orders/{order_id}")
    assert response.status_code == 404
    assert line | {"time": "", "duration_ms": 0} == {
        "time": "",
        "level": "INFO",
        "logger": "baro.access",
        "message": line["message"],
        "method": "GET",
        "route": "/v1/orders/{order_id}",
        "status": 404,
        "duration_ms": 0,
        "client": "203.0.113.7",
        "request_id": "req-1",
    }
    assert line["duration_ms"] > 0
    assert "ord_unknown" not in captured and "tok_abc" not in captured
    assert buyer.api_key not in captured


def test_a_line_logged_on_the_thread_pool_carries_the_request_id(client, capsys) -> None:
    client.get("/test/log-from-a-thread", headers={"X-Request-ID": "req-thread"})

    lines = json_lines(capsys.readouterr().err)
    working = [line for line in lines if line["message"] == "working on it"]
    assert [line["request_id"] for line in working] == ["req-thread"]


def test_an_unhandled_error_is_a_500_in_the_access_line_and_the_metrics(client, capsys) -> None:
    before = requests_counted(client, "GET", "/test/boom", "5xx")

    response = client.get("/test/boom", headers={"X-Request-ID": "req-boom"})

    assert response.status_code == 500
    (line,) = access_lines(capsys.readouterr().err, "/test/boom")
    assert (line["status"], line["request_id"]) == (500, "req-boom")
    assert requests_counted(client, "GET", "/test/boom", "5xx") == before + 1


def test_latency_is_labelled_by_route_template_never_by_raw_path(client) -> None:
    buyer = shopper(client.app.state.platform)
    before = requests_counted(client, "GET", "/v1/orders/{order_id}", "4xx")
    unmatched = requests_counted(client, "GET", "unmatched", "4xx")

    for n in range(3):
        client.get(f"/v1/orders/ord_{n}", headers={"Authorization": f"Bearer {buyer.api_key}"})
        client.get(f"/no/such/path/{n}")

    metrics = scrape(client)
    assert requests_counted(client, "GET", "/v1/orders/{order_id}", "4xx") == before + 3
    assert requests_counted(client, "GET", "unmatched", "4xx") == unmatched + 3
    routes = {dict(labels).get("route") for name, labels in metrics if "http_request" in name}
    assert not any("ord_" in route or "/no/such" in route for route in routes if route)


def test_payment_gateway_calls_are_timed_by_operation(client) -> None:
    platform = client.app.state.platform
    item = add_product(platform)
    stock(platform, add_facility(platform, "FC", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    authorize = frozenset({"operation": "authorize"}.items())
    before = scrape(client).get(("baro_payment_gateway_duration_seconds_count", authorize), 0)

    placed = client.post(
        "/v1/orders/one-click",
        json={"product_id": item.id, "quantity": 1},
        headers={"Authorization": f"Bearer {buyer.api_key}", "Idempotency-Key": "k1"},
    )

    assert placed.status_code == 201
    after = scrape(client)
    assert after[("baro_payment_gateway_duration_seconds_count", authorize)] == before + 1


def test_order_metrics_appear_in_the_scrape_when_the_order_path_records_them(client) -> None:
    before = scrape(client)

    order_metrics.record_batch(7)
    order_metrics.record_stock_contention_retry()

    after = scrape(client)
    for name, delta in [
        ("baro_order_batch_size_count", 1),
        ("baro_order_batch_size_sum", 7),
        ("baro_order_stock_contention_retries_total", 1),
    ]:
        assert after[(name, frozenset())] == before.get((name, frozenset()), 0) + delta


def test_outbox_lag_is_in_the_scrape(client) -> None:
    metrics = scrape(client)
    assert ("baro_outbox_unpublished_events", frozenset()) in metrics
    assert ("baro_outbox_oldest_unpublished_age_seconds", frozenset()) in metrics


def test_metrics_want_the_token_when_one_is_set(platform, monkeypatch) -> None:
    monkeypatch.setenv("BARO_METRICS_TOKEN", "s3cret-scrape")

    with TestClient(create_app(platform)) as client:
        refused = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
        scrape(client, Authorization="Bearer s3cret-scrape")

    assert refused.status_code == 401 and wrong.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("BARO_LOG_LEVEL", "debug")
    monkeypatch.setenv("BARO_LOG_FORMAT", "console")
    monkeypatch.setenv("BARO_LOG_SQL", "true")

    settings = ObservabilitySettings()

    assert (settings.log_level, settings.log_format, settings.log_sql) == ("DEBUG", "console", True)
    assert settings.metrics_token is None


def test_metrics_are_not_in_the_public_api_document(client) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_fresh_request_ids_never_repeat_within_or_across_processes() -> None:
    first, second = RequestIds(), RequestIds()
    ids = [first() for _ in range(1000)] + [second() for _ in range(1000)]
    assert len(set(ids)) == 2000
    assert all(len(i) == HEX_ID and int(i, 16) >= 0 for i in ids)
