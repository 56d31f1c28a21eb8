"""``baro bench``: benchmark harnesses that write JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID
from rich.table import Table

from baro.cli._console import err, fail, out, progress_bar
from baro.core.config import Settings

app = typer.Typer(help="Benchmarks: each writes one JSON of metrics.", no_args_is_help=True)


# The benches that serve a world build it on a scratch database of their own.
ScratchDb = Annotated[
    str | None,
    typer.Option(
        help="PostgreSQL server URL (a scratch database is created on it); "
        "default: a temporary SQLite file"
    ),
]


@app.command("orders")
def orders(
    db: ScratchDb = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Concurrent HTTP clients")] = 32,
    orders: Annotated[int, typer.Option(min=1, help="1-Click orders to send")] = 2_000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes (baro serve's default)")
    ] = 1,
    replay_share: Annotated[
        float, typer.Option(min=0, max=1, help="Share re-sent with the same key")
    ] = 0.2,
    hot_stock: Annotated[int, typer.Option(min=0, help="Units of the contested product")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Drive a real server with concurrent 1-Click orders, then audit the database."""
    from baro.bench.orders import OrdersBenchConfig, run  # the bench extra

    config = OrdersBenchConfig(
        db=db,
        concurrency=concurrency,
        orders=orders,
        workers=workers,
        replay_share=replay_share,
        hot_stock=hot_stock,
        seed=seed,
    )
    with progress_bar(auto_refresh=False) as bar:
        task = bar.add_task("orders", total=orders)
        step = max(1, orders // 20)

        def advance(done: int, _total: int) -> None:
            if done % step == 0 or done == orders:  # redrawn 20 times, between requests
                bar.update(task, completed=done, refresh=True)

        try:
            result = run(config, advance)
        except (RuntimeError, OSError) as error:
            raise fail(str(error)) from error
    write_json(result, json_path)


def save_json(result: dict[str, Any], json_path: Path | None) -> None:
    """Write the bench's result to ``json_path`` (if given) and say where."""
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, indent=2) + "\n")
        err.print(f"wrote {json_path}")


def stepped_run(
    first_step: str,
    work: Callable[[Callable[[str, int, int], None]], dict[str, Any]],
    errors: tuple[type[Exception], ...],
) -> dict[str, Any]:
    """``work(advance)`` under a progress bar that shows its steps; its ``errors`` are
    messages, not tracebacks."""
    with progress_bar() as bar:
        task = bar.add_task(first_step, total=None)

        def advance(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        try:
            return work(advance)
        except errors as error:
            raise fail(str(error)) from error


def write_json(result: dict[str, Any], json_path: Path | None) -> None:
    """save_json, and the result on stdout."""
    save_json(result, json_path)
    out.print_json(json.dumps(result, indent=2))


@app.command("pages")
def pages(
    db: ScratchDb = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Concurrent HTTP clients")] = 8,
    requests: Annotated[int, typer.Option(min=1, help="Requests to each page")] = 200,
    workers: Annotated[int, typer.Option(min=1, help="Server processes")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed of the demo world")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Time every storefront and console page on a demo world; fail on any 5xx."""
    from baro.bench.pages import PagesBenchConfig, run  # the bench extra

    config = PagesBenchConfig(
        db=db, concurrency=concurrency, requests=requests, workers=workers, seed=seed
    )
    with progress_bar(auto_refresh=False) as bar:
        task = bar.add_task("pages", total=None)

        def advance(page: str, done: int, total: int) -> None:
            if done == total:  # redrawn between pages, not while one is being timed
                bar.update(task, description=page, completed=done, total=total, refresh=True)

        try:
            result = run(config, advance)
        except (RuntimeError, OSError) as error:
            raise fail(str(error)) from error
    save_json(result, json_path)
    out.print(pages_table(result))
    broken = result["errors_5xx"] or result["pages_without_200"]
    if broken:
        raise fail(
            f"{result['errors_5xx']} server errors; pages that never answered 200: "
            f"{', '.join(result['pages_without_200']) or 'none'}"
        )


@app.command("home")
def home(
    db: ScratchDb = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Concurrent HTTP clients")] = 16,
    requests: Annotated[int, typer.Option(min=1, help="Home pages asked for")] = 2_000,
    customers: Annotated[int, typer.Option(min=1, help="Customers with a history")] = 100,
    orders: Annotated[int, typer.Option(min=1, help="Orders in each one's history")] = 8,
    workers: Annotated[int, typer.Option(min=1, help="Server processes")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed of the demo world")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """GET /v1/home under load on a demo world with a purchase history and a trained
    model: p50/p95 against the 30 ms target, train time, rows per page."""
    from baro.bench.home import HomeBenchConfig, run  # the bench and intelligence extras

    config = HomeBenchConfig(
        db=db,
        concurrency=concurrency,
        requests=requests,
        customers=customers,
        orders=orders,
        workers=workers,
        seed=seed,
    )
    with progress_bar(auto_refresh=False) as bar:
        task = bar.add_task("home", total=None)

        def advance(step: str, done: int, total: int) -> None:
            if done == total or done % 100 == 0:
                bar.update(task, description=step, completed=done, total=total, refresh=True)

        try:
            result = run(config, advance)
        except (RuntimeError, OSError) as error:
            raise fail(str(error)) from error
    save_json(result, json_path)
    table = Table(title=f"baro bench home — {result['db']}, concurrency {concurrency}")
    for column in ("measure", "value", "target"):
        table.add_column(column)
    table.add_row("p50 / p95 ms", f"{result['p50_ms']} / {result['p95_ms']}", "p95 < 30")
    table.add_row("timing", result["timing"], "")
    table.add_row("statuses", str(result["status_counts"]), "all 200")
    table.add_row("rows per page", str(result["mean_rows_per_page"]), "")
    table.add_row("train s", str(result["train_s"]), "< 120")
    out.print(table)
    if result["errors_5xx"]:
        raise fail(f"{result['errors_5xx']} server errors")


def pages_table(result: dict[str, Any]) -> Table:
    target = result["target_p95_ms"]
    table = Table(
        title=f"baro bench pages — {result['db']}, concurrency {result['concurrency']}, "
        f"{result['requests_per_page']} requests a page, p95 target {target:g} ms"
    )
    table.add_column("page")
    table.add_column("path", overflow="fold")
    table.add_column("timing")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    table.add_column("statuses")
    for name, page in result["pages"].items():
        p95 = page["p95_ms"]
        colour = "green" if page["meets_target"] else "red"
        table.add_row(
            name,
            page["path"],
            page["timing"],
            f"{page['p50_ms']}",
            f"[{colour}]{p95}[/]",
            " ".join(f"{status}×{n}" for status, n in page["status_counts"].items()),
        )
    return table


@app.command("twin")
def twin(
    dataset: Annotated[str, typer.Option(help="Data set to replay")] = "olist",
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Replay a whole data set through the twin and time it."""
    from baro.bench import twin as twin_bench  # the twin extra
    from baro.datasets import DatasetError

    folder = data_dir or Settings().resolved_data_dir()
    with progress_bar() as bar:
        task = bar.add_task(f"replay {dataset}", total=None)
        try:
            result = twin_bench.run(
                dataset,
                folder,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except (KeyError, DatasetError, ValueError) as error:
            raise fail(str(error)) from error
    write_json(result, json_path)


@app.command("peak")
def peak(
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder (olist/)")] = None,
    peak_month: Annotated[
        str, typer.Option(help="First day of the month made the peak (YYYY-MM-01)")
    ] = "2017-11-01",
    seeds: Annotated[str, typer.Option(help="The twin's seeds, comma-separated")] = "7,8,9",
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """An emulated Black Friday month from real orders: the twin's click-to-door with its
    load-aware stages against the same run without capacity limits."""
    from baro.bench import peak as peak_bench  # the twin extra
    from baro.datasets import DatasetError

    try:
        config = peak_bench.PeakBenchConfig(
            data_dir=data_dir or Settings().resolved_data_dir(),
            peak_month=date.fromisoformat(peak_month),
            seeds=tuple(int(s) for s in seeds.split(",")),
        )
    except ValueError as error:
        raise fail(f"bad option: {error}") from error
    with progress_bar() as bar:
        task = bar.add_task("emulated peak", total=2 * len(config.seeds))
        try:
            result = peak_bench.run(
                config, progress=lambda what: bar.update(task, advance=1, description=what)
            )
        except (DatasetError, ValueError) as error:
            raise fail(str(error)) from error
    table = Table("seed", "p50 h", "p90 h", "peak days p50 h", "peak days p90 h")
    for run in result["runs"]:
        with_, without, ratio = run["capacity"], run["no_capacity"], run["ratio"]
        table.add_row(
            str(run["seed"]),
            *(
                f"{with_[k]} vs {without[k]} ({_percent(ratio[k])})"
                for k in ("p50_h", "p90_h", "peak_days_p50_h", "peak_days_p90_h")
            ),
        )
    out.print(table)
    out.print(
        f"{result['orders']['emulated']:,} orders emulated from "
        f"{result['orders']['month_before']:,}; with capacity vs without (change)"
    )
    write_json(result, json_path)


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{(ratio - 1) * 100:+.1f} %"


@app.command("anticipate")
def anticipate(
    test_from: Annotated[
        str, typer.Option(help="First day of the test (YYYY-MM-DD); policies plan from before it")
    ],
    test_to: Annotated[
        str | None,
        typer.Option(help="Day after the test's last (YYYY-MM-DD). Default: two months on"),
    ] = None,
    retail_test_from: Annotated[
        str | None,
        typer.Option(
            help="First day of Online Retail's forecast test (YYYY-MM-DD). Default: the "
            "data's last eight weeks"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same run")] = 7,
    report_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also keep the twin's report.html and metrics.json here"),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Anticipatory shipping on held-out Olist orders: baseline, central, proportional,
    anticipate and oracle side by side in the twin, and the forecast's accuracy on Online
    Retail against seasonal naive and AutoETS."""
    from baro.bench import anticipate as anticipate_bench  # the intelligence extra
    from baro.core.errors import InvalidRequest
    from baro.datasets import DatasetError
    from baro.intelligence.forecast import ForecastError

    days = {
        "--test-from": test_from,
        "--test-to": test_to,
        "--retail-test-from": retail_test_from,
    }
    try:
        parsed = {
            name: datetime.strptime(value, "%Y-%m-%d").date() if value else None  # noqa: DTZ007
            for name, value in days.items()
        }
    except ValueError as error:
        raise fail(f"days are YYYY-MM-DD: {error}") from error
    folder = data_dir or Settings().resolved_data_dir()
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(f"replay {step}", total=total)
            bar.update(tasks[step], completed=done, total=total)

        try:
            result = anticipate_bench.run(
                folder,
                test_from=parsed["--test-from"],  # type: ignore[arg-type]
                test_to=parsed["--test-to"],
                retail_test_from=parsed["--retail-test-from"],
                seed=seed,
                out_dir=report_dir,
                progress=advance,
            )
        except (DatasetError, ForecastError, InvalidRequest, ValueError) as error:
            raise fail(str(error)) from error
    write_json(result, json_path)
    out.print(anticipate_table(result))


def anticipate_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"baro bench anticipate — Olist {result['test_from']}..{result['test_to']} "
        f"(oracle gain captured: {result['oracle_gain_captured']})"
    )
    fields = ["local_fill_rate", "same_region_fill_rate", "click_to_door_p50_h"]
    fields += ["click_to_door_p90_h", "transfer_units", "speculative_units", "cost_per_order"]
    table.add_column("policy")
    for field in fields:
        table.add_column(field.replace("_", " "), justify="right")
    for name, values in result["policies"].items():
        table.add_row(name, *("—" if values[f] is None else str(values[f]) for f in fields))
    return table


@app.command("siting")
def siting(
    customers: Annotated[int, typer.Option(min=1, help="Customers to site centers for")] = 100_000,
    centers: Annotated[int, typer.Option(min=1, help="Centers to site")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Site centers by weighted k-medoids over many customers: wall time and peak memory."""
    from baro.bench import siting as siting_bench  # the twin extra

    folder = data_dir or Settings().resolved_data_dir()
    write_json(siting_bench.run(customers, centers, seed=seed, data_dir=folder), json_path)


@app.command("routing")
def routing(
    instances: Annotated[
        list[str],
        typer.Option(
            help="Glob of VRPLIB .vrp files, under the data folder unless absolute "
            "(repeatable), e.g. 'cvrplib_x/X-n10*.vrp' 'solomon/vrplib/C101.vrp'"
        ),
    ],
    time_limit: Annotated[
        float, typer.Option(min=0.1, help="Seconds per instance for each solver")
    ] = 30.0,
    seed: Annotated[int, typer.Option(help="Seed of baro's and raw PyVRP's search")] = 1,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """baro's dispatch solver, raw PyVRP and OR-Tools on CVRPLIB X and Solomon instances:
    cost, gap to the best known, runtime; every solution checked independently."""
    from baro.bench import routing as routing_bench  # the bench extra (vrplib, OR-Tools)

    folder = data_dir or Settings().resolved_data_dir()
    paths = routing_bench.find_instances(instances, folder)
    if not paths:
        raise fail(f"no .vrp file matches {', '.join(instances)} under {folder}")
    steps = len(paths) * len(routing_bench.SOLVERS)
    with progress_bar() as bar:
        task = bar.add_task("routing", total=steps)
        started = [0]

        def advance(what: str) -> None:
            bar.update(task, description=what, completed=started[0])
            started[0] += 1

        try:
            result = routing_bench.run(paths, time_limit_s=time_limit, seed=seed, progress=advance)
        except (ValueError, OSError) as error:
            raise fail(str(error)) from error
        bar.update(task, description="routing", completed=steps)
    save_json(result, json_path)
    out.print(routing_table(result))
    out.print(routing_summary(result))
    if any(not run["feasible"] for row in result["instances"] for run in row["solvers"].values()):
        err.print("[yellow]some solver returned no feasible solution: see violations[/]")


def _gap(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} %"


def routing_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"baro bench routing — {result['time_limit_s']:g} s per solver")
    table.add_column("instance")
    table.add_column("best known", justify="right")
    for solver in ("baro", "pyvrp", "ortools"):
        table.add_column(f"{solver} (gap)", justify="right")
    for row in result["instances"]:
        cells = [row["instance"], f"{row['bks']:g}" if row["bks"] else "—"]
        for solver in ("baro", "pyvrp", "ortools"):
            run = row["solvers"][solver]
            cells.append(
                f"{run['cost']:g} ({_gap(run['gap_pct'])})"
                if run["feasible"]
                else "[red]infeasible[/]"
            )
        table.add_row(*cells)
    return table


def routing_summary(result: dict[str, Any]) -> Table:
    table = Table(title="mean gap to the best known")
    table.add_column("family")
    for solver in ("baro", "pyvrp", "ortools"):
        table.add_column(solver, justify="right")
    table.add_column("baro ≤ target")
    table.add_column("baro < OR-Tools")
    for family, summary in result["aggregate"].items():
        solvers = summary["solvers"]
        table.add_row(
            family,
            *(_gap(solvers[s]["mean_gap_pct"]) for s in ("baro", "pyvrp", "ortools")),
            f"{_verdict(summary.get('baro_meets_target'))} ({summary['target_gap_pct']:g} %)",
            _verdict(summary.get("baro_below_ortools")),
        )
    return table


def _verdict(holds: bool | None) -> str:
    return "—" if holds is None else "[green]yes[/]" if holds else "[red]no[/]"


@app.command("drones")
def drones(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data sets folder: the demand is Olist's orders there, if present"),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day of the demand's period (YYYY-MM-DD, Brazil's day)"),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Day after the period's last (YYYY-MM-DD)")
    ] = None,
    orders_per_day: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Assume this many orders a day at 1x instead of reading the data "
            "(without the data, 5,000 are assumed)",
        ),
    ] = None,
    drones_per_base: Annotated[int, typer.Option(min=1, help="Drones at each base")] = 40,
    multipliers: Annotated[
        str,
        typer.Option(
            help="Demand multiples, comma-separated; auto: 1, 2, 5, 10, … until it breaks"
        ),
    ] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
    png_path: Annotated[
        Path | None, typer.Option("--png", help="Write the share-vs-demand plot here")
    ] = None,
) -> None:
    """Drones on the demo world's demand (SimPy): the share of drone orders at the door
    within 30 minutes of the click on the data's mean and busiest day, per demand multiple,
    and where it breaks."""

    from baro.twin.drone_scenario import DroneScenario, plot_png, run, world_demand  # twin extra

    try:
        factors = (
            () if multipliers.strip() == "auto" else tuple(float(m) for m in multipliers.split(","))
        )
        first, last = (
            datetime.strptime(text, "%Y-%m-%d").date() if text else None  # noqa: DTZ007 - a day
            for text in (start, end)
        )
    except ValueError as error:
        raise fail(
            f"multiples are numbers, comma-separated, or auto; days YYYY-MM-DD: {error}"
        ) from error
    if first and last and first >= last:
        raise fail(f"--from {first} must be before --to {last}")
    try:
        scenario = DroneScenario(multipliers=factors, drones_per_base=drones_per_base, seed=seed)
    except ValueError as error:
        raise fail(str(error)) from error
    try:
        demand = world_demand(
            data_dir or Settings().resolved_data_dir(),
            start=first,
            end=last,
            orders_per_day=orders_per_day,
        )
    except ValueError as error:  # no orders in the period asked for
        raise fail(str(error)) from error
    colour = "green" if demand.source != "synthetic" else "yellow"
    err.print(f"[{colour}]demand ({demand.source}): {demand.note}[/]")
    if demand.peak_day:
        err.print(
            f"mean day {demand.mean_per_day:,.1f} orders; busiest {demand.peak_day}, "
            f"{demand.peak_per_day} orders"
        )
    result = run(scenario, demand)
    if png_path:
        png_path.parent.mkdir(parents=True, exist_ok=True)
        png_path.write_bytes(plot_png(result))
        err.print(f"wrote {png_path}")
    write_json(result, json_path)
    err.print(drones_summary(result))


def drones_summary(result: dict[str, Any]) -> str:
    """The answer in two lines: the target at the mean and the busiest day, and the break."""

    def share(outcome: dict[str, Any] | None) -> str:
        if outcome is None:
            return "unknown (the demand is assumed)"
        return (
            f"{outcome['share_within_goal']:.1%} of {outcome['eligible']:,} drone orders "
            f"({outcome['orders']:,} orders)"
        )

    fleet = result["fleet"]
    lines = [
        f"≤ 30 min: mean day {share(result['mean_day'])}; busiest day "
        f"{share(result['peak_day'])}; fleet {fleet['bases']} bases × "
        f"{fleet['drones_per_base']} drones"
    ]
    broken = result["break"]
    if broken:
        lines.append(
            f"breaks between {broken['holds_at_multiplier']:g}x "
            f"({broken['holds_at_orders_per_day']:,.0f} orders a day, "
            f"{broken['share_within_goal_at_hold']:.1%}) and {broken['fails_at_multiplier']:g}x "
            f"({broken['fails_at_orders_per_day']:,.0f} a day, "
            f"{broken['share_within_goal_at_fail']:.1%}); first at "
            f"{broken['first_base_below_target']}"
        )
    elif result["breaks_at_multiplier"] is not None:
        lines.append(f"below the target from {result['breaks_at_multiplier']:g}x")
    else:
        lines.append("did not break in the multiples run")
    return "\n".join(lines)


@app.command("forecast")
def forecast(
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    retail_test_from: Annotated[
        str | None,
        typer.Option(
            help="First day of Online Retail's test (YYYY-MM-DD); training is every day "
            "before it. Default: the data's last eight weeks"
        ),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Demand forecast accuracy on Online Retail's last weeks: baro's forecast against seasonal
    naive and AutoETS, WAPE and MASE overall and per level."""

    from baro.bench import forecast as forecast_bench  # the intelligence extra
    from baro.datasets import DatasetError
    from baro.intelligence.forecast import ForecastError

    try:
        test_from = (
            datetime.strptime(retail_test_from, "%Y-%m-%d").date()  # noqa: DTZ007 - a day
            if retail_test_from
            else None
        )
    except ValueError as error:
        raise fail(f"--retail-test-from is a day, YYYY-MM-DD: {error}") from error
    folder = data_dir or Settings().resolved_data_dir()
    with progress_bar() as bar:
        task = bar.add_task(forecast_bench.STEPS[0], total=len(forecast_bench.STEPS))

        def advance(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        try:
            result = forecast_bench.run(folder, test_from=test_from, progress=advance)
        except (DatasetError, ForecastError) as error:
            raise fail(str(error)) from error
    save_json(result, json_path)
    out.print(forecast_table(result))


def forecast_table(result: dict[str, Any]) -> Table:
    methods = result["methods"]
    table = Table(
        title=f"baro bench forecast — Online Retail, trained to {result['train_to']}, "
        f"test {result['test_from']}..{result['test_to']} ({result['granularity']}s)"
    )
    table.add_column("level")
    for method in methods:
        table.add_column(f"{method} WAPE", justify="right")
    for method in methods:
        table.add_column(f"{method} MASE", justify="right")
    for level, scores in result["levels"].items():
        table.add_row(
            level,
            *(_measure(scores, method, "wape", methods) for method in methods),
            *(_measure(scores, method, "mase", methods) for method in methods),
        )
    return table


def _measure(scores: dict[str, Any], method: str, measure: str, methods: list[str]) -> str:
    value = scores[method][measure]
    if value is None:
        return "—"
    best = min(scores[m][measure] for m in methods if scores[m][measure] is not None)
    return f"[green]{value:.3f}[/]" if value == best else f"{value:.3f}"


@app.command("reorder")
def reorder(
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    eval_users: Annotated[
        Path | None,
        typer.Option(
            help="Instacart user ids to evaluate, one per line. Default: 20 % by a stable hash"
        ),
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="LightGBM threads")] = 2,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Next-basket reorders on Instacart and Online Retail: baro's model and expected-F1 basket
    against repeat-last-order and frequent-items, F1 (None a token), precision and recall."""

    # LightGBM's OpenMP threads spin while they wait; on a busy shared machine two spinning
    # threads made training twelve times slower than one. Passive waiting costs nothing here.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from baro.bench import reorder as reorder_bench  # the intelligence extra
    from baro.datasets import DatasetError
    from baro.intelligence.replenish import ReorderSettings, ReplenishError

    try:
        chosen = reorder_bench.read_eval_users(eval_users) if eval_users else None
    except ReplenishError as error:
        raise fail(str(error)) from error
    result = stepped_run(
        reorder_bench.STEPS[0],
        lambda advance: reorder_bench.run(
            data_dir or Settings().resolved_data_dir(),
            eval_users=chosen,
            settings=ReorderSettings(threads=threads),
            progress=advance,
        ),
        (DatasetError, ReplenishError),
    )
    save_json(result, json_path)
    out.print(reorder_table(result))


def reorder_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"baro bench reorder — evaluated: {result['eval_users']}")
    table.add_column("data set")
    table.add_column("method")
    for measure in ("F1", "precision", "recall"):
        table.add_column(measure, justify="right")
    for name, data in result["datasets"].items():
        best = max(scores["f1"] for scores in data["methods"].values())
        for method, scores in data["methods"].items():
            f1 = f"{scores['f1']:.3f}"
            table.add_row(
                f"{name} ({data['evaluated_customers']})",
                method,
                f"[green]{f1}[/]" if scores["f1"] == best else f1,
                f"{scores['precision']:.3f}",
                f"{scores['recall']:.3f}",
            )
    return table


@app.command("recommend")
def recommend(
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    eval_users: Annotated[
        Path | None,
        typer.Option(
            help="Instacart user ids to evaluate, one per line. Default: 20 % by a stable hash"
        ),
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="LightGBM and ALS threads")] = 2,
    selection: Annotated[
        bool,
        typer.Option(
            "--selection",
            help="Score the model-selection split instead (the customers not evaluated, "
            "in 4 folds, each fitted without its own targets): where settings are chosen",
        ),
    ] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """The next basket as a ranked list on Instacart and Online Retail: baro's blend against
    popularity, GP-TopFreq, TIFU-KNN and ALS; Recall, NDCG, PHR, repeat and explore recall."""

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as in `bench reorder`
    from dataclasses import replace

    from baro.bench import recommend as recommend_bench  # the intelligence extra
    from baro.bench.reorder import read_eval_users
    from baro.datasets import DatasetError
    from baro.intelligence.recommend import BlendSettings
    from baro.intelligence.replenish import ReplenishError

    try:
        chosen = read_eval_users(eval_users) if eval_users else None
    except ReplenishError as error:
        raise fail(str(error)) from error
    defaults = BlendSettings()
    settings = replace(defaults, ranker=replace(defaults.ranker, threads=threads))
    with progress_bar() as bar:
        task = bar.add_task(recommend_bench.STEPS[0], total=1)

        def advance(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        try:
            result = recommend_bench.run(
                data_dir or Settings().resolved_data_dir(),
                eval_users=chosen,
                settings=settings,
                progress=advance,
                selection=selection,
            )
        except (DatasetError, ReplenishError) as error:
            raise fail(str(error)) from error
    save_json(result, json_path)
    out.print(recommend_table(result))


def recommend_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"baro bench recommend — evaluated: {result['eval_users']}")
    table.add_column("data set (n)")
    table.add_column("method")
    shown = {
        "recall_10": "R@10",
        "ndcg_10": "N@10",
        "recall_20": "R@20",
        "ndcg_20": "N@20",
        "phr_10": "PHR",
        "repeat_recall_10": "rep",
        "explore_recall_10": "expl",
    }
    for header in (*shown.values(), "train s", "p95 ms"):
        table.add_column(header, justify="right")
    for name, data in result["datasets"].items():
        methods = data["methods"]
        for index, (method, scores) in enumerate(methods.items()):
            cells = []
            for measure in shown:
                best = max(m[measure] for m in methods.values())
                text = f"{scores[measure]:.3f}"
                cells.append(f"[green]{text}[/]" if scores[measure] == best else text)
            table.add_row(
                f"{name} ({data['evaluated_customers']})" if index == 0 else "",
                method,
                *cells,
                f"{scores['train_s']:.0f}",
                f"{scores['serve_p95_ms']:.0f}",
            )
    return table


@app.command("devices")
def devices(
    db: ScratchDb = None,
    mqtt_url: Annotated[
        str, typer.Option(help="The MQTT broker the bridge and the devices use")
    ] = "mqtt://127.0.0.1:1883",
    devices: Annotated[int, typer.Option(min=1, help="Appliances sending telemetry")] = 200,
    messages: Annotated[int, typer.Option(min=2, help="Telemetry messages to publish")] = 20_000,
    presses: Annotated[int, typer.Option(min=0, help="Presses, one after another")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """The MQTT bridge on a real broker: telemetry messages a second (with duplicates,
    forged and stale messages), lost and double-acted, and press-to-order latency."""
    from baro.bench.devices import DevicesBenchConfig, run  # the bench extra (paho)

    try:
        config = DevicesBenchConfig(
            db=db, mqtt_url=mqtt_url, devices=devices, messages=messages, presses=presses, seed=seed
        )
    except ValueError as error:
        raise fail(str(error)) from error
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        try:
            result = run(config, advance)
        except (RuntimeError, OSError, ValueError) as error:
            raise fail(str(error)) from error
    save_json(result, json_path)
    out.print(devices_table(result))


def devices_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"baro bench devices — {result['db']}, {result['devices']} appliances, "
        f"{result['messages']:,} messages ({result['valid_messages']:,} valid), "
        f"{result['presses']} presses, {result['cores']} cores"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met")
    for name, row in result["targets"].items():
        table.add_row(
            name.replace("_", " "), str(row["value"]), row["target"], _verdict(row["met"])
        )
    rejected = ", ".join(f"{k} {v}" for k, v in result["rejected"].items() if v) or "none"
    table.add_row(
        "rejected",
        rejected,
        "sent: " + ", ".join(f"{k} {v}" for k, v in result["sent_to_be_rejected"].items()),
        "",
    )
    table.add_row(
        "reorders (slots)",
        f"{result['reorders_in_db']} ({result['slots_reordered']})",
        f"{result['devices']}",
        "",
    )
    table.add_row(
        "press p50 / p99 ms", f"{result['press_p50_ms']} / {result['press_p99_ms']}", "", ""
    )
    table.add_row("publisher msg/s", f"{result['publish_per_s']:,}", "", "")
    return table


@app.command("robots")
def robots(
    instances: Annotated[
        str, typer.Option(help="Robot Runners problem names to run (a glob, e.g. 'TR23-*')")
    ] = "EI23-*_large_8000",
    steps: Annotated[
        int | None,
        typer.Option(min=1, help="Timesteps; default the problem's simulation time, else 5,000"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the planners' tie-breaks")] = 0,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Plain PIBT and baro's fleet planner on lifelong MAPF problems; every step refereed."""
    from baro.bench.robots import RobotsBenchConfig, run  # the robots extra

    config = RobotsBenchConfig(instances=instances, steps=steps, data_dir=data_dir, seed=seed)
    result = run_with_bar("robots", lambda advance: run(config, advance))
    save_json(result, json_path)
    out.print(robots_table(result))
    if result["collisions"]:
        raise fail(f"{result['collisions']} collisions: the referee rejected a plan")


def robots_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"baro bench robots — {result['machine']['cpus']} cpus")
    columns = (
        "instance robots steps planner throughput ×plain ×best ms/step p99_ms setup_s collisions"
    )
    for column in columns.split():
        table.add_column(column, justify="left" if column in ("instance", "planner") else "right")
    for row in result["instances"]:
        for planner, run in row["runs"].items():
            best = (row["ratio_to_best"] or {}).get(planner)
            table.add_row(
                row["instance"],
                str(row["robots"]),
                str(row["steps"]),
                planner,
                f"{run['throughput']:,}",
                str(row["ratio_to_baseline"]) if planner == "baro" else "",
                "—" if best is None else str(best),
                str(run["ms_per_step_mean"]),
                str(run["ms_per_step_p99"]),
                str(run["setup_seconds"]),
                str(run["collisions"]),
            )
    return table


def run_with_bar(
    name: str, work: Callable[[Callable[[str, int, int], None]], dict[str, Any]]
) -> dict[str, Any]:
    """``work(progress)`` under a progress bar, ``progress(what, done, total)``; a data set
    missing or corrupt, or a memory budget too small, ends it with a message."""
    from baro.datasets import DatasetError

    with progress_bar() as bar:
        task = bar.add_task(name, total=None)

        def advance(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        try:
            return work(advance)
        except (DatasetError, MemoryError) as error:
            raise fail(str(error)) from error


@app.command("mapf")
def mapf(
    agents: Annotated[
        str,
        typer.Option(help="Agent counts, comma-separated (each run takes a scenario's first k)"),
    ] = "100,200,300,400,500,600,700,800,900,1000",
    scenarios: Annotated[
        str,
        typer.Option(help="MovingAI scenarios to run: globs, comma-separated (e.g. '*-random-*')"),
    ] = "*-random-1",
    time_limit: Annotated[
        float, typer.Option(min=0.001, help="Seconds per instance before it counts as failed")
    ] = 60.0,
    solver: Annotated[str, typer.Option(help="lacam (complete) or pibt (PIBT alone)")] = "lacam",
    seed: Annotated[int, typer.Option(help="Random seed of the solver's tie-breaks")] = 0,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """One-shot MAPF on the MovingAI warehouse maps: success rate within the time limit, sum of
    costs over the optimal lengths; every step refereed."""
    from baro.bench.mapf import MapfBenchConfig, run  # the robots extra

    try:
        counts = tuple(int(count) for count in agents.split(","))
        config = MapfBenchConfig(
            agents=counts,
            scenarios=scenarios,
            time_limit=time_limit,
            solver=solver,
            data_dir=data_dir,
            seed=seed,
        )
    except ValueError as error:
        raise fail(f"--agents {agents!r}, --solver {solver!r}: {error}") from error
    result = run_with_bar("mapf", lambda advance: run(config, advance))
    save_json(result, json_path)
    out.print(mapf_table(result))
    if result["collisions"] or result["illegal_moves"]:
        raise fail(
            f"{result['collisions']} collisions and {result['illegal_moves']} illegal moves: "
            "the referee rejected a plan"
        )


def mapf_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"baro bench mapf — {result['solver']}, {result['time_limit_seconds']:g} s limit, "
        f"{result['machine']['cpus']} cpus"
    )
    columns = "map agents solved success SoC/optimal SoC/distances makespan mean_s max_s collisions"
    for column in columns.split():
        table.add_column(column, justify="left" if column == "map" else "right")
    for row in result["rows"]:
        table.add_row(
            row["map"],
            str(row["agents"]),
            f"{row['solved']}/{row['instances']}",
            f"{row['success_rate']:.0%}",
            "—" if row["soc_over_optimal"] is None else str(row["soc_over_optimal"]),
            "—" if row["soc_over_distances"] is None else str(row["soc_over_distances"]),
            "—" if row["makespan_mean"] is None else str(row["makespan_mean"]),
            str(row["seconds_mean"]),
            str(row["seconds_max"]),
            str(row["collisions"] + row["illegal_moves"]),
        )
    return table


@app.command("stow")
def stow(
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    test_from: Annotated[
        str | None,
        typer.Option(
            help="First day evaluated (YYYY-MM-DD); ABC classes learn from the days before. "
            "Default: the day the last quarter of the orders begins"
        ),
    ] = None,
    cycle_days: Annotated[int, typer.Option(min=1, help="Days between replenishments")] = 7,
    floor: Annotated[
        str, typer.Option(help="Pick-to-ship on the clock with: manual (pickers walk) or robots")
    ] = "manual",
    seed: Annotated[int, typer.Option(help="Random seed of random stow")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Random, dedicated and class-based stow on the same Olist inbound and orders: bins
    needed (space utilisation), pick travel and pick-to-ship, side by side."""
    from baro.bench import stow as stow_bench  # the twin extra
    from baro.datasets import DatasetError

    try:
        first = datetime.strptime(test_from, "%Y-%m-%d").date() if test_from else None  # noqa: DTZ007 - a day
    except ValueError as error:
        raise fail(f"--test-from is YYYY-MM-DD: {error}") from error
    if floor not in ("manual", "robots"):
        raise fail(f"--floor is manual or robots, got {floor!r}")
    with progress_bar() as bar:
        task = bar.add_task("stow", total=None)

        def advance(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        try:
            result = stow_bench.run(
                data_dir or Settings().resolved_data_dir(),
                test_from=first,
                cycle_days=cycle_days,
                floor="robots" if floor == "robots" else "manual",
                seed=seed,
                progress=advance,
            )
        except (DatasetError, ValueError) as error:
            raise fail(str(error)) from error
    save_json(result, json_path)
    out.print(stow_table(result))


def stow_table(result: dict[str, Any]) -> Table:
    from baro.twin.stow_comparison import comparison_rows  # the twin extra

    evaluated = result["evaluated"]
    table = Table(
        title=f"baro bench stow — {evaluated['orders']:,} orders from {result['test_from']}, "
        f"{evaluated['units']:,} units"
    )
    columns = "strategy bins_needed utilisation ×dedicated pick_m/unit p50_min p90_min"
    for column in columns.split():
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for row in comparison_rows(result):
        table.add_row(*row)
    return table


@app.command("search")
def search(
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    postgres: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL server URL: the bench makes a scratch database on it and runs "
            "there too (without it, SQLite only)"
        ),
    ] = None,
    products: Annotated[
        int | None, typer.Option(min=1, help="Instacart products (default: all)")
    ] = None,
    per_kind: Annotated[
        int, typer.Option(min=1, help="Known-item queries per perturbation and language")
    ] = 100,
    concurrency: Annotated[int, typer.Option(min=1, help="Queries at once (latency)")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the query sets and the titles")] = 7,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the metrics here")] = None,
) -> None:
    """Search on Instacart's product names: baro against the plain full-text search and
    Tantivy: NDCG@10 of aisle queries, Recall@10 of mangled titles, p50/p95 at
    --concurrency, index build time; on SQLite and (with --postgres) PostgreSQL."""
    from baro.bench import search as search_bench  # the bench extra
    from baro.datasets import DatasetError

    try:
        config = search_bench.SearchBenchConfig(
            data_dir=data_dir,
            postgres=postgres,
            products=products,
            per_kind=per_kind,
            concurrency=concurrency,
            seed=seed,
        )
    except ValueError as error:
        raise fail(str(error)) from error
    result = stepped_run(
        "catalogue", lambda advance: search_bench.run(config, advance), (DatasetError, OSError)
    )
    save_json(result, json_path)
    out.print(search_table(result))


def search_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"baro bench search — {result['catalogue']['products']:,} products")
    for column in (
        "database",
        "system",
        "build s",
        "NDCG@10",
        "R@50",
        "known-item R@10 min",
        "p50 ms",
        "p95 ms",
    ):
        table.add_column(column, justify="left" if column in ("database", "system") else "right")
    runs = [(db, run) for db, run in result["databases"].items() if "systems" in run]
    if "tantivy" in result:
        runs.append(("(memory)", {"systems": {"tantivy": result["tantivy"]}}))
    for database, run in runs:
        for name, figures in run["systems"].items():
            recalls = [k["recall"] for k in figures["known_item_recall_at_10"].values()]
            table.add_row(
                database,
                name,
                f"{figures['index_build_s']:.1f}",
                f"{figures['ndcg_at_10']:.3f}",
                f"{figures['recall_at_50']:.3f}",
                f"{min(recalls):.3f}" if recalls else "—",
                f"{figures['latency']['p50_ms']:.1f}",
                f"{figures['latency']['p95_ms']:.1f}",
            )
    return table
