"""A self-contained HTML report of a twin run: KPI tables, then figures, in one offline page.

Plain data in (one ``PolicyRun`` per policy, optionally the real data set's click-to-door
hours), one file out. The figures are inlined as base64 PNG and the CSS lives in the
template, so the page can be mailed or archived and still open without a network.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined

from baro.core.money import Money
from baro.twin.kpis import ClickToDoorOverTime
from baro.twin.report_plots import (
    ACTUAL_COLOUR,
    DailySeries,
    Distribution,
    ForecastSeries,
    KpiPanel,
    ModePanel,
    OverTime,
    ProfitSeries,
    RegionalFill,
    TransferSeries,
    by_mode_figure,
    click_to_door_figure,
    click_to_door_over_time_figure,
    cumulative_profit_figure,
    daily_orders_figure,
    demand_map_figure,
    forecast_figure,
    kpi_bars_figure,
    policy_colour,
    regional_fill_figure,
    transfers_figure,
)


@dataclass(frozen=True)
class PolicyRun:
    """One policy's run of the twin.

    click_to_door_hours: hours (Float64), one row per delivered order.
    daily_orders: day (Date), orders (Int64).
    demand: h3_cell (Utf8, H3 resolution 5..7), orders (Int64).
    facilities: name (Utf8), lat (Float64), lng (Float64), kind (Utf8).
    over_time: click-to-door by purchase day and week (None: not measured).
    """

    name: str
    metrics: Mapping[str, Any]
    click_to_door_hours: pl.DataFrame
    daily_orders: pl.DataFrame
    demand: pl.DataFrame
    facilities: pl.DataFrame
    over_time: ClickToDoorOverTime | None = None


@dataclass(frozen=True)
class CenterSection:
    """For the report: rows (label, at the orders' times, peak with robots, peak manual),
    formatted; the floor's congestion heat map (PNG); notes; the stow comparison's rows
    (strategy, bins needed, space utilisation, × dedicated, pick m/unit, pick-to-ship p50,
    p90), formatted (none when it was not run), and its note."""

    rows: list[tuple[str, str, str, str]]
    heatmap_png: bytes
    notes: list[str]
    stow_rows: list[tuple[str, ...]]
    stow_note: str


@dataclass(frozen=True)
class PrimeSection:
    """The run with Prime beside the same run without it.

    rows: (label, without, with, difference), formatted; daily_profit: per arm's name,
    day (Date), profit (Float64, major units); notes: the model's assumptions, shown next
    to the figures."""

    rows: Sequence[tuple[str, str, str, str]]
    daily_profit: Mapping[str, pl.DataFrame]
    currency: str
    notes: Sequence[str]


@dataclass(frozen=True)
class _Kpi:
    key: str
    label: str
    better: int  # +1: higher is better, -1: lower is better, 0: neither


# The main table, in reading order; the actual data set's figures sit under the twin's.
_KPIS = (
    _Kpi("orders", "Orders", 0),
    _Kpi("delivered", "Delivered", 0),
    _Kpi("click_to_door_p50_h", "Click-to-door, median", -1),
    _Kpi("actual_click_to_door_p50_h", "Click-to-door, median, actual data", 0),
    _Kpi("click_to_door_p90_h", "Click-to-door, 90th percentile", -1),
    _Kpi("actual_click_to_door_p90_h", "Click-to-door, 90th percentile, actual data", 0),
    _Kpi("on_time_rate", "Delivered by the promised date", +1),
    _Kpi("on_time_rate_baro", "Delivered within baro's own promised window", +1),
    _Kpi("local_fill_rate_nearest", "Shipped from the nearest facility", +1),
    _Kpi("local_fill_rate_same_state", "Shipped from the customer's state", +1),
    _Kpi("local_fill_rate", "Shipped from the customer's region (its centre's catchment)", +1),
    _Kpi("split_shipment_rate", "Orders split into several parcels", -1),
    _Kpi("transport_km_per_order", "Transport per order", -1),
    _Kpi("cost_per_order", "Cost per order", -1),
    _Kpi("delivery_km_per_order", "Delivery per order (route, flight or carrier km)", -1),
    _Kpi("delivery_cost_per_order", "Delivery cost per order (vans, drones, carrier)", -1),
    _Kpi("lost_parcels", "Parcels lost on the way (re-ships included)", 0),
    _Kpi("reships", "Re-shipped free by the platform", 0),
    _Kpi("reships_refused_by_policy", "Re-ships refused by the trust policy", 0),
    _Kpi("reship_cost_per_order", "Re-ship cost per order (goods + second parcel)", -1),
    _Kpi("repeat_customer_revenue_share", "Revenue from repeat customers", +1),
    _Kpi("orders_per_customer_per_month", "Orders per customer per month", +1),
)
# What each policy's stock placement planned (stocking.Placement's figures), beside what its
# local fill came to; a table of their own, under the policy's notes.
_PLACEMENT = (
    _Kpi("budget_units", "Inventory budget (units sold in the equally long period before)", 0),
    _Kpi("centre_units", "Units in the centres at the start", 0),
    _Kpi("transfer_units", "Units sent by transfers: the initial plan and the re-plans", 0),
    _Kpi("forecast_units", "Units the forecast expected in the regions", 0),
    _Kpi("expected_local_fill", "Local fill the initial plan expected", 0),
    _Kpi("replans", "Re-plans during the test", 0),
    _Kpi("replan_units", "Units the re-plans moved between centres", 0),
    _Kpi("speculative_units", "Units sent ahead toward recent buyers", 0),
    _Kpi("speculative_assigned_units", "… of them bought there within the week", 0),
    _Kpi("speculative_waste_units", "… of them not bought there (wasted)", 0),
    _Kpi("local_fill_rate", "Local fill measured", +1),
    _Kpi("local_fill_rate_same_state", "Shipped from the customer's state", +1),
    _Kpi("plan_status", "Plan's solver status", 0),
)
_PLACEMENT_NOTES = "placement_notes"
# Series the figures draw (made JSON-ready by simulate.py): never rows of a table.
_FORECAST = "forecast_weekly"
_BY_REGION = "local_fill_by_region"
_TRANSFERS = "transfers_daily"
# Shown as the unit of cost_per_order rather than as a row of its own.
_CURRENCY = "currency"
# Shown in the table by mode, not as a row of "other metrics".
_BY_MODE = "delivery_by_mode"
# Shown in the table of lost parcels and re-ships (``reship_kpis``).
_RESHIPS = "reship_figures"
_MODE_LABELS = {"van": "van", "locker": "van to locker", "drone": "drone", "carrier": "carrier"}
# The side-by-side bars: (key, panel title, key of the actual data's value, if any).
_BAR_KPIS = (
    ("click_to_door_p50_h", "Click-to-door median (h)", "actual_click_to_door_p50_h"),
    ("click_to_door_p90_h", "Click-to-door p90 (h)", "actual_click_to_door_p90_h"),
    ("on_time_rate", "On time (%)", None),
    ("on_time_rate_baro", "On time, baro's promise (%)", None),
    ("split_shipment_rate", "Split shipments (%)", None),
    ("local_fill_rate_nearest", "From nearest facility (%)", None),
    ("local_fill_rate_same_state", "From customer's state (%)", None),
    ("local_fill_rate", "From customer's region (%)", None),
    ("transport_km_per_order", "Transport per order (km)", None),
    ("cost_per_order", "Cost per order", None),
)
_MISSING = "—"


@dataclass(frozen=True)
class _Cell:
    text: str
    best: bool = False


@dataclass(frozen=True)
class _Row:
    label: str
    key: str
    cells: Sequence[_Cell]


@dataclass(frozen=True)
class _ModeRow:
    mode: str
    run: str
    colour: str
    cells: Sequence[str]


_MODE_COLUMNS = (
    ("orders", "Orders"),
    ("share", "Share"),
    ("click_to_door_p50_h", "Click→door p50"),
    ("click_to_door_p90_h", "p90"),
    ("handover_to_door_p50_h", "Hand-over→door p50"),
    ("on_time_rate_baro", "On time: baro"),
    ("on_time_rate", "On time: data"),
    ("km_per_order", "km/order"),
    ("cost_per_order", "Cost/order"),
)


# {currency} is the runs' currency: the money cells are plain amounts.
_RESHIP_COLUMNS = (
    "Lost",
    "Re-shipped",
    "Refused: trust policy",
    "Refused: other",
    "Goods given again ({currency})",
    "Second parcels ({currency})",
    "Re-ship cost ({currency})",
    "Per order ({currency})",
    "Per re-ship ({currency})",
    "Click→re-ship door p50",
)


@dataclass(frozen=True)
class _ReshipRow:
    run: str
    colour: str
    cells: Sequence[str]


@dataclass(frozen=True)
class _ReshipModeRow:
    mode: str
    run: str
    colour: str
    cells: Sequence[str]


@dataclass(frozen=True)
class _FigureView:
    title: str
    caption: str
    image: str | None  # a data: URI; None: nothing to draw, the notes say why
    notes: Sequence[str] = ()


def render_report(
    runs: Sequence[PolicyRun],
    out_dir: Path,
    *,
    title: str,
    actual_click_to_door_hours: pl.DataFrame | None = None,
    actual_over_time: ClickToDoorOverTime | None = None,
    notes: Sequence[str] = (),
    by_mode: bool = False,
    actual_weekly_units: pl.DataFrame | None = None,
    prime: PrimeSection | None = None,
    center: CenterSection | None = None,
) -> Path:
    """Write out_dir/report.html (self-contained: figures inlined as base64 PNG, CSS inline,
    no external URL) and return its path.

    actual_click_to_door_hours: hours (Float64), the real data set's distribution;
    actual_over_time: the real data set's click-to-door by purchase day and week;
    actual_weekly_units: week (Date), units, days (``kpis.units_by_week``), what the
    forecasts in the runs' metrics are drawn against.
    prime: the with- and without-Prime comparison, when the runs are its two arms.
    center: the simulated fulfillment center, when it was the fulfilment stage.
    """
    if not runs:
        raise ValueError("a report needs at least one run")
    colours = [policy_colour(i) for i in range(len(runs))]
    figures, notices = _figures(
        runs, colours, actual_click_to_door_hours, actual_over_time, actual_weekly_units
    )
    mode_rows = _mode_rows(runs, colours) if by_mode else []
    if mode_rows:
        figures.insert(0, _mode_figure(runs, colours))
    html = (
        page_templates()
        .get_template("report.html.j2")
        .render(
            title=title,
            notes=notes,
            policies=list(zip([r.name for r in runs], colours, strict=True)),
            kpi_rows=_kpi_rows(runs, _KPIS),
            placement_rows=_kpi_rows(runs, _PLACEMENT),
            placement_notes=[
                (note, colour)
                for run, colour in zip(runs, colours, strict=True)
                for note in run.metrics.get(_PLACEMENT_NOTES) or ()
            ],
            other_rows=_other_rows(runs),
            mode_rows=mode_rows,
            mode_columns=[label for _, label in _MODE_COLUMNS],
            reship_rows=_reship_rows(runs, colours),
            reship_columns=[c.format(currency=_reship_currency(runs)) for c in _RESHIP_COLUMNS],
            reship_currency=_reship_currency(runs),
            reship_mode_rows=_reship_mode_rows(runs, colours),
            figures=figures,
            notices=notices,
            prime=prime,
            prime_figure=_prime_figure(prime, runs, colours) if prime else None,
            center=center,
            center_figure=data_uri(center.heatmap_png) if center else None,
        )
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _prime_figure(prime: PrimeSection, runs: Sequence[PolicyRun], colours: Sequence[str]) -> str:
    colour = {run.name: c for run, c in zip(runs, colours, strict=True)}
    return data_uri(
        cumulative_profit_figure(
            [
                ProfitSeries(name, colour.get(name, ACTUAL_COLOUR), daily)
                for name, daily in prime.daily_profit.items()
            ],
            prime.currency,
        )
    )


def page_templates() -> Environment:
    """The twin's report templates; each extends ``_page.html.j2`` (style, title, notes)."""
    return Environment(
        loader=PackageLoader("baro.twin", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _kpi_rows(runs: Sequence[PolicyRun], table: Sequence[_Kpi]) -> list[_Row]:
    rows = []
    for kpi in table:
        values = [run.metrics.get(kpi.key) for run in runs]
        if all(v is None for v in values):
            continue
        best = _best(values, kpi.better)
        cells = [
            _Cell(
                _format(kpi.key, value, run.metrics.get(_CURRENCY)),
                best=best is not None and _number(value) == best,
            )
            for run, value in zip(runs, values, strict=True)
        ]
        rows.append(_Row(kpi.label, kpi.key, cells))
    return rows


def _other_rows(runs: Sequence[PolicyRun]) -> list[_Row]:
    known = {kpi.key for kpi in (*_KPIS, *_PLACEMENT)} | {
        _CURRENCY,
        _BY_MODE,
        _RESHIPS,
        _PLACEMENT_NOTES,
        _FORECAST,
        _BY_REGION,
        _TRANSFERS,
    }
    keys = sorted({key for run in runs for key in run.metrics} - known)
    return [
        _Row(key, key, [_Cell(_format(key, run.metrics.get(key), None)) for run in runs])
        for key in keys
    ]


def _modes(runs: Sequence[PolicyRun]) -> list[str]:
    seen = {mode for run in runs for mode in run.metrics.get(_BY_MODE) or {}}
    return [m for m in _MODE_LABELS if m in seen]


def _mode_rows(runs: Sequence[PolicyRun], colours: Sequence[str]) -> list[_ModeRow]:
    """One row per delivery mode and run, the runs of a mode together."""
    rows = []
    for mode in _modes(runs):
        for run, colour in zip(runs, colours, strict=True):
            values = (run.metrics.get(_BY_MODE) or {}).get(mode)
            if values is None:
                continue
            currency = run.metrics.get(_CURRENCY)
            # "share" is a fraction: formatted as the rates are.
            cells = [
                _format("order_share" if key == "share" else key, values.get(key), currency)
                for key, _ in _MODE_COLUMNS
            ]
            rows.append(_ModeRow(_MODE_LABELS[mode], run.name, colour, cells))
    return rows


def _money(minor: Any, currency: str) -> str:
    """Minor units as the currency's amount: 123456 BRL -> "1,234.56" (the unit is in the
    column's head)."""
    if minor is None:
        return _MISSING
    return f"{Money(int(minor), currency).amount:,}"


def _reship_currency(runs: Sequence[PolicyRun]) -> str:
    currencies = {(r.metrics.get(_RESHIPS) or {}).get("currency") for r in runs} - {None}
    return ", ".join(sorted(currencies)) or ""


def _reship_rows(runs: Sequence[PolicyRun], colours: Sequence[str]) -> list[_ReshipRow]:
    rows = []
    for run, colour in zip(runs, colours, strict=True):
        figures = run.metrics.get(_RESHIPS)
        if not figures:
            continue
        currency = figures["currency"]
        other = sum(n for code, n in figures["refusals"].items() if code != "reship_limit_reached")
        rows.append(
            _ReshipRow(
                run.name,
                colour,
                [
                    f"{figures['lost_parcels']:,}",
                    f"{figures['reships']:,}",
                    f"{figures['refused_by_policy']:,}",
                    f"{other:,}",
                    _money(figures["goods_minor"], currency),
                    _money(figures["delivery_minor"], currency),
                    _money(figures["cost_minor"], currency),
                    _money(figures["cost_per_order_minor"], currency),
                    _money(figures["cost_per_reship_minor"], currency),
                    _format("_h", figures["lost_click_to_reship_door_p50_h"], None),
                ],
            )
        )
    return rows


def _reship_mode_rows(runs: Sequence[PolicyRun], colours: Sequence[str]) -> list[_ReshipModeRow]:
    """Per mode (of the lost order, the same orders in every run), the runs together."""
    modes = [
        m
        for m in _MODE_LABELS
        if any(m in ((r.metrics.get(_RESHIPS) or {}).get("by_mode") or {}) for r in runs)
    ]
    rows = []
    for mode in modes:
        for run, colour in zip(runs, colours, strict=True):
            figures = run.metrics.get(_RESHIPS) or {}
            values = (figures.get("by_mode") or {}).get(mode)
            if values is None:
                continue
            rows.append(
                _ReshipModeRow(
                    _MODE_LABELS[mode],
                    run.name,
                    colour,
                    [
                        f"{values['lost']:,}",
                        f"{values['reshipped']:,}",
                        f"{values['refused']:,}",
                        _money(values["cost_minor"], figures["currency"]),
                    ],
                )
            )
    return rows


def _mode_figure(runs: Sequence[PolicyRun], colours: Sequence[str]) -> _FigureView:
    modes = _modes(runs)

    def values(key: str, scale: float = 1.0) -> list[list[float | None]]:
        out = []
        for run in runs:
            per_mode = run.metrics.get(_BY_MODE) or {}
            row = []
            for mode in modes:
                number = _number((per_mode.get(mode) or {}).get(key))
                row.append(number * scale if number is not None else None)
            out.append(row)
        return out

    currency = runs[0].metrics.get(_CURRENCY) or ""
    panels = [
        ModePanel(
            "Click-to-door, median (h)", values("click_to_door_p50_h"), lambda v: f"{v:,.0f}"
        ),
        ModePanel(
            "Hand-over to door, median (h)",
            values("handover_to_door_p50_h"),
            lambda v: f"{v:,.1f}",
        ),
        ModePanel(
            "On time, baro's promise (%)", values("on_time_rate_baro", 100), lambda v: f"{v:.0f}"
        ),
        ModePanel("km per order", values("km_per_order"), lambda v: f"{v:,.1f}"),
        ModePanel(f"Cost per order ({currency})", values("cost_per_order"), lambda v: f"{v:,.2f}"),
    ]
    image = by_mode_figure(
        [r.name for r in runs], colours, [_MODE_LABELS[m] for m in modes], panels
    )
    return _FigureView(
        "Delivery by mode",
        "Each group is the same orders in both runs (those the routed run sent that way): "
        "look at how much sooner baro's vans and drones bring them from the hand-over than "
        "the carrier's historical times, whether that keeps baro's promise, and what it "
        "costs. Click-to-door adds the data set's own fulfilment time, the same in both.",
        data_uri(image),
    )


def _best(values: Sequence[Any], better: int) -> float | None:
    """The winning value of a row, worth highlighting only when the runs disagree."""
    numbers = [n for n in map(_number, values) if n is not None]
    if better == 0 or len(numbers) < 2 or len(set(numbers)) == 1:
        return None
    return max(numbers) if better > 0 else min(numbers)


def _number(value: Any) -> float | None:
    """The value as a float, or None when it is no number (missing, text, a flag)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    return None


def _format(key: str, value: Any, currency: str | None) -> str:
    """Text for one table cell; the unit is read from the metric's name."""
    if value is None:
        return _MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = _number(value)
    if number is None:
        return str(value)
    if _is_rate(key):
        return f"{number * 100:.1f} %"
    if key.endswith("_h"):
        return f"{number:,.1f} h"
    if "_km" in key:
        return f"{number:,.1f} km"
    if key.startswith("cost_") or "_cost_" in key:
        return f"{number:,.2f} {currency}" if currency else f"{number:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return _plain(number)


def _is_rate(key: str) -> bool:
    """Fractions 0..1 by the metrics' naming: on_time_rate, local_fill_rate_nearest, …_share,
    expected_local_fill."""
    return "_rate" in key or key.endswith(("_share", "_fill"))


def _plain(number: float) -> str:
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 1:
        return f"{number:.2f}"
    return f"{number:.3g}"


def _figures(
    runs: Sequence[PolicyRun],
    colours: Sequence[str],
    actual: pl.DataFrame | None,
    actual_over_time: ClickToDoorOverTime | None,
    actual_weekly: pl.DataFrame | None,
) -> tuple[list[_FigureView], list[str]]:
    """The figures in page order, and notices for what could not be drawn."""
    figures: list[_FigureView] = []
    notices: list[str] = []
    daily, shared = _daily_series(runs, colours)
    if daily:
        caption = "Look for the peaks (Black Friday, holidays) the network must absorb"
        if shared:
            caption += "; the policies saw the same orders, so one line stands for all"
        elif len(daily) > 1:
            caption += "; where the lines part, the policies changed what customers ordered"
        figures.append(
            _FigureView("Orders per day", caption + ".", data_uri(daily_orders_figure(daily)))
        )
    else:
        notices.append("No daily order counts: no run placed an order.")
    distributions = [
        _distribution(run.name, colour, run.click_to_door_hours)
        for run, colour in zip(runs, colours, strict=True)
    ]
    notices.extend(
        f"{run.name}: no delivery data (no order was delivered)."
        for run, d in zip(runs, distributions, strict=True)
        if d is None
    )
    if actual is not None:
        distributions.append(_distribution("actual", ACTUAL_COLOUR, actual, is_actual=True))
    drawn = [d for d in distributions if d is not None]
    if drawn:
        figures.append(
            _FigureView(
                "Click-to-door time",
                "Look at how far each policy's curve sits left of the grey actual data, and "
                "at the right-hand tail: the late parcels customers remember.",
                data_uri(click_to_door_figure(drawn)),
            )
        )
    else:
        notices.append("No delivery data: there is no click-to-door distribution to draw.")
    over_time = _over_time(runs, colours, actual_over_time)
    if over_time:
        figures.append(
            _FigureView(
                "Click-to-door over time",
                "Look for the weeks where the grey actual line climbs: a busy network slows "
                "down, and a twin that sees the peak climbs with it.",
                data_uri(click_to_door_over_time_figure(over_time)),
            )
        )
    figures.extend(_regional_fill(runs, colours))
    figures.extend(_transfers(runs, colours))
    figures.extend(_forecast(runs, colours, actual_weekly))
    figures.extend(_maps(runs))
    if len(runs) > 1:
        panels = _kpi_panels(runs)
        if panels:
            image = kpi_bars_figure([r.name for r in runs], colours, panels)
            figures.append(
                _FigureView(
                    "Policies side by side",
                    "Shorter bars are better for time, splits, distance and cost; "
                    "taller ones for on-time and local fill. Dashed grey: the actual data.",
                    data_uri(image),
                )
            )
    return figures, notices


def _daily_series(
    runs: Sequence[PolicyRun], colours: Sequence[str]
) -> tuple[list[DailySeries], bool]:
    """The lines to draw, and whether every run saw the same daily orders."""
    with_orders = [(r, c) for r, c in zip(runs, colours, strict=True) if r.daily_orders.height]
    if not with_orders:
        return [], False
    first = with_orders[0][0].daily_orders
    if len(runs) > 1 and all(r.daily_orders.equals(first) for r in runs):
        # One line, named for all, rather than identical lines hiding each other.
        return [DailySeries("all policies (same orders)", ACTUAL_COLOUR, first)], True
    return [DailySeries(r.name, c, r.daily_orders) for r, c in with_orders], False


def _over_time(
    runs: Sequence[PolicyRun], colours: Sequence[str], actual: ClickToDoorOverTime | None
) -> list[OverTime]:
    lines = [
        OverTime(run.name, colour, run.over_time.daily, run.over_time.weekly)
        for run, colour in zip(runs, colours, strict=True)
        if run.over_time is not None and run.over_time.daily.height
    ]
    if lines and actual is not None and actual.daily.height:
        lines.append(OverTime("actual", ACTUAL_COLOUR, actual.daily, actual.weekly, actual=True))
    return lines


def _distribution(
    label: str, colour: str, frame: pl.DataFrame, *, is_actual: bool = False
) -> Distribution | None:
    hours = frame["hours"].drop_nulls().cast(pl.Float64).to_numpy()
    hours = hours[np.isfinite(hours)]
    return Distribution(label, colour, hours, is_actual) if hours.size else None


def _maps(runs: Sequence[PolicyRun]) -> list[_FigureView]:
    """One map when every run has the same demand and facilities, else one per run."""
    first = runs[0]
    same = all(
        _same_rows(run.facilities, first.facilities) and _same_rows(run.demand, first.demand)
        for run in runs
    )
    shown = [first] if same else list(runs)
    # A map needs something on it: a cell with orders or a facility.
    shown = [r for r in shown if r.demand["orders"].gt(0).any() or r.facilities.height]
    max_orders = max(
        (int(r.demand.select(pl.col("orders").max()).item() or 0) for r in shown), default=0
    )
    views = []
    for run in shown:
        title = "Demand and facilities" if same else f"Demand and facilities: {run.name}"
        image = demand_map_figure(run.demand, run.facilities, title=title, max_orders=max_orders)
        views.append(
            _FigureView(
                title,
                "Look for dense (dark) demand far from any facility: those orders travel "
                "furthest and arrive last. Colours share one scale across maps.",
                data_uri(image),
            )
        )
    return views


def _regional_fill(runs: Sequence[PolicyRun], colours: Sequence[str]) -> list[_FigureView]:
    """One map per run that measured its local fill by region, on one colour scale."""
    panels = [
        RegionalFill(
            run.name,
            colour,
            pl.DataFrame(
                run.metrics[_BY_REGION],
                schema={
                    "region": pl.String,
                    "lat": pl.Float64,
                    "lng": pl.Float64,
                    "parcels": pl.Int64,
                    "local_fill_rate": pl.Float64,
                },
            ),
            _number(run.metrics.get("local_fill_rate")),
        )
        for run, colour in zip(runs, colours, strict=True)
        if run.metrics.get(_BY_REGION)
    ]
    if not panels:
        return []
    customers = pl.concat([run.demand.filter(pl.col("orders") > 0) for run in runs])
    image = regional_fill_figure(panels, customers["h3_cell"])
    return [
        _FigureView(
            "Local fill by region",
            f"A region is the catchment of one of the {panels[0].regions.height} centres every "
            "policy shares (sited on the orders before the test); each circle is its centre, "
            "its area the parcels of the region's customers, its colour the share of them "
            "shipped from within the region (a centre or a seller there). Grey: where "
            "customers ordered. Look for the red regions: there the policy's stock sat "
            "elsewhere.",
            data_uri(image),
        )
    ]


def _transfers(runs: Sequence[PolicyRun], colours: Sequence[str]) -> list[_FigureView]:
    """Units moved per day by each run that moved any (its events and its initial plan); a
    line for each that moved none."""
    series, quiet = [], []
    for run, colour in zip(runs, colours, strict=True):
        daily = pl.DataFrame(
            run.metrics.get(_TRANSFERS) or [],
            schema={"day": pl.String, "dispatched": pl.Int64, "arrived": pl.Int64},
        ).with_columns(pl.col("day").str.to_date())
        # The initial plan (re-planning policies report it apart); otherwise all of it.
        initial = int(
            _number(run.metrics.get("initial_transfer_units"))
            or _number(run.metrics.get("transfer_units"))
            or 0
        )
        if initial or daily.height:
            series.append(TransferSeries(run.name, colour, daily, initial))
        else:
            quiet.append(f"{run.name}: no transfers (no stock moved between facilities).")
    # The test's days, or at least the days something moved.
    days = pl.concat([*(r.daily_orders["day"] for r in runs), *(s.daily["day"] for s in series)])
    if not series or days.len() == 0:
        return [_FigureView("Transfers", "", None, quiet)]
    first, last = days.min(), days.max()
    return [
        _FigureView(
            "Transfers",
            "Bars: units sent from one facility to another each day of the test (the twin's "
            "clock: re-plans and units sent ahead of the buyers); dots: units that landed. "
            "The hatched bar is the initial placement's plan, sent before the test began. "
            "Look for re-plans that chase the demand.",
            data_uri(transfers_figure(series, first, last)),
            quiet,
        )
    ]


def _forecast(
    runs: Sequence[PolicyRun], colours: Sequence[str], actual: pl.DataFrame | None
) -> list[_FigureView]:
    """Each run's forecast of the weekly units, drawn against what was sold."""
    series = [
        ForecastSeries(
            run.name,
            colour,
            pl.DataFrame(run.metrics[_FORECAST]).with_columns(pl.col("week").str.to_date()),
        )
        for run, colour in zip(runs, colours, strict=True)
        if run.metrics.get(_FORECAST)
    ]
    if not series:
        return []
    return [
        _FigureView(
            "The forecast against what happened",
            "The forecast's total units per week over all products and regions, made before "
            "the test from the orders before it, with its 80 % interval; the points are the "
            "units bought in the test. Look for points outside the band.",
            data_uri(forecast_figure(series, actual)),
            [
                "The forecast's weeks run from the Monday on or before the test's first day: "
                "the first week may start before the test (and the last end after it), so "
                "their hollow points count only the test's days."
            ],
        )
    ]


def _same_rows(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    return a.columns == b.columns and a.sort(a.columns).equals(b.sort(b.columns))


def _kpi_panels(runs: Sequence[PolicyRun]) -> list[KpiPanel]:
    panels = []
    for key, title, actual_key in _BAR_KPIS:
        numbers = [_number(run.metrics.get(key)) for run in runs]
        if all(n is None for n in numbers):
            continue
        rate = _is_rate(key)
        scale = 100.0 if rate else 1.0
        values = [n * scale if n is not None else None for n in numbers]
        actuals = [_number(run.metrics.get(actual_key)) for run in runs] if actual_key else []
        actual = next((n for n in actuals if n is not None), None)
        currency = runs[0].metrics.get(_CURRENCY)
        panel_title = f"{title} ({currency})" if key.startswith("cost_") and currency else title
        panels.append(KpiPanel(panel_title, values, _bar_format(key), actual))
    return panels


def _bar_format(key: str) -> Callable[[float], str]:
    if _is_rate(key):
        return lambda v: f"{v:.1f} %"
    if key.startswith("cost_"):
        return lambda v: f"{v:,.2f}"
    return lambda v: f"{v:,.1f}"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
