"""Real PostgreSQL for the ``postgres`` tests: a scratch database per module.

Without a server these tests skip, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest

from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.core.scratch import scratch_database
from baro.platform import Platform
from tests.conftest import START

SERVER_URL = os.environ.get(
    "BARO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _reachable(url: str) -> str | None:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return str(error).strip()
    return None


def require_postgres() -> None:
    """Skip the test when no PostgreSQL server answers; fail it instead under CI."""
    problem = _reachable(SERVER_URL)
    if problem:
        message = f"PostgreSQL at {SERVER_URL} is not reachable: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set BARO_TEST_POSTGRES_URL)")


@pytest.fixture(scope="module")
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    require_postgres()
    name = f"baro_test_{request.module.__name__.rsplit('.', 1)[-1]}"[:60]
    with scratch_database(SERVER_URL, name) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def platform(pg_url: str) -> Iterator[Platform]:
    """The module's platform on PostgreSQL, on a simulated clock (tests step past windows)."""
    started = Platform.start(Settings(database_url=pg_url), clock=SimulatedClock(START))
    yield started
    started.close()
