"""What the API tests share: ``any_database`` (tests that must behave the same on both
databases take it), and the small ``world`` and in-process ``client`` most of them use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baro.platform import Platform
from tests.channels.support import World, api, build_world
from tests.integration.conftest import pg_url  # noqa: F401 - the PostgreSQL variant's database


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
