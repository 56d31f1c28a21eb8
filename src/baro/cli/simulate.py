"""``baro simulate``: the digital twin on a real data set."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from baro.cli._console import domain_errors_as_messages, err, fail, out, progress_bar
from baro.core.config import Settings

# The twin's stock policies (``baro.twin.policies.POLICIES``), for the help. Written out, not
# read from there: importing the twin's policies (Polars, the forecasting libraries) took
# 2.5 of the 4.3 s every ``baro`` command spent starting; a test keeps the two the same.
POLICY_NAMES = "baseline,central,proportional,anticipate,oracle"


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
    fulfillment: Annotated[
        str,
        typer.Option(
            help="empirical: the data set's click-to-carrier times; robots: a simulated "
            "center whose robots bring pods to pick stations; manual: the same center with "
            "pickers walking to the shelves"
        ),
    ] = "empirical",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same run")] = 7,
    prime: Annotated[
        bool,
        typer.Option(
            help="Run the policy twice, without and with Prime membership (twin/prime.py), "
            "and compare revenue, shipping, fees and profit"
        ),
    ] = False,
    prime_uplift: Annotated[
        float,
        typer.Option(
            min=1.0, help="With --prime: how many times as often members buy (seed: 2-3x)"
        ),
    ] = 2.5,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where metrics.json and report.html go")
    ] = Path("out/simulate"),
    db: Annotated[
        str | None, typer.Option(help="Database URL (default: a throwaway SQLite)")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
    scenario: Annotated[
        str,
        typer.Option(
            help="replay: a data set's orders; appliances: appliances that reorder their "
            "consumables over MQTT for --days"
        ),
    ] = "replay",
    devices: Annotated[int, typer.Option(min=1, max=100_000, help="appliances: how many")] = 500,
    days: Annotated[int, typer.Option(min=1, max=3_650, help="appliances: how long")] = 365,
    mqtt_url: Annotated[
        str | None, typer.Option(help="appliances: the broker (default BARO_MQTT_URL)")
    ] = None,
) -> None:
    """Replay a data set's orders through baro on a simulated clock, or run the appliance
    scenario (--scenario appliances); write metrics and a report."""
    if scenario == "appliances":
        _appliances(devices, days, seed, out_dir, mqtt_url, db)
        return
    if scenario != "replay":
        raise fail(f"--scenario is replay or appliances, got {scenario!r}")
    from baro.datasets import DatasetError
    from baro.twin.prime import PrimeModel
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
            prime=PrimeModel(uplift=prime_uplift) if prime else None,
            fulfillment=fulfillment,
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
    if "prime" in result.metrics:
        _print_prime(result.metrics["prime"])
    if "fulfillment_center" in result.metrics:
        _print_center(result.metrics["fulfillment_center"])
    err.print(f"wrote {result.metrics_path} and {result.report}")


def _print_prime(prime: dict[str, Any]) -> None:
    without, with_prime, diff = prime["without"], prime["with"], prime["differences"]
    currency = with_prime["currency"]
    for key in ("revenue", "shipping_cost", "shipping_absorbed", "membership_fees", "profit"):
        out.print(
            f"{key}: {without[key]:,.2f} -> {with_prime[key]:,.2f} {currency} ({diff[key]:+,.2f})"
        )
    out.print(
        f"orders per customer {without['orders_per_customer']} -> "
        f"{with_prime['orders_per_customer']}; members at the end {with_prime['members']} "
        f"of {with_prime['joined']} joined, {with_prime['renewals']} renewals, "
        f"{with_prime['churned']} churned"
    )
    out.print(f"[dim]{prime['notes'][0]}[/]")


def _print_center(center: dict[str, Any]) -> None:
    timed = center["at_order_times"]
    peak = center["peak_backlog"]
    window = center["window"]
    out.print(
        f"center ({center['mode']}), {window['from'][:10]} to {window['to'][:10]}: pick-to-ship "
        f"p50 {timed['pick_to_ship_p50_min']} min / p90 {timed['pick_to_ship_p90_min']} min, "
        f"{timed['shipped']} of {timed['orders']} orders shipped"
        + (
            f", robot utilisation {timed['robot_utilisation']}, congestion "
            f"{timed['congestion_waits_per_robot_step']} waits per robot-step"
            if "robots" in timed
            else ""
        )
    )
    out.print(
        "at the peak: units per station-hour "
        f"{peak['robots']['units_per_station_hour']} with robots, "
        f"{peak['manual']['units_per_station_hour']} manual; congestion "
        f"{peak['robots']['congestion_waits_per_robot_step']} waits per robot-step"
    )


def _appliances(
    devices: int, days: int, seed: int, out_dir: Path, mqtt_url: str | None, db: str | None
) -> None:
    try:
        from baro.bench.appliances import AppliancesRequest, BridgeStuck, simulate_appliances
        from baro.twin.appliances import ApplianceScenario  # noqa: F401 - the twin extra
    except ModuleNotFoundError as missing:
        raise fail(
            f"the appliance scenario needs the twin extra ({missing.name} is missing): "
            "pip install 'baro[twin]'"
        ) from missing
    url = mqtt_url or Settings().mqtt_url or "mqtt://127.0.0.1:1883"
    request = AppliancesRequest(devices, days, seed, out_dir, url, db)
    with progress_bar() as bar, domain_errors_as_messages():
        tasks: dict[str, int] = {}

        def report(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"appliances {name}", total=total)
            bar.update(tasks[name], completed=done)

        try:
            metrics = simulate_appliances(request, report)
        except (BridgeStuck, ValueError, OSError) as error:
            raise fail(f"{error} (is the MQTT broker at {url} running?)") from error
    targets = metrics["targets"]
    out.print(
        f"{metrics['devices']} appliances, {metrics['days']} days, "
        f"{metrics['telemetry_messages']:,} readings over MQTT, {metrics['orders']:,} orders "
        f"({metrics['orders_per_device']} a device) in {metrics['wall_s']} s"
    )
    out.print(
        f"never ran dry: {metrics['never_dry_share']:.1%} (target >= 95 %: "
        f"{'met' if targets['never_dry_share']['met'] else 'NOT met'}); arrived more than "
        f"7 days early: {metrics['arrived_more_than_7_days_early_share']:.1%} (target <= 5 %: "
        f"{'met' if targets['arrived_more_than_7_days_early_share']['met'] else 'NOT met'}); "
        f"late: {metrics['arrived_late_share']:.1%}"
    )
    err.print(f"wrote {out_dir / 'appliances.json'} and {out_dir / 'appliances.png'}")
