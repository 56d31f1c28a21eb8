"""The twin's HTML report: one offline page, every policy's KPIs, escaped text, figures inline."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import h3
import numpy as np
import polars as pl

from baro.twin import kpis
from baro.twin.report import PolicyRun, render_report

SAO_PAULO = (-23.55, -46.63)
FACILITIES = pl.DataFrame(
    {
        "name": ["Cajamar FC", "Rio DC"],
        "lat": [-23.33, -22.80],
        "lng": [-46.88, -43.30],
        "kind": ["fulfillment_center", "distribution_center"],
    }
)


def metrics(**overrides: Any) -> dict[str, Any]:
    return {
        "orders": 1234,
        "delivered": 1200,
        "click_to_door_p50_h": 196.24,
        "click_to_door_p90_h": 480.0,
        "on_time_rate": 0.123,
        "local_fill_rate_nearest": 0.5,
        "local_fill_rate_same_state": 0.75,
        "split_shipment_rate": 0.1,
        "transport_km_per_order": 612.4,
        "cost_per_order": 19.6,
        "currency": "BRL",
        "repeat_customer_revenue_share": 0.0571,
        "orders_per_customer_per_month": 0.0521,
        "actual_click_to_door_p50_h": 194.3,
        **overrides,
    }


def hours(median: float, seed: int) -> pl.DataFrame:
    values = np.random.default_rng(seed).lognormal(np.log(median), 0.5, 300)
    return pl.DataFrame({"hours": values})


def run(name: str, median_hours: float, **overrides: Any) -> PolicyRun:
    days = [date(2017, 1, 1) + timedelta(days=d) for d in range(30)]
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(*SAO_PAULO, 5), 2))
    return PolicyRun(
        name=name,
        metrics=metrics(**overrides),
        click_to_door_hours=hours(median_hours, seed=len(name)),
        daily_orders=pl.DataFrame(
            {"day": days, "orders": [40 + d % 7 for d in range(30)]},
            schema={"day": pl.Date, "orders": pl.Int64},
        ),
        demand=pl.DataFrame({"h3_cell": cells, "orders": [3 * i + 1 for i in range(len(cells))]}),
        facilities=FACILITIES,
    )


def empty_run(name: str) -> PolicyRun:
    return PolicyRun(
        name=name,
        metrics={"orders": 0, "delivered": 0, "click_to_door_p50_h": None},
        click_to_door_hours=pl.DataFrame(schema={"hours": pl.Float64}),
        daily_orders=pl.DataFrame(schema={"day": pl.Date, "orders": pl.Int64}),
        demand=pl.DataFrame(schema={"h3_cell": pl.String, "orders": pl.Int64}),
        facilities=FACILITIES.clear(),
    )


def inline_images(html: str) -> int:
    return len(re.findall(r'<img src="data:image/png;base64,', html))


def test_two_policies_and_the_actual_data_make_one_offline_page(tmp_path: Path) -> None:
    """Every KPI is formatted with its unit, side by side, and nothing is fetched from a URL."""
    runs = [
        run("baseline", 200.0, extra_metric=7),
        run("anticipate", 60.0, on_time_rate=0.987, cost_per_order=12.345),
    ]

    path = render_report(
        runs,
        tmp_path / "out",
        title="Olist replay",
        actual_click_to_door_hours=hours(200.0, seed=1),
        notes=["Seed 42; cost model: 6.00 per parcel + 0.02 per km."],
    )

    html = path.read_text(encoding="utf-8")
    assert path == tmp_path / "out" / "report.html"
    assert "http://" not in html and "https://" not in html
    assert "baseline" in html and "anticipate" in html
    assert "Seed 42; cost model" in html
    for shown in ("1,234", "196.2 h", "194.3 h", "12.3 %", "98.7 %", "50.0 %", "5.7 %"):
        assert shown in html
    assert "612.4 km" in html and "19.60 BRL" in html and "12.35 BRL" in html
    assert "0.0521" in html
    # The better of two values is marked; the unknown key lands in the "other" table.
    assert '<td class="best">98.7 %</td>' in html
    assert html.index("Other metrics") < html.index("extra_metric")
    # Daily orders (one line: same orders), click-to-door, one shared map, KPI bars.
    assert inline_images(html) == 4


def test_each_run_gets_its_own_map_when_facilities_differ(tmp_path: Path) -> None:
    """A run that delivered nothing is named, and the others still get every figure."""
    more = run("more sites", 60.0)
    extra = pl.DataFrame({"name": ["BH hub"], "lat": [-19.87], "lng": [-43.97], "kind": ["hub"]})
    runs = [
        run("baseline", 200.0),
        replace(more, facilities=pl.concat([FACILITIES, extra])),
        empty_run("idle"),
    ]

    html = render_report(runs, tmp_path, title="Sites").read_text(encoding="utf-8")

    assert "Demand and facilities: baseline" in html
    assert "Demand and facilities: more sites" in html
    assert "idle: no delivery data" in html
    # Daily orders, click-to-door, a map for each run with anything on it, KPI bars.
    assert inline_images(html) == 5


def test_text_from_the_caller_is_escaped(tmp_path: Path) -> None:
    """A policy named like a tag shows as text and never becomes markup."""
    runs = [empty_run("<script>alert(1)</script>"), empty_run("b&q")]

    path = render_report(runs, tmp_path, title="<b>bold</b>", notes=["<i>x</i>"])

    html = path.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html
    assert "b&amp;q" in html


def test_a_run_without_deliveries_renders_and_says_so(tmp_path: Path) -> None:
    path = render_report([empty_run("idle")], tmp_path, title="Nothing")

    html = path.read_text(encoding="utf-8")
    assert "idle: no delivery data" in html
    assert "No delivery data: there is no click-to-door distribution" in html
    assert inline_images(html) == 0
    assert "<td>0</td>" in html  # orders and delivered are still shown


def over_time(median_hours: float, weeks: int = 6) -> kpis.ClickToDoorOverTime:
    start = datetime(2017, 1, 2, 12, tzinfo=UTC)  # a Monday
    bought = [start + timedelta(days=d) for d in range(7 * weeks) for _ in range(5)]
    values = np.random.default_rng(3).lognormal(np.log(median_hours), 0.3, len(bought))
    return kpis.click_to_door_over_time(pl.Series(bought), pl.Series(values))


def test_click_to_door_over_time_is_drawn_for_each_run_beside_the_actual_data(
    tmp_path: Path,
) -> None:
    """One more figure: each run's median click-to-door by purchase date, and the data's."""
    runs = [
        replace(run("baseline", 200.0), over_time=over_time(200.0)),
        replace(run("oracle", 150.0), over_time=over_time(150.0)),
    ]

    html = render_report(
        runs, tmp_path, title="Over time", actual_over_time=over_time(240.0)
    ).read_text(encoding="utf-8")

    assert "Click-to-door over time" in html
    # Daily orders, click-to-door, over time, one shared map, KPI bars.
    assert inline_images(html) == 5


def test_no_over_time_figure_without_the_runs_series(tmp_path: Path) -> None:
    html = render_report(
        [run("baseline", 200.0)], tmp_path, title="Plain", actual_over_time=over_time(240.0)
    ).read_text(encoding="utf-8")
    assert "Click-to-door over time" not in html


def test_click_to_door_by_day_and_week_counts_and_takes_medians() -> None:
    """Days and Monday-started weeks of purchase, in UTC; p50 and p90 interpolate linearly."""
    monday = datetime(2017, 1, 2, 23, 30, tzinfo=UTC)
    bought = pl.Series([monday, monday, monday + timedelta(hours=1), monday + timedelta(days=7)])
    hours = pl.Series([10.0, 30.0, 50.0, 70.0])

    series = kpis.click_to_door_over_time(bought, hours)

    assert series.daily.rows() == [
        (date(2017, 1, 2), 2, 20.0),
        (date(2017, 1, 3), 1, 50.0),
        (date(2017, 1, 9), 1, 70.0),
    ]
    assert series.weekly.rows() == [
        (date(2017, 1, 2), 3, 30.0, 46.0),
        (date(2017, 1, 9), 1, 70.0, 70.0),
    ]
    assert series.to_json()["weekly"][0] == {
        "week": "2017-01-02",
        "delivered": 3,
        "p50_h": 30.0,
        "p90_h": 46.0,
    }
