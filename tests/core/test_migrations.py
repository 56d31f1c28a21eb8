"""One Alembic chain builds exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import baro.platform  # noqa: F401 - registers every table
from baro.core.db import Base, current_revision, head_revision, make_engine


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, kind, _parent: (
                    not (name or "").startswith("products_fts")
                )
            },
        )
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(database_url) == head_revision() == "0009"
