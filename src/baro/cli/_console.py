"""Rich consoles: results on stdout, progress and messages on stderr (so --json pipes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from baro.core.errors import DomainError

out = Console()
err = Console(stderr=True)


def moment(value: str | None, option: str = "--now") -> datetime | None:
    """An ISO time option as an aware UTC time (a time without a zone is read as UTC)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time (e.g. 2026-12-01T09:00Z)", param_hint=option
        ) from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def fail_message(message: str) -> int:
    """Print an error for a person; returns the exit code to use. ``message`` is plain text:
    brackets in it (``pip install 'baro[twin]'``) are printed, not read as markup."""
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return 1


def fail(message: str) -> typer.Exit:
    return typer.Exit(code=fail_message(message))


@contextmanager
def domain_errors_as_messages() -> Iterator[None]:
    """A user's mistake is a one-line message and exit code 1, never a traceback."""
    try:
        yield
    except DomainError as error:
        raise fail(f"{error.message} ({error.code})") from error


def progress_bar(*, auto_refresh: bool = True) -> Progress:
    """A bar on stderr. Without ``auto_refresh`` no thread redraws it: the caller calls
    ``refresh()`` (a load generator, whose measured latencies a redrawing thread would
    lengthen by holding the interpreter while it draws)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        auto_refresh=auto_refresh,
    )
