"""Fresh, throwaway databases for benches: a temporary SQLite file, or a new PostgreSQL
database created on the server the user names (never their own data)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from baro.core.config import Settings


@contextmanager
def scratch_database(server_url: str | None, name: str) -> Iterator[str]:
    """Yield the URL of an empty database; it is dropped (or deleted) afterwards."""
    url = Settings(database_url=server_url).database_url if server_url else None
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="baro-bench-") as folder:
            yield f"sqlite:///{Path(folder) / (name + '.db')}"
        return
    server = make_url(url)
    _recreate(server, name)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(server, name)


def libpq_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _recreate(server: URL, name: str) -> None:
    with psycopg.connect(libpq_dsn(server), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(server: URL, name: str) -> None:
    with psycopg.connect(libpq_dsn(server), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
