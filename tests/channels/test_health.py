"""Liveness and readiness: neither waits on the request thread pool."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator

import anyio
import anyio.to_thread
import httpx
import pytest
from sqlalchemy import text

from baro.channels.web import create_app, health
from baro.core.config import Settings
from baro.core.db import Database, head_revision
from baro.platform import Platform
from tests.integration.conftest import pg_url  # noqa: F401 - the PostgreSQL test's database

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform)) as test_client:
        yield test_client


def test_alive_says_ok_without_asking_the_database(client, platform) -> None:
    platform.db = Database.connect("postgresql+psycopg://nobody@127.0.0.1:1/none")

    response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_when_the_database_answers_at_the_head_revision(client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "schema": head_revision()}


def test_not_ready_when_the_database_does_not_answer(client, platform) -> None:
    platform.db = Database.connect("postgresql+psycopg://nobody@127.0.0.1:1/none")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() | {"detail": ""} == {
        "type": "urn:baro:problem:not_ready",
        "title": "Service Unavailable",
        "status": 503,
        "code": "not_ready",
        "detail": "",
        "database": "down",
    }


def test_not_ready_when_migrations_are_not_at_head(client, platform) -> None:
    with platform.db.transaction() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert (body["code"], body["database"]) == ("not_ready", "ok")
    assert (body["schema"], body["expected_schema"]) == ("0000_older", head_revision())
    assert "baro db upgrade" in body["detail"]


def test_not_ready_when_the_database_hangs_past_the_deadline(client, monkeypatch) -> None:
    released = threading.Event()
    monkeypatch.setattr(health, "READY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(health, "_schema_of", lambda _db: released.wait(30))
    try:
        response = client.get("/readyz")
    finally:
        released.set()

    assert response.status_code == 503 and response.json()["database"] == "timeout"


def test_health_answers_while_every_request_thread_is_taken(platform) -> None:
    """Given the request thread pool with no thread free, when a probe comes, then it is
    answered: liveness needs no thread, readiness uses a thread of its own."""
    app = create_app(platform)

    async def probe() -> None:
        pool = anyio.to_thread.current_default_thread_limiter()
        holders = [object() for _ in range(int(pool.total_tokens))]
        for holder in holders:
            await pool.acquire_on_behalf_of(holder)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://baro") as client:
            try:
                with anyio.move_on_after(0.5) as stalled:
                    await client.get("/v1/orders")  # a sync route: it needs a pool thread
                alive = await client.get("/healthz")
                ready = await client.get("/readyz")
            finally:
                for holder in holders:
                    pool.release_on_behalf_of(holder)

        assert stalled.cancelled_caught  # the pool really was full
        assert alive.status_code == 200
        assert ready.status_code == 200

    anyio.run(probe)


@pytest.mark.postgres
def test_ready_on_postgresql(pg_url: str) -> None:  # noqa: F811 - the fixture
    platform = Platform.start(Settings(database_url=pg_url))
    try:
        with TestClient(create_app(platform)) as client:
            response = client.get("/readyz")
    finally:
        platform.close()

    assert response.status_code == 200 and response.json()["schema"] == head_revision()
