"""The figures of the twin report, returned as PNG bytes ready to inline in the page.

Drawn with matplotlib's object API rather than pyplot: no global figure state, no backend to
select, and nothing left open when a figure is done.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import wraps
from typing import ParamSpec

import h3
import numpy as np
import polars as pl
from matplotlib import colormaps, patheffects, rc_context
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

# One colour per policy, in run order; grey is left out of the cycle because it means "actual".
POLICY_COLOURS = (
    "#1f77b4",
    "#e8710a",
    "#2ca02c",
    "#9467bd",
    "#d62728",
    "#8c564b",
    "#e377c2",
    "#17becf",
)
ACTUAL_COLOUR = "#4d4d4d"
FACILITY_MARKERS = ("s", "^", "D", "o", "P", "X")
# Past this many facilities the labels cover the map; the markers and legend still show them.
MAX_LABELLED_FACILITIES = 20

_STYLE = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "legend.fontsize": 10,
}

_P = ParamSpec("_P")


def policy_colour(index: int) -> str:
    return POLICY_COLOURS[index % len(POLICY_COLOURS)]


def styled(draw: Callable[_P, Figure]) -> Callable[_P, bytes]:
    """Draw under the report's style and encode the figure as PNG."""

    @wraps(draw)
    def render(*args: _P.args, **kwargs: _P.kwargs) -> bytes:
        with rc_context(_STYLE):
            figure = draw(*args, **kwargs)
            buffer = io.BytesIO()
            # A laid-out figure is already tight; cropping would cost a second full draw.
            # The map is not laid out: its fixed aspect would leave a wide empty margin.
            crop = None if figure.get_layout_engine() else "tight"
            # No "Software" metadata: the same data gives byte-identical images.
            figure.savefig(
                buffer, format="png", dpi=144, bbox_inches=crop, metadata={"Software": None}
            )
        return buffer.getvalue()

    return render


@dataclass(frozen=True)
class DailySeries:
    """One line of the daily-orders figure; ``daily`` has columns day (Date), orders (Int64)."""

    label: str
    colour: str
    daily: pl.DataFrame


@styled
def daily_orders_figure(series: Sequence[DailySeries]) -> Figure:
    """Orders per day, faint, under their 7-day mean, which is what the eye should follow."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    ax = figure.add_subplot()
    for line in series:
        daily = line.daily.sort("day").with_columns(
            mean=pl.col("orders").cast(pl.Float64).rolling_mean_by("day", window_size="7d")
        )
        days = daily["day"].to_list()
        ax.plot(days, daily["orders"].to_list(), color=line.colour, alpha=0.25, linewidth=0.8)
        ax.plot(days, daily["mean"].to_list(), color=line.colour, linewidth=2, label=line.label)
    ax.set_title("Orders per day (thin: each day, bold: 7-day mean)")
    ax.set_ylabel("orders per day")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    figure.autofmt_xdate()
    return figure


@dataclass(frozen=True)
class OverTime:
    """One run's (or the real data set's, when ``actual``) click-to-door by purchase date:
    ``daily`` has day (Date), p50_h; ``weekly`` has week (Date, the Monday), p50_h."""

    label: str
    colour: str
    daily: pl.DataFrame
    weekly: pl.DataFrame
    actual: bool = False


@styled
def click_to_door_over_time_figure(series: Sequence[OverTime]) -> Figure:
    """Median click-to-door by the day orders were bought: faint each day, bold each week
    (drawn mid-week), so a slow week stands out from one slow day."""
    figure = Figure(figsize=(10, 4.4), layout="constrained")
    ax = figure.add_subplot()
    for line in series:
        dashes = "--" if line.actual else "-"
        ax.plot(
            line.daily["day"].to_list(),
            line.daily["p50_h"].to_list(),
            color=line.colour,
            linestyle=dashes,
            alpha=0.2,
        )
        midweek = line.weekly["week"] + timedelta(days=3)
        ax.plot(
            midweek.to_list(),
            line.weekly["p50_h"].to_list(),
            color=line.colour,
            linestyle=dashes,
            linewidth=2.2,
            marker="o",
            markersize=3,
            label=line.label,
        )
    ax.set_title("Median click-to-door by purchase date (thin: each day, bold: each week)")
    ax.set_ylabel("hours from order to delivery")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    figure.autofmt_xdate()
    return figure


@dataclass(frozen=True)
class Distribution:
    """Click-to-door hours of one run, or of the real data set when ``actual``."""

    label: str
    colour: str
    hours: np.ndarray
    actual: bool = False


# Past this many runs, curves drawn over each other hide one another: one panel per run.
MAX_OVERLAID_RUNS = 2


@styled
def click_to_door_figure(distributions: Sequence[Distribution]) -> Figure:
    """Share of delivered orders per click-to-door bin, every series on the same bins: all
    in one panel for up to ``MAX_OVERLAID_RUNS`` runs, else one panel per run over the
    actual data, on shared axes."""
    # Cut at the largest 99th percentile so one lost parcel does not squash the bulk of the data.
    upper = max(float(np.quantile(d.hours, 0.99)) for d in distributions)
    bins = np.linspace(0.0, max(upper, 1.0), 60)
    runs = [d for d in distributions if not d.actual]
    actual = [d for d in distributions if d.actual]
    if len(runs) <= MAX_OVERLAID_RUNS:
        figure = Figure(figsize=(10, 4.8), layout="constrained")
        ax = figure.add_subplot()
        for d in distributions:
            _histogram(ax, d, bins)
        ax.legend(loc="upper right")
        ax.set_xlim(0, bins[-1])
        ax.set_title("Click-to-door time (dashed: median)")
        ax.set_xlabel("hours from order to delivery (cut at the 99th percentile)")
        ax.set_ylabel("share of delivered orders (%)")
        days = ax.secondary_xaxis("top", functions=(lambda h: h / 24, lambda d: d * 24))
        days.set_xlabel("days")
        return figure
    columns = min(3, len(runs))
    rows = math.ceil(len(runs) / columns)
    figure = Figure(figsize=(3.6 * columns + 0.4, 2.9 * rows + 0.6), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True).ravel()
    for ax, run in zip(axes, runs, strict=False):
        for d in [*actual, run]:
            _histogram(ax, d, bins)
        ax.legend(loc="upper right", fontsize=7.5, handlelength=1.2)
        ax.set_xlim(0, bins[-1])
        ax.set_title(run.label, fontsize=11, color=run.colour)
    for ax in axes[len(runs) :]:
        ax.set_axis_off()
    for ax in axes[-columns:]:
        ax.set_xlabel("hours (cut at the 99th pct.)")
    for ax in axes[::columns]:
        ax.set_ylabel("share of orders (%)")
    figure.suptitle(
        "Click-to-door time, one panel per policy (grey: actual; dashed: median)",
        fontsize=13,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    return figure


def _histogram(ax: Axes, d: Distribution, bins: np.ndarray) -> None:
    """One series: the actual data filled, a run as a step outline; its median dashed."""
    p50, p90 = np.quantile(d.hours, [0.5, 0.9])
    label = f"{d.label}: p50 {p50:,.0f} h · p90 {p90:,.0f} h · n={d.hours.size:,}"
    weights = np.full(d.hours.size, 100.0 / d.hours.size)
    if d.actual:
        ax.hist(d.hours, bins=bins, weights=weights, color=d.colour, alpha=0.25, label=label)
    else:
        ax.hist(
            d.hours,
            bins=bins,
            weights=weights,
            histtype="step",
            color=d.colour,
            linewidth=2,
            label=label,
        )
    ax.axvline(p50, color=d.colour, linestyle="--", linewidth=1.3)


@styled
def demand_map_figure(
    demand: pl.DataFrame, facilities: pl.DataFrame, *, title: str, max_orders: int
) -> Figure:
    """H3 cells coloured by orders (demand: h3_cell, orders) and facilities (name, lat, lng,
    kind) on plain lat/lng axes; ``max_orders`` tops the colour scale so maps compare."""
    figure = Figure(figsize=(10, 8))
    ax = figure.add_subplot()
    cells = demand.filter(pl.col("orders") > 0)
    hexagons = _hexagons(cells["h3_cell"])
    if hexagons:
        norm = LogNorm(vmin=1, vmax=max(max_orders, 10))
        collection = PolyCollection(
            hexagons,
            array=cells["orders"].to_numpy(),
            cmap="YlOrRd",
            norm=norm,
            edgecolors="#00000022",
            linewidths=0.3,
        )
        ax.add_collection(collection)
        colour_bar = figure.colorbar(
            collection, ax=ax, label="orders per H3 cell (log scale)", shrink=0.7
        )
        colour_bar.ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    _draw_facilities(ax, facilities)
    _frame_map(ax, hexagons, facilities)
    ax.set_title(title)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    return figure


def _hexagons(cells: pl.Series) -> list[list[tuple[float, float]]]:
    """The cells' outlines as (x, y) = (lng, lat) polygons (h3 gives (lat, lng))."""
    return [[(lng, lat) for lat, lng in h3.cell_to_boundary(c)] for c in cells]


def _frame_map(
    ax: Axes, hexagons: list[list[tuple[float, float]]], sites: pl.DataFrame, pad: float = 0.05
) -> None:
    """Fit the axes to the cells and the sites (lat, lng), at a true shape, with a margin of
    ``pad`` of the larger side."""
    points = [p for hexagon in hexagons for p in hexagon]
    points += list(zip(sites["lng"].to_list(), sites["lat"].to_list(), strict=True))
    lngs, lats = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    pad *= max(np.ptp(lngs), np.ptp(lats), 1.0)
    ax.set_xlim(lngs.min() - pad, lngs.max() + pad)
    ax.set_ylim(lats.min() - pad, lats.max() + pad)
    # A degree of longitude shrinks with latitude; this keeps the map's shapes true.
    ax.set_aspect(1 / math.cos(math.radians(float(lats.mean()))))


def _draw_facilities(ax: Axes, facilities: pl.DataFrame) -> None:
    kinds = sorted(facilities["kind"].unique().to_list())
    for marker, kind in zip(FACILITY_MARKERS * len(kinds), kinds, strict=False):
        sites = facilities.filter(pl.col("kind") == kind)
        ax.scatter(
            sites["lng"],
            sites["lat"],
            marker=marker,
            s=90,
            color="#1a1a1a",
            edgecolors="white",
            linewidths=1.5,
            zorder=3,
            label=kind,
        )
    if facilities.height <= MAX_LABELLED_FACILITIES:
        halo = [patheffects.withStroke(linewidth=3, foreground="white")]
        for name, lat, lng in facilities.select("name", "lat", "lng").iter_rows():
            ax.annotate(
                name,
                (lng, lat),
                xytext=(7, 7),
                textcoords="offset points",
                fontsize=10,
                fontweight="bold",
                path_effects=halo,
                zorder=4,
            )
    if kinds:
        # Below the map: inside, it would hide whichever cells lie under it.
        ax.legend(
            title="facilities",
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncols=len(kinds),
            frameon=False,
        )


@dataclass(frozen=True)
class KpiPanel:
    """One small bar chart: a KPI's value per run (None when a run lacks it), and the real
    data set's value, drawn as a grey line, where there is one."""

    title: str
    values: Sequence[float | None]
    value_format: Callable[[float], str]
    actual: float | None = None


@styled
def kpi_bars_figure(
    names: Sequence[str], colours: Sequence[str], panels: Sequence[KpiPanel]
) -> Figure:
    """Small multiples, one per KPI: each has its own unit, so they cannot share an axis."""
    columns = min(4, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(2.6 * columns + 0.6, 2.9 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    positions = np.arange(len(names))
    for ax, panel in zip(axes, panels, strict=False):
        heights = [v if v is not None else 0.0 for v in panel.values]
        bars = ax.bar(positions, heights, color=colours, width=0.7)
        texts = [panel.value_format(v) if v is not None else "n/a" for v in panel.values]
        ax.bar_label(bars, texts, padding=2, fontsize=9)
        if panel.actual is not None:
            ax.axhline(panel.actual, color=ACTUAL_COLOUR, linestyle="--", linewidth=1.3, zorder=0.5)
            ax.annotate(
                f"actual {panel.value_format(panel.actual)}",
                (1.0, panel.actual),
                xycoords=("axes fraction", "data"),
                xytext=(0, 3),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                color=ACTUAL_COLOUR,
            )
        top = max([*heights, panel.actual or 0.0, 1e-9])
        ax.set_ylim(0, top * 1.22)  # headroom for the value labels
        ax.set_title(panel.title, fontsize=10, loc="left")
        ax.set_xticks([])
        ax.tick_params(axis="y", labelsize=8)
    figure.suptitle("Policies side by side", fontsize=13, fontweight="bold", x=0.01, ha="left")
    # One legend for all panels: policy names can be too long to sit under narrow bars.
    handles = [Patch(color=c, label=n) for n, c in zip(names, colours, strict=True)]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(names), 4))
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    return figure


@dataclass(frozen=True)
class ModePanel:
    """One panel of the by-mode figure: per run, the value for each mode (None: no such
    orders in that run)."""

    title: str
    values: Sequence[Sequence[float | None]]  # [run][mode]
    value_format: Callable[[float], str]


@styled
def by_mode_figure(
    names: Sequence[str], colours: Sequence[str], modes: Sequence[str], panels: Sequence[ModePanel]
) -> Figure:
    """Grouped bars: one group per delivery mode, one bar per run, a panel per KPI."""
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(3.7 * columns + 0.4, 3.3 * rows + 0.5), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    width = 0.8 / max(len(names), 1)
    positions = np.arange(len(modes))
    # Beyond two runs the bars are narrow: their labels stand upright, so they never overlap.
    upright = len(names) > 2
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    for ax, panel in zip(axes, panels, strict=False):
        top = 1e-9
        for r, (colour, values) in enumerate(zip(colours, panel.values, strict=True)):
            offsets = positions - 0.4 + width * (r + 0.5)
            heights = [v if v is not None else 0.0 for v in values]
            bars = ax.bar(offsets, heights, width=width * 0.92, color=colour)
            texts = [panel.value_format(v) if v is not None else "" for v in values]
            ax.bar_label(bars, texts, padding=2, fontsize=9, rotation=90 if upright else 0)
            top = max(top, *heights)
        ax.set_ylim(0, top * (1.4 if upright else 1.22))
        ax.set_title(panel.title, fontsize=11, loc="left")
        ax.set_xticks(positions, list(modes), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", visible=False)
    figure.suptitle("Delivery by mode", fontsize=13, fontweight="bold", x=0.01, ha="left")
    handles = [Patch(color=c, label=n) for n, c in zip(names, colours, strict=True)]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(names), 4))
    return figure


@dataclass(frozen=True)
class RegionalFill:
    """One policy's local fill by region: ``regions`` has region, lat, lng (the centre),
    parcels, local_fill_rate (0..1, null where no parcel went); ``overall`` over all."""

    label: str
    colour: str
    regions: pl.DataFrame
    overall: float | None


OUTLINE_RESOLUTION = 3  # H3 cells of ~12,000 km²
# Red to green: low local fill should catch the eye; no parcel at all is grey.
_FILL_CMAP = colormaps["RdYlGn"].with_extremes(bad="#bbbbbb")


@styled
def regional_fill_figure(panels: Sequence[RegionalFill], customers: pl.Series) -> Figure:
    """Small multiples, one map per policy: each region's centre as a circle, its area the
    parcels of the region's customers, its colour the share shipped from within the region;
    the customers' H3 cells (``customers``, resolution ``OUTLINE_RESOLUTION`` or finer) in
    grey stand for the country, with no basemap."""
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(3.5 * columns + 1.2, 3.9 * rows + 0.6), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True).ravel()
    # Coarse cells: at the demand map's resolution they are specks, not a country's shape.
    hexagons = _hexagons(
        pl.Series([h3.cell_to_parent(c, OUTLINE_RESOLUTION) for c in customers], dtype=pl.String)
        .unique()
        .sort()
    )
    most = max((int(p.regions["parcels"].max() or 0) for p in panels), default=0)
    norm = Normalize(0, 100)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for ax, panel in zip(axes, panels, strict=False):
        ax.add_collection(
            PolyCollection(hexagons, facecolors="#d0d0d0", edgecolors="none", zorder=1)
        )
        regions = panel.regions
        rates = [
            r * 100 if r is not None else float("nan") for r in regions["local_fill_rate"].to_list()
        ]
        # Area, not radius, grows with the parcels: the eye reads a circle's area.
        sizes = [40 + 900 * n / max(most, 1) for n in regions["parcels"].to_list()]
        points = ax.scatter(
            regions["lng"],
            regions["lat"],
            s=sizes,
            c=rates,
            cmap=_FILL_CMAP,
            norm=norm,
            edgecolors="#1a1a1a",
            linewidths=0.8,
            plotnonfinite=True,
            zorder=3,
        )
        for lng, lat, rate, n in zip(
            regions["lng"], regions["lat"], rates, regions["parcels"], strict=True
        ):
            text = f"{rate:.0f} %" if math.isfinite(rate) else "–"
            ax.annotate(
                f"{text}\n{n:,}",
                (lng, lat),
                xytext=(0, -14),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8,
                path_effects=halo,
                zorder=4,
            )
        _frame_map(ax, hexagons, regions, pad=0.12)  # room for the circles and labels
        overall = f"{panel.overall * 100:.1f} %" if panel.overall is not None else "n/a"
        ax.set_title(f"{panel.label}: {overall}", fontsize=11, color=panel.colour)
        ax.tick_params(labelsize=8)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    bar = figure.colorbar(points, ax=axes.tolist(), shrink=0.6, label="local fill (%)")
    bar.ax.tick_params(labelsize=8)
    figure.suptitle(
        "Local fill by region (label: local fill, parcels)",
        fontsize=13,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    return figure


@dataclass(frozen=True)
class TransferSeries:
    """One policy's transfers: ``daily`` has day (Date), dispatched, arrived (units); the
    initial placement's units were sent before the test began."""

    label: str
    colour: str
    daily: pl.DataFrame
    initial_units: int


@styled
def transfers_figure(series: Sequence[TransferSeries], first: date, last: date) -> Figure:
    """Units moved per day over the test (``first`` to ``last``), one row per policy: bars
    for the units sent, a line for those that landed, and the initial placement as a hatched
    bar before the test's first day."""
    figure = Figure(figsize=(10, 1.2 + 2.1 * len(series)), layout="constrained")
    axes = figure.subplots(len(series), 1, squeeze=False, sharex=True).ravel()
    before = first - timedelta(days=2)
    for ax, line in zip(axes, series, strict=True):
        daily = line.daily.filter(pl.col("day").is_between(before, last))
        days = daily["day"].to_list()
        ax.bar(days, daily["dispatched"].to_list(), width=0.8, color=line.colour, label="sent")
        landed = daily.filter(pl.col("arrived") > 0)
        if landed.height:
            # Points, not a line: the days between have no row, and a line would invent them.
            ax.scatter(
                landed["day"],
                landed["arrived"],
                color=ACTUAL_COLOUR,
                s=14,
                zorder=3,
                label="landed",
            )
        busiest = max(int(daily["dispatched"].max() or 0), int(daily["arrived"].max() or 0))
        # The initial placement can dwarf the daily moves: then it is cut, and says so.
        cut = busiest > 0 and line.initial_units > 4 * busiest
        top = (busiest if cut else max(busiest, line.initial_units, 1)) * 1.3
        if line.initial_units:
            ax.bar(
                [before],
                [min(line.initial_units, top)],
                width=1.6,
                color="white",
                edgecolor=line.colour,
                hatch="///",
                label=f"initial placement: {line.initial_units:,}" + (" (bar cut)" if cut else ""),
            )
        ax.axvline(first, color=ACTUAL_COLOUR, linestyle="--", linewidth=1)
        ax.set_ylim(0, top * 1.15)
        ax.set_xlim(before - timedelta(days=2), last + timedelta(days=1))
        ax.set_title(line.label, fontsize=11, color=line.colour)
        ax.set_ylabel("units")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper right", ncols=3, fontsize=8)
    figure.suptitle(
        "Units moved between facilities per day (dashed: the test's first day)",
        fontsize=13,
        fontweight="bold",
        x=0.01,
        ha="left",
    )
    axes[-1].xaxis.set_major_formatter(DateFormatter("%d %b"))
    return figure


@dataclass(frozen=True)
class ForecastSeries:
    """One policy's forecast of the units sold per week: week (Date, the Monday), mean,
    lo_80, hi_80."""

    label: str
    colour: str
    weekly: pl.DataFrame


@styled
def forecast_figure(series: Sequence[ForecastSeries], actual: pl.DataFrame | None) -> Figure:
    """Each forecast's weekly total with its 80 % band, and the units actually sold as points
    (actual: week, units, days; hollow where the test covers fewer than 7 of its days)."""
    figure = Figure(figsize=(10, 4.4), layout="constrained")
    ax = figure.add_subplot()
    for line in series:
        weeks = line.weekly["week"].to_list()
        ax.fill_between(
            weeks,
            line.weekly["lo_80"].to_list(),
            line.weekly["hi_80"].to_list(),
            color=line.colour,
            alpha=0.2,
            linewidth=0,
        )
        ax.plot(
            weeks,
            line.weekly["mean"].to_list(),
            color=line.colour,
            linewidth=2,
            marker="o",
            markersize=3,
            label=f"{line.label}: forecast, 80 % band",
        )
    if actual is not None and actual.height:
        full = actual.filter(pl.col("days") == 7)
        part = actual.filter(pl.col("days") < 7)
        ax.scatter(
            full["week"], full["units"], color=ACTUAL_COLOUR, zorder=3, label="sold (whole week)"
        )
        if part.height:
            ax.scatter(
                part["week"],
                part["units"],
                facecolors="white",
                edgecolors=ACTUAL_COLOUR,
                zorder=3,
                label="sold (part of the week in the test)",
            )
    ax.set_title("Units sold per week: the forecast made before the test, and what happened")
    ax.set_ylabel("units per week (all products)")
    ax.set_xlabel("week (from Monday)")
    weeks = sorted({w for line in series for w in line.weekly["week"].to_list()})
    ax.set_xticks(weeks, [f"{w:%d %b}" for w in weeks])
    ax.set_ylim(bottom=0)
    # Below the axes: inside, it would hide the first weeks' points.
    figure.legend(loc="outside lower center", ncols=3)
    return figure


@dataclass(frozen=True)
class ProfitSeries:
    """One arm of the Prime comparison: ``daily`` has day (Date), profit (Float64)."""

    label: str
    colour: str
    daily: pl.DataFrame


@styled
def cumulative_profit_figure(series: Sequence[ProfitSeries], currency: str) -> Figure:
    """Contribution added up day by day, one line per arm: where the lines part is where
    membership fees, members' extra orders and the shipping given away begin to weigh."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    ax = figure.add_subplot()
    for line in series:
        daily = line.daily.sort("day").with_columns(total=pl.col("profit").cum_sum())
        days, totals = daily["day"].to_list(), daily["total"].to_list()
        ax.plot(days, totals, color=line.colour, linewidth=2, label=line.label)
    ax.set_title("Profit (contribution), cumulative, with and without Prime")
    ax.set_ylabel(currency)
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.legend(loc="upper left")
    figure.autofmt_xdate()
    return figure
