"""Shared fixtures: a migrated SQLite database per test, a simulated clock, a platform."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.platform import Platform

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per run; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "baro.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Argon2 at its cheapest: tests sign many people up; the real cost is tested on its own.
    return Settings(
        database_url=database_url, currency="BRL", argon2_memory_kib=32, argon2_time_cost=1
    )


@pytest.fixture
def platform(settings: Settings, clock: SimulatedClock) -> Iterator[Platform]:
    started = Platform.start(settings, clock=clock)
    yield started
    started.close()
