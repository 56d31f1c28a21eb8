"""What every request meets before a route: a body limit, the Allow header of a 405, and a
500 that answers without tearing down the keep-alive connection."""

from __future__ import annotations

import http.client
import json
import logging
import threading
from collections.abc import Iterator

import pytest
import uvicorn

from baro.bench.server import free_port
from baro.channels.web import create_app
from baro.core.config import Settings
from baro.platform import Platform
from tests.channels.support import World, assert_problem, bearer

LIMIT = 1024


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, currency="BRL", max_body_bytes=LIMIT)


def padded_order(world: World, size: int) -> bytes:
    """A 1-Click body of exactly ``size`` bytes (JSON allows the trailing spaces)."""
    body = json.dumps({"product_id": world.product}).encode()
    return body + b" " * (size - len(body))


def test_a_body_over_the_limit_is_413_before_it_is_read(client, world: World) -> None:
    at_limit = client.post(
        "/v1/orders/one-click",
        content=padded_order(world, LIMIT),
        headers={**bearer(world.buyer.api_key, "k1"), "Content-Type": "application/json"},
    )
    over = client.post(
        "/v1/orders/one-click",
        content=padded_order(world, LIMIT + 1),
        headers={**bearer(world.buyer.api_key, "k2"), "Content-Type": "application/json"},
    )

    assert at_limit.status_code == 201, at_limit.text
    assert_problem(over, 413, "body_too_large")
    assert over.headers["Connection"] == "close"


def test_a_chunked_body_over_the_limit_is_413(client, world: World) -> None:
    def chunks() -> Iterator[bytes]:
        body = padded_order(world, LIMIT + 200)
        yield from (body[n : n + 100] for n in range(0, len(body), 100))

    response = client.post(
        "/v1/orders/one-click",
        content=chunks(),
        headers={**bearer(world.buyer.api_key, "k1"), "Content-Type": "application/json"},
    )

    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_problem(response, 413, "body_too_large")


def test_a_chunked_body_within_the_limit_is_read(client, world: World) -> None:
    def chunks() -> Iterator[bytes]:
        body = padded_order(world, LIMIT)
        yield from (body[n : n + 100] for n in range(0, len(body), 100))

    response = client.post(
        "/v1/orders/one-click",
        content=chunks(),
        headers={**bearer(world.buyer.api_key, "k1"), "Content-Type": "application/json"},
    )

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("PATCH", "/v1/cart/items/prd_1", "DELETE, PUT"),
        ("POST", "/v1/cart/items/prd_1", "DELETE, PUT"),
        ("DELETE", "/v1/products", "GET, HEAD"),
        ("PUT", "/v1/orders/one-click", "POST"),  # concrete, not /v1/orders/{order_id}
        ("PUT", "/v1/orders/ord_1", "GET, HEAD"),
    ],
)
def test_a_405_names_every_method_of_the_path(client, method: str, url: str, allow: str) -> None:
    response = client.request(method, url)

    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == allow


# A real server: the keep-alive connection must survive a 500. -----------------------------


@pytest.fixture
def server(platform: Platform) -> Iterator[tuple[str, int]]:
    """The app under uvicorn (httptools, as ``baro serve``) on a thread of this process."""
    port = free_port()
    config = uvicorn.Config(
        create_app(platform),
        host="127.0.0.1",
        port=port,
        http="httptools",
        proxy_headers=False,
        log_level="warning",
        access_log=False,
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        while not running.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            thread.join(0.05)
        yield ("127.0.0.1", port)
    finally:
        running.should_exit = True
        thread.join(30)


def test_a_500_answers_and_keeps_the_connection(
    server, platform: Platform, world: World, monkeypatch, caplog
) -> None:
    def broken(product_id: str) -> None:
        raise RuntimeError(f"disk on fire\nwhile reading {product_id}")

    monkeypatch.setattr(platform.catalog, "get", broken)
    connection = http.client.HTTPConnection(*server, timeout=10)
    caplog.set_level(logging.INFO)

    connection.request("GET", f"/v1/products/{world.product}")
    failed = connection.getresponse()
    failed_body = json.loads(failed.read())
    first_socket = connection.sock
    connection.request("GET", "/v1/products")
    second = connection.getresponse()
    second.read()
    connection.close()

    assert failed.status == 500
    assert failed.getheader("Content-Type") == "application/problem+json"
    assert failed_body["code"] == "internal_error" and "fire" not in json.dumps(failed_body)
    assert second.status == 200
    assert connection.sock is None and first_socket is not None  # (closed by us, at the end)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    (line,) = errors
    assert line.name == "baro.web" and line.exc_info is None
    assert line.error_type == "builtins.RuntimeError"
    assert line.route == "/v1/products/{product_id}"
    assert "\n" not in line.getMessage()
    assert "disk on fire while reading" in line.error_message
