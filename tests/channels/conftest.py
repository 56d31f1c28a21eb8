"""What the API tests share: ``any_database`` (tests that must behave the same on both
databases take it), the small ``world`` and in-process ``client`` most of them use, and the
rate limiter's stopped clock."""

from __future__ import annotations

from collections.abc import Iterator

import limits.storage.memory
import pytest

from baro.platform import Platform
from tests.channels.support import World, api, build_world
from tests.integration.conftest import pg_url  # noqa: F401 - the PostgreSQL variant's database


class FakeTime:
    """Stands in for the ``time`` module inside limits' memory storage."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """The rate limiter's clock, stopped: its window slides on the wall clock, so twenty
    failures that straddle a minute's end would count as fewer than twenty."""
    clock = FakeTime()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    return clock


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def any_database(request: pytest.FixtureRequest) -> str:
    """A migrated database URL: SQLite (default run) or PostgreSQL (``pytest -m postgres``)."""
    return str(request.getfixturevalue("database_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def world(platform: Platform) -> World:
    return build_world(platform)


@pytest.fixture
def client(platform: Platform) -> Iterator:
    with api(platform) as test_client:
        yield test_client
