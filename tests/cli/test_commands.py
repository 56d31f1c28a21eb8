"""The ``baro`` command as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from baro.bench.server import free_port, wait_until_healthy

BARO = [sys.executable, "-m", "baro"]


def baro(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BARO, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_world_seed_prints_a_manifest_a_client_can_use(tmp_path: Path) -> None:
    result = baro("world", "seed", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert len(manifest["products"]) >= 1000
    assert len({p["category"] for p in manifest["products"]}) >= 5
    assert len(manifest["facilities"]) >= 3
    assert len(manifest["customers"]) >= 100
    assert all(c["api_key"].startswith("bk_live_") for c in manifest["customers"])


def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = baro("db", "upgrade", "--db", "postgresql://nobody@127.0.0.1:1/none", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, dict]]:
    port = free_port()
    process = subprocess.Popen(
        [*BARO, "demo", "--port", str(port), "--path", str(tmp_path / "demo.db")],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, timeout_s=90)
        yield base, json.loads((tmp_path / "demo.json").read_text())
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_demo_serves_a_world_an_openapi_client_can_shop_in(demo: tuple[str, dict]) -> None:
    """With only /openapi.json and the seed JSON: place, replay, list and cancel an order."""
    base, manifest = demo
    spec = httpx.get(f"{base}/openapi.json").json()
    one_click = spec["paths"]["/v1/orders/one-click"]["post"]
    assert one_click["parameters"][0]["name"] == "Idempotency-Key"
    customer, product = manifest["customers"][0], manifest["products"][0]
    headers = {"Authorization": f"Bearer {customer['api_key']}", "Idempotency-Key": "t-1"}
    body = {"product_id": product["id"], "quantity": 1}

    placed = httpx.post(f"{base}/v1/orders/one-click", json=body, headers=headers)
    replayed = httpx.post(f"{base}/v1/orders/one-click", json=body, headers=headers)
    listed = httpx.get(f"{base}/v1/orders", headers=headers).json()
    cancelled = httpx.post(f"{base}/v1/orders/{placed.json()['id']}/cancel", headers=headers)

    assert placed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert [o["id"] for o in listed["items"]] == [placed.json()["id"]]
    assert cancelled.json()["status"] == "refunded"
    assert httpx.get(f"{base}/docs").status_code == 200


def test_events_relay_prints_each_event_once_in_order(tmp_path: Path) -> None:
    from baro.core.config import Settings
    from baro.core.db import upgrade
    from baro.platform import Platform
    from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

    url = f"sqlite:///{tmp_path / 'events.db'}"
    upgrade(url)  # in this process: the relay is what runs as the user runs it
    platform = Platform.start(Settings(database_url=url))
    item = add_product(platform)
    stock(platform, add_facility(platform, "FC", SAO_PAULO), item.id, 3)
    buyer = shopper(platform)
    platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key="e")
    platform.close()

    first = baro("events", "relay", "--db", url, cwd=tmp_path)
    again = baro("events", "relay", "--db", url, cwd=tmp_path)

    events = [json.loads(line) for line in first.stdout.splitlines()]
    assert [e["type"] for e in events] == ["order.placed", "order.paid", "order.allocated"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert again.stdout == ""


def test_demo_prints_the_storefront_first_then_the_console_and_the_api(tmp_path: Path) -> None:
    from baro.commerce.customers import Role
    from baro.core.config import Settings
    from baro.platform import Platform

    port = free_port()
    database = tmp_path / "demo.db"
    process = subprocess.Popen(
        [*BARO, "demo", "--port", str(port), "--path", str(database)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, timeout_s=90)
        web = json.loads((tmp_path / "demo.json").read_text())["web"]
        platform = Platform.start(Settings(database_url=f"sqlite:///{database}"))
        try:
            shopper = platform.accounts.sign_in(
                email=web["shopper_email"], password=web["shopper_password"], role=Role.CUSTOMER
            )
            operator = platform.accounts.sign_in(
                email=web["operator_email"], password=web["operator_password"], role=Role.ADMIN
            )
            assert platform.accounts.session(operator).principal.is_admin
            assert platform.accounts.session(shopper).principal.payment_method is not None
        finally:
            platform.close()
    finally:
        process.terminate()
        _, printed = process.communicate(timeout=20)
    places = [printed.index(label) for label in ("Storefront", "Console", "API docs")]
    assert places == sorted(places)
    assert f"http://127.0.0.1:{port}/ops" in printed and web["shopper_password"] in printed
    assert (tmp_path / "demo.json").stat().st_mode & 0o077 == 0  # keys and passwords: owner only
