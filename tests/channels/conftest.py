"""API tests that must behave the same on both databases take ``any_database``."""

from __future__ import annotations

import pytest

from tests.integration.conftest import pg_url  # noqa: F401 - the PostgreSQL variant's database


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def any_database(request: pytest.FixtureRequest) -> str:
    """A migrated database URL: SQLite (default run) or PostgreSQL (``pytest -m postgres``)."""
    return str(request.getfixturevalue("database_url" if request.param == "sqlite" else "pg_url"))
