"""``baro simulate``: the digital twin on a real data set."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from baro.cli._console import domain_errors_as_messages, err, fail, out, progress_bar
from baro.core.config import Settings


def _policy_names() -> str:
    """The twin's stock policies, comma-separated, for the help."""
    try:
        from baro.twin.policies import POLICIES
    except ModuleNotFoundError:  # a server install: simulate itself says which extra to add
        return "(those of the twin extra)"
    return ",".join(POLICIES)


POLICY_NAMES = _policy_names()


def _date(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d") if text else None  # noqa: DTZ007 - a day, UTC


def simulate(
    dataset: Annotated[str, typer.Option(help="Data set to replay")] = "olist",
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Day after the last (YYYY-MM-DD)")] = None,
    policy: Annotated[str, typer.Option(help=f"Stock policy, one of: {POLICY_NAMES}")] = "baseline",
    compare: Annotated[
        str | None,
        typer.Option(help=f"Several policies side by side, comma-separated, from: {POLICY_NAMES}"),
    ] = None,
    delivery: Annotated[
        str,
        typer.Option(
            help="sampled: the data set's carrier times; routed: baro's van waves (PyVRP) and "
            "drones, side by side with the sampled baseline in one report"
        ),
    ] = "sampled",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same run")] = 7,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where metrics.json and report.html go")
    ] = Path("out/simulate"),
    db: Annotated[
        str | None, typer.Option(help="Database URL (default: a throwaway SQLite)")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
) -> None:
    """Replay a data set's orders through baro on a simulated clock; write metrics and a report."""
    from baro.datasets import DatasetError
    from baro.twin.simulate import SimulationRequest, UnknownChoice
    from baro.twin.simulate import simulate as run

    try:
        first, last = _date(start), _date(end)
    except ValueError as error:
        raise fail(f"dates are YYYY-MM-DD: {error}") from error
    try:
        request = SimulationRequest(
            dataset=dataset,
            data_dir=data_dir or Settings().resolved_data_dir(),
            out_dir=out_dir,
            policies=tuple(compare.split(",")) if compare else (policy,),
            start=first.date() if first else None,
            end=last.date() if last else None,
            seed=seed,
            database_url=Settings(database_url=db).database_url if db else None,
            delivery=delivery,
        )
    except (UnknownChoice, ValueError) as error:
        raise fail(str(error)) from error
    with progress_bar() as bar, domain_errors_as_messages():
        tasks: dict[str, int] = {}

        def report(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"replay {name}", total=total)
            bar.update(tasks[name], completed=done)

        try:
            result = run(request, report)
        except (DatasetError, ValueError) as error:
            raise fail(str(error)) from error
    for name, values in result.metrics["policies"].items():
        out.print(
            f"[bold]{name}[/]: {values['orders']} orders, click-to-door p50 "
            f"{values['click_to_door_p50_h']} h / p90 {values['click_to_door_p90_h']} h "
            f"(actual {values['actual_click_to_door_p50_h']} / "
            f"{values['actual_click_to_door_p90_h']} h), on time {values['on_time_rate']}"
            + (
                f" (baro's promise {values['on_time_rate_baro']}), delivery "
                f"{values['delivery_km_per_order']} km and {values['delivery_cost_per_order']} "
                f"{values['currency']} per order"
                if "delivery_by_mode" in values
                else ""
            )
        )
    err.print(f"wrote {result.metrics_path} and {result.report}")
