"""Random, dedicated and class-based (ABC) putaway side by side on the same inbound and order
stream, in the twin's center (``center.py``): ``baro bench stow`` runs it on the Olist orders
from ``--test-from`` on, ``baro simulate --fulfillment robots|manual`` on its window's orders.

The inbound is the replenishment every ``cycle_days`` that brings the next cycle's units (the
same for every strategy). Class-based learns its A/B/C classes from the history's units only;
a product first sold in the evaluated stream is C.

Per strategy:
- ``bins_needed``: the fewest bins, nearest the stations first, that take the whole stream
  with no unit left without a bin (binary search over the building's bins); space
  utilisation is the peak stock's volume over those bins' volume.
- ``pick_metres_per_unit``: out and back from a station to the bin each unit is picked from
  (the WMS's promise, nearest bin first), every strategy in the same building.
- pick-to-ship p50/p90 and the pickers' walk per unit: the stream run on the clock through
  the center (``floor``: walking pickers or robots).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import polars as pl

from baro.fulfillment import (
    Bin,
    ClassBased,
    DedicatedSlots,
    Item,
    NoBinRoom,
    Putaway,
    RandomStow,
    abc_classes,
)
from baro.twin.center import CenterSettings, Inbound, Stock, build_layout, items_of, replenishment
from baro.twin.center_sim import FLOOR_MODES, CenterOrder, FloorMode, center_orders, run_center
from baro.twin.replay import ReplayData

STRATEGIES = ("random", "dedicated", "class_based")
BASELINE = "dedicated"
Progress = Callable[[str, int, int], None]


def putaway(name: str, classes: dict[str, Any], seed: int) -> Putaway:
    if name == "random":
        return RandomStow(seed)
    if name == "dedicated":
        return DedicatedSlots()
    return ClassBased(classes)


def replay_stock(
    bins: Sequence[Bin],
    strategy: Putaway,
    inbound: Sequence[Inbound],
    orders: Sequence[CenterOrder],
    items: dict[str, Item],
) -> dict[str, Any] | None:
    """The stream on ``bins`` without the clock: stows and picks in time order (a stow
    before a pick at the same moment). None when a unit finds no bin; else the peak stock
    volume, the units picked and the metres out and back to their bins."""
    stock = Stock.empty(bins, strategy)
    events: list[tuple[datetime, int, Inbound | CenterOrder]] = [
        *((i.at, 0, i) for i in inbound if i.product_id in items),
        *((o.at, 1, o) for o in orders),
    ]
    volume = peak = picked = 0
    metres = 0.0
    for _, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(event, Inbound):
            item = items[event.product_id]
            try:
                stock.stow(item, event.units)
            except NoBinRoom:
                return None
            volume += item.volume_cm3 * event.units
            peak = max(peak, volume)
            continue
        release = stock.promise(event.order_id, event.lines)
        if release.waiting:
            continue  # a product the data set has no facts for: nothing was stocked
        stock.take(release.tasks)
        for bin_id, product, n in release.tasks:
            volume -= items[product].volume_cm3 * n
            metres += 2 * stock.bins[bin_id].station_distance * n
            picked += n
    return {"peak_volume_cm3": peak, "units_picked": picked, "pick_metres": metres}


def bins_needed(
    bins: Sequence[Bin],
    make: Callable[[], Putaway],
    inbound: Sequence[Inbound],
    orders: Sequence[CenterOrder],
    items: dict[str, Item],
    lower: int,
) -> int | None:
    """The fewest of ``bins`` (nearest first) that take the stream; None if all do not."""
    if replay_stock(bins, make(), inbound, orders, items) is None:
        return None
    low, high = max(lower, 1), len(bins)  # high always takes it
    while low < high:
        middle = (low + high) // 2
        if replay_stock(bins[:middle], make(), inbound, orders, items) is None:
            low = middle + 1
        else:
            high = middle
    return high


def compare_stow(
    history: ReplayData,
    evaluated: ReplayData,
    *,
    start: datetime,
    cycle_days: int,
    floor: FloorMode,
    seed: int,
    settings: CenterSettings | None,
    progress: Progress | None,
) -> dict[str, Any]:
    """The three strategies on ``evaluated``'s orders, restocked every ``cycle_days`` from
    ``start``, with the classes learnt from ``history`` (at least one order, all before
    ``start``). ValueError when the stream does not fit the center."""
    if floor not in FLOOR_MODES:
        raise ValueError(f"unknown floor {floor!r}; choose from {list(FLOOR_MODES)}")
    step = progress or (lambda _what, _done, _total: None)
    days = max((start.date() - history.period[0].date()).days, 1)
    velocity = (
        history.lines.group_by("product_id")
        .agg(per_day=pl.col("quantity").sum() / days)
        .sort("product_id")
    )
    classes = abc_classes(dict(velocity.iter_rows()))
    settings = settings or CenterSettings()
    items = items_of(evaluated.products)
    # What one bin cannot take goes through the oversize flow, not the pods: left out.
    storable = [
        p
        for p, item in items.items()
        if item.volume_cm3 <= settings.bin_volume_cm3 and item.weight_g <= settings.bin_max_weight_g
    ]
    sold = evaluated.lines.height
    evaluated = replace(
        evaluated, lines=evaluated.lines.filter(pl.col("product_id").is_in(storable))
    )
    orders, lines = center_orders(evaluated)
    inbound = replenishment(lines, start, cycle_days=cycle_days)
    layout = build_layout(settings)
    total = 2 * len(STRATEGIES)
    space: dict[str, tuple[int, int]] = {}  # strategy -> (peak stock cm³, bins needed)
    for index, name in enumerate(STRATEGIES):
        step(f"{name}: bins needed", index, total)
        figures = replay_stock(layout.bins, putaway(name, classes, seed), inbound, orders, items)
        needed = (
            bins_needed(
                layout.bins,
                lambda name=name: putaway(name, classes, seed),  # type: ignore[misc]
                inbound,
                orders,
                items,
                -(-figures["peak_volume_cm3"] // layout.bin_volume_cm3),
            )
            if figures
            else None
        )
        if figures is None or needed is None:
            raise ValueError(
                f"{name}: the stream does not fit the center's {len(layout.bins):,} bins; "
                "a larger center is needed"
            )
        space[name] = (figures["peak_volume_cm3"], needed)
    # Travel and time in one building for all: the bins the hungriest strategy needs, with
    # a quarter more room (a building many times too large would spread random and
    # class-based stow over aisles no real center would have).
    building = min(len(layout.bins), -(-max(n for _, n in space.values()) * 5 // 4))
    sized = replace(layout, bins=layout.bins[:building])
    results: dict[str, dict[str, Any]] = {}
    for index, name in enumerate(STRATEGIES):
        step(f"{name}: picks on the clock ({floor})", len(STRATEGIES) + index, total)
        picks = replay_stock(sized.bins, putaway(name, classes, seed), inbound, orders, items)
        assert picks is not None  # the building has room for the hungriest
        floor_run = run_center(
            orders, inbound, items, sized, putaway(name, classes, seed), floor
        ).metrics()
        peak, needed = space[name]
        results[name] = {
            "bins_needed": needed,
            "space_utilisation": round(peak / (needed * layout.bin_volume_cm3), 4),
            "peak_stock_m3": round(peak / 1e6, 3),
            "pick_metres_per_unit": round(picks["pick_metres"] / picks["units_picked"], 2),
            "units_picked": picks["units_picked"],
            "pick_to_ship_p50_min": floor_run["pick_to_ship_p50_min"],
            "pick_to_ship_p90_min": floor_run["pick_to_ship_p90_min"],
            "walk_m_per_unit": floor_run["pick_travel_m_per_unit"],
            "orders_shipped": floor_run["shipped"],
        }
    step("done", total, total)
    baseline = results[BASELINE]
    for values in results.values():
        values["vs_dedicated"] = {
            key: round(values[key] / baseline[key], 4) if baseline[key] else None
            for key in (
                "bins_needed",
                "space_utilisation",
                "pick_metres_per_unit",
                "pick_to_ship_p50_min",
                "pick_to_ship_p90_min",
            )
        }
    return {
        "history": {"orders": history.orders.height, "classified_products": len(classes)},
        "evaluated": {
            "orders": len(orders),
            "units": int(lines["quantity"].sum()),
            "products": lines["product_id"].n_unique(),
            "inbound_lines": len(inbound),
            "oversize_lines_left_out": sold - evaluated.lines.height,
        },
        "cycle_days": cycle_days,
        "floor": floor,
        "center": {
            "bins": len(layout.bins),
            "bins_of_the_building_for_picks": building,
            "bin_volume_cm3": layout.bin_volume_cm3,
            "bin_max_weight_g": settings.bin_max_weight_g,
            "pods": len(layout.pod_cell),
            "stations": settings.stations,
        },
        "seed": seed,
        "strategies": results,
    }


def comparison_rows(comparison: dict[str, Any]) -> list[tuple[str, ...]]:
    """Per strategy, formatted: the strategy, bins needed, space utilisation, × dedicated
    (that utilisation over dedicated's), pick m/unit, pick-to-ship p50 and p90 (minutes;
    a dash when no order shipped)."""
    return [
        (
            name.replace("_", "-"),
            f"{row['bins_needed']:,}",
            f"{row['space_utilisation']:.1%}",
            f"{row['vs_dedicated']['space_utilisation']:.2f}",
            f"{row['pick_metres_per_unit']:.1f}",
            *(
                "—" if minutes is None else f"{minutes:,.2f}"
                for minutes in (row["pick_to_ship_p50_min"], row["pick_to_ship_p90_min"])
            ),
        )
        for name, row in comparison["strategies"].items()
    ]
