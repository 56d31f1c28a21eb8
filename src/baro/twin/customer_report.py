"""The customer KPI report (``baro report kpis``): one self-contained page, figures inlined
as PNG, laid out by the twin's page template and drawn in its figure style."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from baro.twin.report import data_uri, page_templates
from baro.twin.report_plots import ACTUAL_COLOUR, policy_colour, styled

if TYPE_CHECKING:
    from baro.twin.customer_kpis import CustomerKpis

# The retention months the key figures quote.
QUOTED_MONTHS = (1, 3, 6)


def render_customer_report(kpis: CustomerKpis, out_dir: Path) -> Path:
    """Write out_dir/kpis.html and return its path."""
    members = kpis.members
    economics = members.economics
    html = (
        page_templates()
        .get_template("customers.html.j2")
        .render(
            title=f"Customers of {kpis.dataset}: who comes back",
            notes=kpis.notes,
            kpis=kpis,
            retention=_quoted(kpis.curve),
            segments=kpis.segments.to_dicts(),
            economics=economics.to_dicts() if economics is not None else None,
            rates=members.rates,
            uplift=members.uplift,
            payback=members.payback,
            absent=members.absent,
            repeat_figure=data_uri(repeat_share_figure(kpis.by_month, kpis.seed_repeat_share)),
            cohort_figure=data_uri(cohort_figure(kpis.cohorts)),
            segment_figure=data_uri(segment_figure(kpis.segments)),
            member_figure=(
                data_uri(member_figure(economics, members.uplift))
                if economics is not None
                else None
            ),
        )
    )
    path = out_dir / "kpis.html"
    path.write_text(html, encoding="utf-8")
    return path


def _quoted(curve: pl.DataFrame) -> list[tuple[int, float | None]]:
    shares = dict(curve.select("month", "share").iter_rows())
    return [(month, shares.get(month)) for month in QUOTED_MONTHS]


@styled
def repeat_share_figure(by_month: pl.DataFrame, seed_share: float) -> Figure:
    """Each month's revenue share from returning and from repeat customers, against the seed."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    ax = figure.add_subplot()
    months = by_month["month"].to_list()
    ax.plot(
        months,
        by_month["repeat_share"].to_list(),
        marker="o",
        color=policy_colour(0),
        label="customers who order more than once in the data",
    )
    ax.plot(
        months,
        by_month["returning_share"].to_list(),
        marker="o",
        color=policy_colour(1),
        label="customers who had ordered before that month's order",
    )
    ax.axhline(
        seed_share,
        color=ACTUAL_COLOUR,
        linestyle="--",
        linewidth=1.2,
        label=f"the seed: {seed_share:.0%}",
    )
    ax.set_title("Share of each month's revenue from repeat customers")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    figure.autofmt_xdate()
    return figure


@styled
def cohort_figure(cohorts: pl.DataFrame) -> Figure:
    """Cohort x months since the first purchase, the share active; month 0 (always 100 %)
    is left out so the colours spread over the months that vary."""
    later = cohorts.filter(pl.col("month") > 0)
    names = cohorts.select("cohort", "customers").unique().sort("cohort")
    width = max(later.select(pl.col("month").max()).item() or 1, 1)
    grid = np.full((names.height, width), np.nan)
    row = {cohort: i for i, cohort in enumerate(names["cohort"].to_list())}
    for cohort, month, share in later.select("cohort", "month", "share").iter_rows():
        grid[row[cohort], month - 1] = share
    figure = Figure(figsize=(10, 1.2 + 0.42 * names.height), layout="constrained")
    ax = figure.add_subplot()
    top = float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0
    image = ax.imshow(grid, aspect="auto", cmap="Blues", vmin=0, vmax=max(top, 0.01))
    ax.grid(False)
    ax.set_xticks(range(width), [str(m) for m in range(1, width + 1)])
    ax.set_yticks(
        range(names.height),
        [f"{c:%Y-%m} ({n:,})" for c, n in names.iter_rows()],
    )
    for (i, j), share in np.ndenumerate(grid):
        if np.isfinite(share):
            ink = "white" if share > top * 0.6 else "#1f2328"
            ax.text(j, i, f"{share:.0%}", ha="center", va="center", fontsize=9, color=ink)
    ax.set_xlabel("months since the first purchase")
    ax.set_ylabel("cohort: month of first purchase (customers)")
    ax.set_title("Cohort retention: share of each cohort buying again k months later")
    figure.colorbar(image, ax=ax, format=PercentFormatter(1.0), shrink=0.8)
    return figure


@styled
def segment_figure(segments: pl.DataFrame) -> Figure:
    """Customers per RFM segment, with each segment's share of revenue written beside it."""
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    ax = figure.add_subplot()
    names = [name.replace("_", " ") for name in segments["segment"].to_list()][::-1]
    counts = segments["customers"].to_list()[::-1]
    revenue = segments["monetary_share"].to_list()[::-1]
    ax.barh(names, counts, color=policy_colour(0))
    for y, (count, share) in enumerate(zip(counts, revenue, strict=True)):
        ax.text(count, y, f"  {count:,} · {share:.0%} of revenue", va="center", fontsize=9)
    ax.set_xlim(0, max(max(counts), 1) * 1.35)
    ax.set_xlabel("customers")
    ax.set_title("RFM segments")
    ax.grid(axis="y", visible=False)
    return figure


@styled
def member_figure(economics: pl.DataFrame, uplift: Any) -> Figure:
    """Orders per 30 days: members and non-members as they are, and where measured, members
    after joining against what they would have bought without (the matched comparison)."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    ax = figure.add_subplot()
    labels = [str(state) for state in economics["state"].to_list()]
    values = [float(v) for v in economics["orders_per_30_days"].to_list()]
    colours = [policy_colour(0) if s == "member" else ACTUAL_COLOUR for s in labels]
    if uplift is not None:
        months = uplift.by_month
        labels += ["members after joining", "…without joining (matched)"]
        values += [float(months["orders"].mean()), float(months["counterfactual_orders"].mean())]
        colours += [policy_colour(1), ACTUAL_COLOUR]
    ax.bar(labels, values, color=colours)
    for x, value in enumerate(values):
        ax.text(x, value, f"{value:.2f}", ha="center", va="bottom")
    ax.set_ylabel("orders per customer per 30 days")
    ax.set_title("Purchase frequency: members and non-members")
    return figure
