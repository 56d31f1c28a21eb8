"""``baro report``: reports on a data set, written as JSON and a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from baro.cli._console import err, fail, out, progress_bar
from baro.core.config import Settings

app = typer.Typer(
    help="Reports on a data set: JSON and a self-contained HTML page.", no_args_is_help=True
)


@app.command("kpis")
def kpis(
    dataset: Annotated[str, typer.Option(help="online_retail or olist")] = "online_retail",
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where kpis.json and kpis.html go")] = Path(
        "out/kpis"
    ),
    events: Annotated[
        Path | None,
        typer.Option(
            help="JSON lines from `baro events relay`: its prime.* (or membership.*) events "
            "say who is a member (customer ids as the data set's)"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap intervals")] = 7,
) -> None:
    """Customer KPIs: repeat customers' share of revenue (against the seed's two thirds),
    cohort retention, RFM segments, and members against non-members when --events says who
    they are."""
    from baro.datasets import DatasetError
    from baro.twin.customer_kpis import KpiInputError, KpiRequest, measure

    folder = data_dir or Settings().resolved_data_dir()
    if not folder.is_dir():
        raise fail(f"no data folder at {folder}: pass --data-dir or set BARO_DATA_DIR")
    try:
        request = KpiRequest(dataset, folder, out_dir, events, seed)
        with progress_bar() as bar:
            task = bar.add_task(f"kpis {dataset}", total=None)

            def report(step: str, done: int, total: int) -> None:
                bar.update(task, description=f"kpis {dataset}: {step}", completed=done, total=total)

            result = measure(request, report)
    except (DatasetError, KpiInputError) as error:
        raise fail(str(error)) from error
    except OSError as error:
        raise fail(f"cannot write to {out_dir}: {error.strerror}") from error
    k = result.kpis
    retention = dict(k.curve.select("month", "share").iter_rows())
    out.print(
        f"[bold]{dataset}[/]: {k.orders:,} orders, {k.customers:,} customers; "
        f"repeat customers bring {k.repeat_revenue_share:.1%} of revenue (seed: "
        f"{k.seed_repeat_share:.0%}); retention month 1/3/6: "
        + " / ".join(f"{retention[m]:.1%}" if m in retention else "—" for m in (1, 3, 6))
    )
    for part, why in k.members.absent.items():
        out.print(f"members ({part}): {why}")
    err.print(f"wrote {result.json_path} and {result.html_path} in {k.seconds:.1f} s")
