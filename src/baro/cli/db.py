"""``baro db``: schema migrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from baro.cli._console import err, fail, out
from baro.core.clock import SystemClock
from baro.core.config import Settings, get_settings
from baro.core.db import Database, current_revision, upgrade
from baro.core.idempotency import purge_expired

app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: BARO_DATABASE_URL, else sqlite:///baro.db)"),
]


def database_url(db: str | None) -> str:
    return Settings(database_url=db).database_url if db else get_settings().database_url


@app.command("upgrade")
def upgrade_command(db: DbOption = None, revision: str = "head") -> None:
    """Apply all migrations (the same chain on SQLite and PostgreSQL); at head, then index
    for search the products that have no search terms yet (revision 0016 cannot: the
    analysis is the catalogue's)."""
    url = database_url(db)
    try:
        upgrade(url, revision)
    except OperationalError as error:
        raise fail(f"cannot reach the database at {safe(url)}: {error.orig}") from error
    err.print(f"[green]schema at {current_revision(url)}[/] on {safe(url)}")
    if revision == "head":
        from baro.platform import Platform

        platform = Platform.start(Settings(database_url=url))
        try:
            indexed = platform.catalog.reindex()
        finally:
            platform.close()
        if indexed:
            err.print(f"{indexed:,} products indexed for search")


@app.command("current")
def current_command(db: DbOption = None) -> None:
    """Print the schema revision the database is at."""
    out.print(current_revision(database_url(db)) or "empty (run `baro db upgrade`)")


def safe(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


@app.command("prune-keys")
def prune_keys(db: DbOption = None) -> None:
    """Delete completed idempotency keys older than BARO_IDEMPOTENCY_TTL_HOURS."""
    settings = Settings(database_url=database_url(db))
    database = Database.connect(settings.database_url)
    try:
        with database.transaction() as session:
            pruned = purge_expired(
                session,
                now=SystemClock().now(),
                ttl=timedelta(hours=settings.idempotency_ttl_hours),
            )
    finally:
        database.dispose()
    err.print(f"pruned {pruned} idempotency keys older than {settings.idempotency_ttl_hours} h")
