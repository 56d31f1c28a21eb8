"""No API key, card token or password reaches a log line, whatever is logged.

A whole API session runs through a real uvicorn server with every logger at DEBUG and SQL
logging on (statements and rows): customers' and operators' keys, a wrong key, card tokens,
a decline, a replay, a cancel, admin routes and a 500 whose message names secrets. Every
line written to stdout or stderr is then searched for each secret.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from baro.channels.web import create_app
from baro.commerce.payments import DECLINES, SUCCEEDS
from baro.core import logs
from baro.core.config import Settings
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

PASSWORD = "hunter2-db-pass"
WRONG_KEY = "bk_live_NotAKeyAnybodyWasGiven0123456789abcdef"


@pytest.fixture
def loud_platform(database_url: str, clock, monkeypatch) -> Iterator[Platform]:
    monkeypatch.setenv("BARO_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("BARO_LOG_SQL", "true")
    platform = Platform.start(Settings(database_url=database_url), clock=clock)
    yield platform
    platform.close()
    logs.configure_logging()  # back to INFO, without SQL, for the tests that follow


@dataclass
class Server:
    url: str
    stop: Callable[[], None]


@pytest.fixture
def server(loud_platform: Platform) -> Iterator[Server]:
    def build():
        app = create_app(loud_platform)

        @app.get("/test/crash")
        def crash() -> None:
            logging.getLogger("baro.test").info(
                "connecting to postgresql+psycopg://baro:%s@db:5432/baro", PASSWORD
            )
            raise RuntimeError(f"the gateway refused {SUCCEEDS} for key {WRONG_KEY}")

        return app

    # As `baro serve` runs it: uvicorn sets up its logging first, then calls the factory.
    config = uvicorn.Config(build, factory=True, host="127.0.0.1", port=0, log_level="debug")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(500):
        if running.started:
            break
        time.sleep(0.01)
    port = running.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        running.should_exit = True
        thread.join(timeout=10)

    yield Server(f"http://127.0.0.1:{port}", stop)
    stop()


def test_no_secret_in_any_log_line_of_a_whole_session(loud_platform, server, capfd) -> None:
    platform = loud_platform
    item = add_product(platform)
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, 5)
    buyer = shopper(platform, token=SUCCEEDS)
    declined = shopper(platform, name="Bia", token=DECLINES)
    admin_key = platform.customers.issue_admin_key()

    def as_(key: str, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key}"}
        return headers | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})

    order = {"product_id": item.id, "quantity": 1}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        statuses = [
            client.get("/v1/products", params={"q": "Garrafa", "api_key": buyer.api_key}),
            placed := client.post(
                "/v1/orders/one-click", json=order, headers=as_(buyer.api_key, "k1")
            ),
            client.post("/v1/orders/one-click", json=order, headers=as_(buyer.api_key, "k1")),
            client.post("/v1/orders/one-click", json=order, headers=as_(WRONG_KEY, "k2")),
            client.post("/v1/orders/one-click", json=order, headers=as_(declined.api_key, "k3")),
            client.get("/v1/orders", headers=as_(buyer.api_key)),
            client.post(f"/v1/orders/{placed.json()['id']}/cancel", headers=as_(buyer.api_key)),
            client.get("/v1/admin/facilities", headers=as_(admin_key)),
            client.post(
                f"/v1/admin/facilities/{facility}/stock/{item.id}/receive",
                json={"quantity": 3},
                headers=as_(admin_key, "r1"),
            ),
            client.get("/v1/admin/facilities", headers=as_(buyer.api_key)),
            # uvicorn closes the connection of a request whose app raised, after its 500
            client.get("/test/crash", headers=as_(admin_key) | {"Connection": "close"}),
            client.get("/readyz"),
            client.get("/metrics"),
        ]
    server.stop()  # every line written, the access line of the last request too
    captured = capfd.readouterr()
    text = captured.out + captured.err

    assert [r.status_code for r in statuses] == [
        200,
        201,
        201,
        401,
        402,
        200,
        200,
        200,
        200,
        403,
        500,
        200,
        200,
    ]
    # The capture saw what it should have: access lines, SQL with its rows, uvicorn, the 500.
    assert text.count('"logger": "baro.access"') == len(statuses)
    assert '"logger": "sqlalchemy.engine.Engine"' in text and "payment_methods" in text
    assert '"logger": "uvicorn.error"' in text
    assert "RuntimeError: the gateway refused tok_[redacted]" in text
    for secret in (
        buyer.api_key,
        declined.api_key,
        admin_key,
        WRONG_KEY,
        SUCCEEDS,
        DECLINES,
        PASSWORD,
    ):
        assert secret not in text, f"a log line holds {secret[:8]}…"
