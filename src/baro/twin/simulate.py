"""``baro simulate``: replay a data set under one or more stock policies, measure, report.

Pipeline: load the replay (``datasets``), keep the period asked for, calibrate the stage
models on the orders before it (or all, in-sample, when there are too few), run the twin once
per policy on a fresh database, compute KPIs from each run's event log, and write
``metrics.json`` and ``report.html``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from baro.core.geo import h3_cell
from baro.core.scratch import scratch_database
from baro.datasets import (
    DatasetMissing,
    load_olist_customers,
    load_olist_order_items,
    load_olist_orders,
    load_online_retail,
)
from baro.intelligence.customers import (
    olist_orders,
    online_retail_orders,
    repeat_customer_revenue_share,
)
from baro.twin import kpis
from baro.twin.capacity import HEADROOM_QUANTILE, Capacity
from baro.twin.center_stage import FULFILMENT_CHOICES, CenterStage, simulate_center_stage
from baro.twin.delivery import DELIVERY_MODES, RoutedSettings
from baro.twin.delivery_kpis import delivery_kpis, order_modes, parcel_costs
from baro.twin.engine import TwinRun, run_twin
from baro.twin.losses import LossModel, calibrate_losses
from baro.twin.policies import POLICIES
from baro.twin.prime import WITH_PRIME, WITHOUT_PRIME, PrimeArm, PrimeModel
from baro.twin.prime_kpis import compare_arms
from baro.twin.replay import REPLAYS, ReplayData
from baro.twin.report import PolicyRun, render_report
from baro.twin.reship_kpis import headline, reship_kpis
from baro.twin.stages import StageModels, stage_durations, stage_models_for
from baro.twin.stocking import regions_of

MAP_RESOLUTION = 5  # H3 cells of ~250 km²: a city-level demand map
Progress = Callable[[str, int, int], None]


class UnknownChoice(ValueError):
    """A dataset or policy name that baro does not have."""


@dataclass(frozen=True)
class SimulationRequest:
    dataset: str
    data_dir: Path
    out_dir: Path
    policies: Sequence[str] = ("baseline",)
    start: date | None = None
    end: date | None = None
    seed: int = 7
    database_url: str | None = None
    # "routed": baro's vans and drones deliver (twin/delivery.py), beside the sampled
    # baseline (Olist's carrier times) in the same world, side by side in one report.
    delivery: str = "sampled"
    routed: RoutedSettings = field(default_factory=RoutedSettings)
    # Lose parcels at the rate calibrated before --from, and re-ship them (losses.py).
    losses: bool = True
    # Prime: each policy twice, without Prime and with this membership model (prime.py).
    prime: PrimeModel | None = None
    # "robots" / "manual": the fulfilment stage is the simulated center (center_stage.py)
    # instead of the data set's sampled times ("empirical").
    fulfillment: str = "empirical"

    def __post_init__(self) -> None:
        if self.fulfillment not in FULFILMENT_CHOICES:
            raise UnknownChoice(
                f"unknown fulfillment {self.fulfillment!r}; choose from {list(FULFILMENT_CHOICES)}"
            )
        if self.delivery not in DELIVERY_MODES:
            raise UnknownChoice(
                f"unknown delivery {self.delivery!r}; choose from {list(DELIVERY_MODES)}"
            )
        if self.dataset not in REPLAYS:
            raise UnknownChoice(f"unknown dataset {self.dataset!r}; choose from {sorted(REPLAYS)}")
        unknown = [p for p in self.policies if p not in POLICIES]
        if unknown or not self.policies:
            raise UnknownChoice(f"unknown policy {unknown}; choose from {sorted(POLICIES)}")
        if self.prime is not None and (self.delivery != "sampled" or len(self.policies) != 1):
            raise ValueError("--prime compares one policy with the sampled delivery")
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"--from {self.start} must be before --to {self.end}")


@dataclass(frozen=True)
class SimulationResult:
    metrics: dict[str, Any]
    report: Path
    metrics_path: Path


def simulate(request: SimulationRequest, progress: Progress | None = None) -> SimulationResult:
    everything = REPLAYS[request.dataset](request.data_dir)
    replay = everything.between(request.start, request.end)
    if replay.orders.height == 0:
        raise ValueError(f"no {request.dataset} orders between {request.start} and {request.end}")
    durations = stage_durations(
        everything.orders, everything.lines, everything.customers, everything.sellers
    )
    start = datetime.combine(request.start, time(), UTC) if request.start else None
    stages = stage_models_for(durations, everything.orders, before=start)
    center: CenterStage | None = None
    if request.fulfillment != "empirical":
        center = simulate_center_stage(
            replay,
            "robots" if request.fulfillment == "robots" else "manual",
            seed=request.seed,
            data_set=everything,
            progress=progress,
        )
        stages = center.fulfilment(stages)
    # The loss rate from the orders before --from only, as known at --from (losses.py).
    losses = calibrate_losses(everything.orders, before=start) if request.losses else None
    actual = durations.join(replay.orders.select("order_id"), on="order_id", how="semi")
    # What the policies may plan from: every order before the replay, none of it.
    history = everything.between(None, replay.period[0].date())
    arm = (
        PrimeArm(request.prime, replay, history, seed=request.seed)
        if request.prime is not None
        else None
    )
    runs = [
        _run(replay, history, name, stages, request, progress, delivery, losses)
        for name in request.policies
        for delivery in (("sampled", "routed") if request.delivery == "routed" else ("sampled",))
    ]
    if arm is not None:
        policy = request.policies[0]
        runs.append(
            _run(replay, history, policy, stages, request, progress, losses=losses, behaviour=arm)
        )
    over_time = {run.policy: _over_time(run) for run in runs}
    actual_over_time = kpis.click_to_door_over_time(
        actual["purchased_at"], actual["click_to_door_h"]
    )
    metrics = _metrics(request, replay, stages, actual, runs, losses, regions_of(history, replay))
    if center is not None:
        metrics["fulfillment_center"] = center.metrics()
    comparison = None
    if arm is not None:  # the last two runs: the policy without Prime, then with it
        comparison = compare_arms(
            runs[-2], runs[-1], arm, request.routed.costs, replay.currency, replay.period
        )
        metrics["prime"] = comparison.metrics
    # What anticipate's forecast_weekly is drawn against: every line bought, as it learned.
    actual_weekly = kpis.units_by_week(replay.orders, replay.lines)
    metrics["actual_weekly_units"] = kpis.json_rows(actual_weekly)
    metrics["click_to_door_over_time"] = {
        "actual": actual_over_time.to_json(),
        **{name: series.to_json() for name, series in over_time.items()},
    }
    request.out_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = request.out_dir / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2, default=str) + "\n")
    report = render_report(
        [_policy_run(run, metrics["policies"][run.policy], over_time[run.policy]) for run in runs],
        request.out_dir,
        title=f"baro digital twin — {request.dataset}",
        actual_click_to_door_hours=actual.select(hours="click_to_door_h")
        if actual.height
        else None,
        actual_over_time=actual_over_time if actual.height else None,
        notes=_notes(request, replay, stages, losses),
        by_mode=request.delivery == "routed",
        actual_weekly_units=actual_weekly,
        prime=comparison.section() if comparison else None,
        center=center.section() if center else None,
    )
    return SimulationResult(metrics, report, metrics_path)


def _run(
    replay: ReplayData,
    history: ReplayData,
    policy: str,
    stages: StageModels,
    request: SimulationRequest,
    progress: Progress | None,
    delivery: str = "sampled",
    losses: LossModel | None = None,
    behaviour: PrimeArm | None = None,
) -> TwinRun:
    # Alone, a run is named for its policy; beside a routed run, for its delivery too;
    # with --prime, for its arm.
    name = f"{policy} ({delivery})" if request.delivery == "routed" else policy
    if request.prime is not None:
        name = f"{policy} {WITH_PRIME if behaviour else WITHOUT_PRIME}"

    def report(done: int, total: int) -> None:
        if progress:
            progress(name, done, total)

    # A fresh database per run: on the server given by --db, or a temporary SQLite file.
    scratch = f"baro_twin_{policy}_{delivery}" + ("_prime" if behaviour else "")
    with scratch_database(request.database_url, scratch) as url:
        return run_twin(
            replay,
            POLICIES[policy],
            stages,
            database_url=url,
            seed=request.seed,
            progress=report,
            routed=request.routed if delivery == "routed" else None,
            drone_bases=request.delivery == "routed",
            name=name,
            losses=losses,
            history=history,
            behaviour=behaviour,
        )


def _metrics(
    request: SimulationRequest,
    replay: ReplayData,
    stages: StageModels,
    actual: pl.DataFrame,
    runs: Sequence[TwinRun],
    losses: LossModel | None,
    regions: pl.DataFrame,
) -> dict[str, Any]:
    first, last = replay.period
    actual_hours = actual["click_to_door_h"]
    per_policy = {}
    groups = _routed_groups(runs, request) if request.delivery == "routed" else {}
    for run in runs:
        everything, all_parcels = kpis.order_frames(run.events)
        orders, parcels = _replayed(run, everything, all_parcels)
        promises = kpis.promised_dates(run.order_keys, replay.orders)
        baro_promised = kpis.baro_promises(run.events)
        values = kpis.network_kpis(
            orders, parcels, run.facilities, run.customers, promises, baro_promised
        )
        by_mode = (
            delivery_kpis(
                run.events,
                orders,
                parcels,
                run.facilities,
                run.customers,
                promises,
                baro_promised,
                request.routed.costs,
                groups.get(run.policy),
            )
            if request.delivery == "routed"
            else {}
        )
        reships = reship_kpis(
            run.events,
            parcel_costs(
                run.events,
                everything,
                all_parcels,
                run.facilities,
                run.customers,
                request.routed.costs,
            ),
            everything,
            currency=replay.currency,
            orders_in_period=orders.height,
            groups=groups.get(run.policy),
        )
        per_policy[run.policy] = {
            **values,
            **kpis.regional_fill(orders, parcels, run.facilities, run.customers, regions),
            "local_fill_by_region": kpis.local_fill_by_region(
                orders, parcels, run.facilities, run.customers, regions
            ),
            "transfers_daily": kpis.json_rows(kpis.transfers_by_day(run.events)),
            **(run.placement_figures or {}),
            "placement_notes": list(run.placement_notes),
            **by_mode,
            **headline(reships),
            "reship_figures": reships,
            **({"delivery": run.delivery} if request.delivery == "routed" else {}),
            **{f"wave_{k}": v for k, v in (run.waves or {}).items()},
            "currency": replay.currency,
            "actual_click_to_door_p50_h": kpis.quantile_or_none(actual_hours, 0.5),
            "actual_click_to_door_p90_h": kpis.quantile_or_none(actual_hours, 0.9),
            "failed_placements": run.failed_placements,
            "returns": run.returns,
            **_holds(run),
            "wall_s": round(run.wall_s, 2),
        }
    return {
        "dataset": request.dataset,
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "seed": request.seed,
        "orders_in_period": replay.orders.height,
        "calibration": {
            "orders": stages.calibrated_on,
            "in_sample": stages.in_sample,
            "capacity": _capacity(stages.capacity),
            "lost_parcels": losses.describe() if losses else None,
        },
        "cost_model": kpis.COST_MODEL,
        **(_routed_settings(request.routed) if request.delivery == "routed" else {}),
        "repeat_customer_revenue_share_in_data": _repeat_shares(request.data_dir),
        "policies": per_policy,
    }


def _replayed(
    run: TwinRun, orders: pl.DataFrame, parcels: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The replayed orders alone: a re-ship is a second parcel of an order already counted
    (its figures are ``reship_kpis``'), not an order of its own."""
    kept = orders.join(run.order_keys.select("order_id"), on="order_id", how="semi")
    return kept, parcels.join(kept.select("order_id"), on="order_id", how="semi")


def _routed_groups(runs: Sequence[TwinRun], request: SimulationRequest) -> dict[str, pl.DataFrame]:
    """Per sampled run (beside a routed one): its order_id, mode = how the routed run
    carried the same source order. Runs come in pairs, sampled then routed."""
    groups = {}
    for sampled, routed in zip(runs[::2], runs[1::2], strict=True):
        modes = order_modes(routed.events, request.routed.costs).join(
            routed.order_keys, on="order_id"
        )
        groups[sampled.policy] = sampled.order_keys.join(
            modes.select("source_order_id", "mode"), on="source_order_id"
        ).select("order_id", "mode")
    return groups


def _routed_settings(settings: RoutedSettings) -> dict[str, Any]:
    return {
        "delivery_cost_model": settings.costs.describe(),
        "routed_delivery": {
            "van_zone_km": settings.van_zone_km,
            "wave": f"{settings.wave_start:%H:%M}-{settings.wave_end:%H:%M} UTC",
            "fleets": {
                kind.value: {"vans": f.vans, "capacity_g": f.capacity_g}
                for kind, f in settings.fleets.items()
            },
            "max_stops_per_van": settings.max_stops_per_van,
            "solver_s_per_wave": {
                "per_stop": settings.time_per_stop_s,
                "min": settings.min_time_s,
                "max": settings.time_limit_s,
            },
            "drones_per_base": settings.drones_per_base,
            "drone_base_kinds": sorted(k.value for k in settings.drone_base_kinds),
        },
    }


def _capacity(capacity: Capacity | None) -> dict[str, float | int] | None:
    if capacity is None:
        return None
    return {
        "handover_headroom": capacity.handover_headroom,
        "delivery_headroom": capacity.delivery_headroom,
        "intake_window_days": capacity.window_days,
        "headroom_quantile": HEADROOM_QUANTILE,
        "seven_day_windows_calibrated_on": capacity.windows,
    }


def _holds(run: TwinRun) -> dict[str, int]:
    """Orders each stage's daily capacity held back, and the days they waited in all."""
    if run.capacity_holds is None:
        return {}
    return {
        f"{stage}_{what}": count
        for stage, counts in run.capacity_holds.items()
        for what, count in counts.items()
    }


def _over_time(run: TwinRun) -> kpis.ClickToDoorOverTime:
    orders, _ = _replayed(run, *kpis.order_frames(run.events))
    delivered = orders.drop_nulls("delivered_at")
    return kpis.click_to_door_over_time(
        delivered["placed_at"], kpis.click_to_door_hours(delivered)["hours"]
    )


def _repeat_shares(data_dir: Path) -> dict[str, float | None]:
    """The seed's "two thirds of sales come from repeat customers", measured on the data
    sets themselves (None where a set is absent)."""
    shares: dict[str, float | None] = {}
    try:
        totals = olist_orders(
            load_olist_orders(data_dir),
            load_olist_order_items(data_dir),
            load_olist_customers(data_dir),
        )
        shares["olist"] = round(repeat_customer_revenue_share(totals), 4)
    except DatasetMissing:
        shares["olist"] = None
    try:
        invoices = online_retail_orders(load_online_retail(data_dir))
        shares["online_retail"] = round(repeat_customer_revenue_share(invoices), 4)
    except DatasetMissing:
        shares["online_retail"] = None
    return shares


def _policy_run(
    run: TwinRun, metrics: dict[str, Any], over_time: kpis.ClickToDoorOverTime
) -> PolicyRun:
    orders, _ = _replayed(run, *kpis.order_frames(run.events))
    located = orders.join(run.customers.select("customer_id", "lat", "lng"), on="customer_id")
    cells = [
        h3_cell(lat, lng, MAP_RESOLUTION) for lat, lng in located.select("lat", "lng").iter_rows()
    ]
    demand = (
        pl.DataFrame({"h3_cell": cells}, schema={"h3_cell": pl.String})
        .group_by("h3_cell")
        .agg(orders=pl.len().cast(pl.Int64))
    )
    daily = (
        orders.group_by(day=pl.col("placed_at").dt.date())
        .agg(orders=pl.len().cast(pl.Int64))
        .sort("day")
    )
    return PolicyRun(
        name=run.policy,
        metrics=metrics,
        click_to_door_hours=kpis.click_to_door_hours(orders),
        daily_orders=daily,
        demand=demand,
        facilities=run.facilities.select("name", "lat", "lng", "kind"),
        over_time=over_time,
    )


def _notes(
    request: SimulationRequest,
    replay: ReplayData,
    stages: StageModels,
    losses: LossModel | None,
) -> list[str]:
    first, last = replay.period
    sample = "in-sample (too few earlier orders)" if stages.in_sample else "out-of-sample"
    calibration = (
        f"Stage models calibrated on {stages.calibrated_on} delivered orders, {sample}."
        if stages.calibrated_on
        else "The data set has no delivery timestamps: the stage models are assumptions "
        "(a day to the carrier, 1 to 5 days by distance), and there is no actual "
        "distribution to compare with. Customers sit at their country's main city."
    )
    if stages.capacity:
        calibration += (
            f" Daily capacity: hand-overs to carriers {stages.capacity.handover_headroom:.2f}×, "
            f"deliveries {stages.capacity.delivery_headroom:.2f}× the orders placed per day "
            f"over the previous {stages.capacity.window_days} days (the "
            f"{HEADROOM_QUANTILE:.0%} quantile of weekly throughput over intake in the "
            "calibration period); orders beyond a day's capacity wait for the next day, "
            "behind the orders placed before and after the period that share it."
        )
    elif stages.calibrated_on:
        calibration += " Too few weeks to calibrate daily capacity: the stages have no limit."
    notes = [
        f"Data set: {request.dataset}, {replay.orders.height} orders purchased from "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}, replayed at their real timestamps "
        f"through baro's order services (seed {request.seed}).",
        calibration,
        f"Cost model: {kpis.COST_MODEL} ({replay.currency}).",
        _loss_note(request, losses),
    ]
    if request.delivery == "routed":
        r = request.routed
        notes.append(
            'Delivery: "sampled" is the data set\'s carrier times; "routed" is baro\'s own '
            f"fleet in the same world (a drone base at each "
            f"{', '.join(sorted(k.value for k in r.drone_base_kinds))}, {r.drones_per_base} "
            "drones): drone orders fly with the dispatcher's timing; parcels within "
            f"{r.van_zone_km:g} km of their facility go on its daily van wave "
            f"({r.wave_start:%H:%M}-{r.wave_end:%H:%M} UTC, PyVRP, "
            f"{r.time_per_stop_s * 1000:g} ms a stop, {r.min_time_s:g}-{r.time_limit_s:g} s a "
            "wave), door time = the stop's ETA, or the next day's wave if it did not fit; "
            "the rest keep the carrier's sampled time. Fulfilment (click to hand-over) is "
            f"the data set's in both. Delivery cost model: {r.costs.describe()}; carrier "
            f"parcels as above ({replay.currency})."
        )
    return notes


def _loss_note(request: SimulationRequest, losses: LossModel | None) -> str:
    if not request.losses:
        return "Lost parcels: not simulated (asked so)."
    if losses is None:
        return (
            "Lost parcels: not simulated: no parcel of the data set before the period had a "
            "known fate (handed to the carrier, a promised date, and that date plus the "
            "grace passed by the period's start)."
        )
    low, high = losses.interval()
    where = (
        "in-sample: every order whose fate the data set knew at its end"
        if losses.in_sample
        else f"the orders bought before {losses.as_of:%Y-%m-%d}, as known on that day"
    )
    return (
        f"Lost parcels: {losses.rate:.2%} of the parcels handed to the carrier "
        f"(95 % interval {low:.2%} to {high:.2%}; {losses.lost} of {losses.shipped}, {where}) "
        f"were not at the door {losses.grace.days} days after the promised date; the twin "
        "loses that share of its parcels on their way (seeded). The customer reports each "
        "once it should have arrived and baro's promised window has passed too, and the "
        "platform re-ships it at once, "
        "free, under its trust policy (at most 2 re-ships a customer in 90 days), or "
        "refuses. A re-ship costs the goods at their price and the second parcel's "
        "delivery; re-ships are not counted as orders."
    )
