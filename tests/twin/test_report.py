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

from baro.core.events import StoredEvent
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


CENTRES = pl.DataFrame(
    {
        "key": ["centre-0", "centre-1", "centre-2"],
        "lat": [-23.5, -22.9, -3.7],
        "lng": [-46.6, -43.2, -38.5],
    }
)


def by_region(*rows: tuple[str, int, float | None]) -> list[dict[str, Any]]:
    """local_fill_by_region's rows for CENTRES: (key, parcels, rate)."""
    where = {key: (lat, lng) for key, lat, lng in CENTRES.iter_rows()}
    return [
        {
            "region": key,
            "lat": where[key][0],
            "lng": where[key][1],
            "parcels": n,
            "local_fill_rate": rate,
        }
        for key, n, rate in rows
    ]


def stocking_run(name: str, median_hours: float, **overrides: Any) -> PolicyRun:
    """A run of a policy that stocks the centres, measured region by region."""
    measured = {
        "local_fill_rate": 0.6,
        "local_fill_rate_same_state": 0.4,
        "local_fill_by_region": by_region(
            ("centre-0", 6, 0.5), ("centre-1", 3, 1.0), ("centre-2", 0, None)
        ),
        "placement_notes": [],
    }
    return run(name, median_hours, **(measured | overrides))


FORECAST = [
    {"week": "2017-01-02", "mean": 150.0, "lo_80": 120.0, "hi_80": 180.0},
    {"week": "2017-01-09", "mean": 160.0, "lo_80": 110.0, "hi_80": 200.0},
]
ACTUAL_WEEKLY = pl.DataFrame(
    {"week": [date(2017, 1, 2), date(2017, 1, 9)], "units": [90, 170], "days": [4, 7]}
)


def test_five_policies_get_the_regional_map_their_transfers_and_the_forecast(
    tmp_path: Path,
) -> None:
    """The stocking policies' report: one page, the placement's figures and notes in a table
    of their own (not dumped as raw lists), a map panel each, transfers for the policy that
    moved stock and one line for each that did not, the forecast against what was sold."""
    runs = [
        stocking_run("baseline", 240.0),
        stocking_run("central", 230.0, budget_units=500, centre_units=500, transfer_units=0),
        stocking_run("proportional", 220.0, budget_units=500, centre_units=500, transfer_units=0),
        stocking_run(
            "anticipate",
            210.0,
            budget_units=500,
            centre_units=480,
            transfer_units=510,
            replan_units=30,
            expected_local_fill=0.57,
            forecast_units=1608.0,
            forecast_weekly=FORECAST,
            transfers_daily=[
                {"day": "2017-01-09", "dispatched": 30, "arrived": 0},
                {"day": "2017-01-12", "dispatched": 0, "arrived": 30},
            ],
            placement_notes=["anticipate: <3 products without history"],
        ),
        stocking_run("oracle", 150.0, budget_units=500, centre_units=500, transfer_units=0),
    ]

    html = render_report(
        runs,
        tmp_path,
        title="Stock policies",
        actual_click_to_door_hours=hours(240.0, seed=1),
        actual_weekly_units=ACTUAL_WEEKLY,
    ).read_text(encoding="utf-8")

    assert "http://" not in html and "https://" not in html
    for title in (
        "Click-to-door time",
        "Local fill by region",
        "Transfers",
        "The forecast against",
    ):
        assert f'alt="{title}' in html
    for policy in ("baseline", "central", "proportional", "oracle"):
        assert f"{policy}: no transfers (no stock moved between facilities)." in html
    assert "anticipate: no transfers" not in html
    assert "the first week may start before the test" in html
    # The placement's figures, formatted by their names, and the note, escaped.
    assert "Stock placement" in html and "Inventory budget" in html
    assert "57.0 %" in html and "1,608" in html and "60.0 %" in html
    assert "anticipate: &lt;3 products without history" in html
    for raw in ("forecast_weekly", "local_fill_by_region", "transfers_daily", "placement_notes"):
        assert raw not in html
    # Daily orders, click-to-door (a panel each), the regional map, transfers, forecast, one
    # shared demand map, KPI bars.
    assert inline_images(html) == 7


def test_no_transfers_anywhere_leaves_one_line_per_policy_and_no_plot(tmp_path: Path) -> None:
    runs = [stocking_run("baseline", 240.0), stocking_run("central", 230.0, transfer_units=0)]

    html = render_report(runs, tmp_path, title="Still").read_text(encoding="utf-8")

    assert "baseline: no transfers" in html and "central: no transfers" in html
    assert 'alt="Transfers"' not in html
    # No forecast: no forecast figure, even with what was sold.
    assert "The forecast against" not in html


def test_local_fill_by_region_adds_up_to_the_overall_rate() -> None:
    """Each parcel counts in its customer's region: the regions' parcels are the overall
    rate's, their local fills weigh up to it, and a region no one bought in shows empty."""
    orders = pl.DataFrame(
        {"order_id": ["o1", "o2", "o3", "o4"], "customer_id": ["sp", "sp", "rj", "rj2"]}
    )
    parcels = pl.DataFrame(
        {
            "order_id": ["o1", "o2", "o2", "o3", "o4"],
            "facility_id": ["fc-sp", "fc-sp", "seller-rj", "seller-rj", "fc-sp"],
            "quantity": [1, 1, 2, 1, 1],
        }
    )
    facilities = pl.DataFrame(
        {
            "facility_id": ["fc-sp", "seller-rj"],
            "lat": [-23.4, -22.8],
            "lng": [-46.7, -43.3],
            "state": ["SP", "RJ"],
        }
    )
    customers = pl.DataFrame(
        {
            "customer_id": ["sp", "rj", "rj2"],
            "lat": [-23.6, -22.9, -22.95],
            "lng": [-46.5, -43.1, -43.2],
            "state": ["SP", "RJ", "RJ"],
        }
    )

    overall = kpis.regional_fill(orders, parcels, facilities, customers, CENTRES)
    rows = kpis.local_fill_by_region(orders, parcels, facilities, customers, CENTRES)

    assert rows == by_region(
        ("centre-0", 3, round(2 / 3, 4)), ("centre-1", 2, 0.5), ("centre-2", 0, None)
    )
    assert sum(r["parcels"] for r in rows) == parcels.height
    local = sum(r["parcels"] * (r["local_fill_rate"] or 0) for r in rows)
    assert overall["local_fill_rate"] == round(local / parcels.height, 4) == 0.6
    assert kpis.local_fill_by_region(orders, parcels, facilities, customers, CENTRES.clear()) == []


def test_units_by_week_and_transfers_by_day() -> None:
    """Units bought by the week from Monday, each week with the days the orders span in it;
    transfers' units by the day they left and the day they landed, other events ignored."""
    bought = [datetime(2017, 1, 1, 22, tzinfo=UTC), datetime(2017, 1, 3, tzinfo=UTC)]
    bought.append(datetime(2017, 1, 10, 1, tzinfo=UTC))
    orders = pl.DataFrame({"order_id": ["a", "b", "c"], "purchased_at": bought})
    lines = pl.DataFrame({"order_id": ["a", "b", "b", "c"], "quantity": [1, 2, 3, 4]})

    weekly = kpis.units_by_week(orders, lines)

    assert weekly.rows() == [
        (date(2016, 12, 26), 1, 1),
        (date(2017, 1, 2), 5, 7),
        (date(2017, 1, 9), 4, 2),
    ]
    assert kpis.json_rows(weekly)[0] == {"week": "2016-12-26", "units": 1, "days": 1}

    def event(seq: int, kind: str, at: datetime, quantity: int) -> StoredEvent:
        return StoredEvent(seq, f"e{seq}", kind, "t1", at, {"quantity": quantity})

    monday = datetime(2017, 1, 2, 9, tzinfo=UTC)
    events = [
        event(1, "transfer.dispatched", monday, 5),
        event(2, "transfer.dispatched", monday + timedelta(hours=3), 2),
        event(3, "order.placed", monday, 99),
        event(4, "transfer.arrived", monday + timedelta(days=3), 5),
        event(5, "transfer.cancelled", monday + timedelta(days=3), 2),
    ]

    assert kpis.transfers_by_day(events).rows() == [
        (date(2017, 1, 2), 7, 0),
        (date(2017, 1, 5), 0, 5),
    ]
    assert kpis.transfers_by_day([]).is_empty()
