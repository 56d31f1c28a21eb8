"""``baro bench forecast``: Online Retail read as demand, the split derived from the data, the
whole command on a small data directory of the same layout, and on the real one when present."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from baro.bench.forecast import default_test_from, retail_demand
from baro.cli.bench import app
from baro.datasets import load_online_retail, resolve_data_dir
from baro.intelligence.forecast import ForecastSettings, forecast_demand

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def write_retail(folder: Path, lines: list[str]) -> Path:
    path = folder / "online_retail" / "online_retail.csv.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode(), mtime=0))
    return folder


def test_retail_lines_become_demand_returns_and_nothing_else(tmp_path: Path) -> None:
    """An order counts on its UK day (23:30 in London's summer is the same day, read back from
    UTC); a cancellation is a return, not negative demand; postage and a stock correction
    (negative, not a C invoice) are no one's demand."""
    folder = write_retail(
        tmp_path,
        [
            "536365,85123A,HEART HOLDER,6,2011-07-01 23:30:00,2.55,17850.0,United Kingdom",
            "536366,85123A,HEART HOLDER,2,2011-07-01 09:00:00,2.55,17850.0,United Kingdom",
            "C536367,85123A,HEART HOLDER,-3,2011-07-02 10:00:00,2.55,17850.0,United Kingdom",
            "536368,POST,POSTAGE,1,2011-07-01 10:00:00,18.00,12583.0,France",
            "536369,22139,DAMAGED,-12,2011-07-01 10:00:00,0.00,,United Kingdom",
        ],
    )

    demand, returns = retail_demand(load_online_retail(folder))

    assert demand.rows() == [("85123A", "851", "United Kingdom", date(2011, 7, 1), 8.0)]
    assert returns.rows() == [("85123A", "851", "United Kingdom", date(2011, 7, 2), 3.0)]


def test_the_test_weeks_are_the_datas_last_eight() -> None:
    days = pl.DataFrame({"day": [date(2011, 1, 3), date(2011, 9, 30)]})

    assert default_test_from(days) == date(2011, 8, 6)


def small_retail(folder: Path, days: int = 84) -> Path:
    """Three products in two countries for ``days`` days from 2011-03-01: a daily seller, a
    weekday seller, one that sells every fifth day in France; one cancellation."""
    lines = []
    for i in range(days):
        day = datetime(2011, 3, 1, 10) + timedelta(days=i)
        stamp = day.strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{540000 + i},85123A,HOLDER,{5 + i % 3},{stamp},2.55,1.0,United Kingdom")
        if day.weekday() < 5:
            lines.append(
                f"{550000 + i},85099B,JUMBO BAG,{10 + day.weekday()},{stamp},1.95,2.0,EIRE"
            )
        if i % 5 == 0:
            lines.append(f"{560000 + i},22423,CAKESTAND,2,{stamp},12.75,3.0,France")
    lines.append("C570000,85123A,HOLDER,-2,2011-04-02 11:00:00,2.55,1.0,United Kingdom")
    return write_retail(folder, lines)


def test_the_command_writes_every_method_and_level_on_another_data_directory(
    tmp_path: Path,
) -> None:
    """The bench reads everything from the data: 84 days from 2011-03-01 end on 2011-05-23,
    so the test is the eight weeks from 2011-03-29 and training the 28 days before."""
    # The one default test that runs AutoETS: numba compiles it on first use (about 10 s on
    # two cores, cached after), on three products so the fit itself is instant.
    folder = small_retail(tmp_path / "data")
    json_path = tmp_path / "forecast.json"

    answer = CliRunner().invoke(
        app, ["forecast", "--data-dir", str(folder), "--json", str(json_path)]
    )

    assert answer.exit_code == 0, answer.output
    result = json.loads(json_path.read_text())
    assert (result["train_from"], result["train_to"]) == ("2011-03-01", "2011-03-28")
    assert (result["test_from"], result["test_to"]) == ("2011-03-29", "2011-05-23")
    assert result["horizon_days"] == 56
    assert set(result["levels"]) == {"total", "region", "category", "region_category", "item"}
    for scores in result["levels"].values():
        assert set(scores) == {"baro", "seasonal_naive", "auto_ets"}
        assert all(s["wape"] is not None and s["wape"] >= 0 for s in scores.values())
    assert result["overall"] == result["levels"]["item"]
    assert set(result["interval_coverage"]["item"]) == {"80", "95"}


def test_a_test_period_before_any_data_is_a_message(tmp_path: Path) -> None:
    folder = small_retail(tmp_path / "data")

    answer = CliRunner().invoke(
        app, ["forecast", "--data-dir", str(folder), "--retail-test-from", "2011-03-01"]
    )

    assert answer.exit_code == 1
    assert "no demand before the cut-off 2011-03-01" in answer.output
    assert "Traceback" not in answer.output


@pytest.mark.data
def test_online_retail_trains_on_nothing_from_its_last_eight_weeks() -> None:
    """On the real data set: the default split, the demand rules, and a week's forecast for
    one country (fast: the whole bench, with AutoETS on every series, is ``baro bench
    forecast``, minutes long, and stays out of the test run)."""
    folder = resolve_data_dir()
    if not (folder / "online_retail" / "online_retail.csv.gz").is_file():
        pytest.skip("../shared/data/online_retail not found: set BARO_DATA_DIR to run it")
    demand, returns = retail_demand(load_online_retail(folder))
    test_from = default_test_from(demand)

    assert test_from == demand["day"].max() - timedelta(days=55)
    assert demand["units"].min() > 0
    assert demand["product_id"].str.contains(r"^\d{5}").all()
    assert returns["returns"].min() > 0

    ireland = demand.filter(pl.col("region") == "EIRE")
    forecast = forecast_demand(
        ireland, cutoff=test_from, settings=ForecastSettings(horizon=7, trees=100)
    )
    assert forecast["period"].min() == test_from
    total = forecast.filter(level="total")["mean"].sum()
    items = forecast.filter(level="item")["mean"].sum()
    assert total == pytest.approx(items, rel=1e-6)
    assert 0 < total < ireland["units"].sum()
