"""``baro data``: the real public data sets the loaders in ``baro.datasets`` read."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from baro.cli._console import err, fail, out, progress_bar

if TYPE_CHECKING:
    from baro.datasets import FileCheck

app = typer.Typer(
    help="Real public data sets: verify them against SOURCES.md.", no_args_is_help=True
)


@app.callback()
def data() -> None:
    """Real public data sets: verify them against SOURCES.md."""


@app.command("check")
def check(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data sets folder (default BARO_DATA_DIR, else ../shared/data)"),
    ] = None,
) -> None:
    """Verify every file against the sha256 that SOURCES.md states for it."""
    from baro.datasets import DatasetError, read_manifest, resolve_data_dir, verify  # twin extra

    folder = resolve_data_dir(data_dir)
    try:
        files = len(read_manifest(folder))
        with progress_bar() as bar:
            task = bar.add_task("sha256", total=files)
            checks = verify(folder, progress=lambda done, _total: bar.update(task, completed=done))
    except DatasetError as error:
        raise fail(str(error)) from error
    out.print(_summary(checks, folder))
    problems = [check for check in checks if not check.ok]
    if problems:
        out.print(_problems(problems))
        err.print(
            f"[bold red]{len(problems)} of {len(checks)} files are not as SOURCES.md states[/]"
        )
        raise typer.Exit(code=1)


def _summary(checks: list[FileCheck], folder: Path) -> Table:
    by_set: dict[str, list[FileCheck]] = defaultdict(list)
    for check in checks:
        by_set[check.entry.set_name].append(check)
    table = Table(title=f"Data sets in {folder}")
    table.add_column("set")
    table.add_column("files", justify="right")
    table.add_column("rows", justify="right")
    table.add_column("status")
    for set_name, found in by_set.items():
        rows = sum(check.entry.rows or 0 for check in found)
        table.add_row(set_name, f"{len(found):,}", f"{rows:,}" if rows else "", _status(found))
    return table


def _status(checks: list[FileCheck]) -> str:
    from baro.datasets import CheckStatus

    counts = {status: sum(check.status is status for check in checks) for status in CheckStatus}
    if counts[CheckStatus.OK] == len(checks):
        return "[green]ok[/]"
    return ", ".join(
        f"[{'green' if status is CheckStatus.OK else 'red'}]{count} {status}[/]"
        for status, count in counts.items()
        if count
    )


def _problems(problems: list[FileCheck]) -> Table:
    table = Table(title="Files not as stated")
    table.add_column("file")
    table.add_column("status")
    table.add_column("sha256 expected / found")
    for check in problems:
        found = check.actual_sha256 or "-"
        table.add_row(
            str(check.entry.path),
            f"[red]{check.status}[/]",
            f"{check.entry.sha256[:16]}… / {found[:16]}{'…' if check.actual_sha256 else ''}",
        )
    return table
