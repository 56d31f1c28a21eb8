"""``baro simulate`` end to end on the real Olist sample (skips without ../shared/data)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import typer

from baro.cli import app
from baro.twin.policies import POLICIES
from baro.twin.replay import REPLAYS
from baro.twin.simulate import SimulationRequest, UnknownChoice, simulate

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def needs_olist() -> None:
    if not (SHARED_DATA / "olist" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")


@pytest.mark.data
def test_two_weeks_of_olist_side_by_side(tmp_path: Path) -> None:
    needs_olist()
    request = SimulationRequest(
        dataset="olist",
        data_dir=SHARED_DATA,
        out_dir=tmp_path,
        policies=("baseline", "oracle"),
        start=date(2017, 6, 1),
        end=date(2017, 6, 15),
    )

    result = simulate(request)

    metrics = json.loads(result.metrics_path.read_text())
    assert metrics["calibration"]["in_sample"] is False  # calibrated on orders before June
    baseline, oracle = metrics["policies"]["baseline"], metrics["policies"]["oracle"]
    assert baseline["orders"] == oracle["orders"] == metrics["orders_in_period"] > 200
    assert oracle["transport_km_per_order"] < baseline["transport_km_per_order"]
    # The oracle's centres hold what their regions buy (the budget allowing): it ships from
    # the customer's region far more often than the sellers did.
    assert oracle["local_fill_rate"] > 0.8 > baseline["local_fill_rate"]
    # Region by region, every replayed parcel in its customer's region, once.
    regions = oracle["local_fill_by_region"]
    assert len(regions) == 5 and sum(r["parcels"] for r in regions) >= oracle["orders"]
    assert [w["week"] for w in metrics["actual_weekly_units"]] == [
        "2017-05-29",
        "2017-06-05",
        "2017-06-12",
    ]
    assert oracle["transfers_daily"] == [] == baseline["transfers_daily"]
    capacity = metrics["calibration"]["capacity"]
    assert capacity["handover_headroom"] > 1 and capacity["delivery_headroom"] > 1
    over_time = metrics["click_to_door_over_time"]
    assert set(over_time) == {"actual", "baseline", "oracle"}
    for series in over_time.values():  # 1 to 14 June 2017: the weeks from 29 May, 5 and 12 June
        assert [w["week"] for w in series["weekly"]] == ["2017-05-29", "2017-06-05", "2017-06-12"]
        assert sum(d["delivered"] for d in series["daily"]) > 200
        assert all(w["p50_h"] <= w["p90_h"] for w in series["weekly"])
    html = result.report.read_text()
    assert "baseline" in html and "oracle" in html and "https://" not in html
    assert "Click-to-door over time" in html


@pytest.mark.data
def test_the_case_study_replays_its_delivered_orders_only() -> None:
    """Its other orders are every problem order of the full set: over-weighted, left out."""
    if not (SHARED_DATA / "olist_casestudy" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    replay = REPLAYS["olist_casestudy"](SHARED_DATA)

    assert replay.orders.height > 3_000 and set(replay.orders["status"]) == {"delivered"}
    assert replay.orders["purchased_at"].dt.year().unique().sort().to_list() == [2016, 2017, 2018]
    assert replay.lines.join(replay.sellers, on="seller_id", how="anti").height == 0
    assert replay.orders.join(replay.customers, on="customer_key", how="anti").height == 0


def test_unknown_dataset_or_policy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownChoice, match="unknown dataset"):
        SimulationRequest(dataset="amazon", data_dir=tmp_path, out_dir=tmp_path)
    with pytest.raises(UnknownChoice, match="unknown policy"):
        SimulationRequest(dataset="olist", data_dir=tmp_path, out_dir=tmp_path, policies=("x",))
    with pytest.raises(ValueError, match="before"):
        SimulationRequest(
            dataset="olist",
            data_dir=tmp_path,
            out_dir=tmp_path,
            start=date(2017, 2, 1),
            end=date(2017, 1, 1),
        )


def test_the_command_explains_missing_data_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "baro",
            "simulate",
            "--data-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "not found" in result.stderr and "BARO_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_help_names_only_policies_that_exist(tmp_path: Path) -> None:
    """--policy and --compare list the twin's policies; each one listed is accepted."""
    command = typer.main.get_command(app).commands["simulate"]  # type: ignore[attr-defined]
    helps = {param.name: param.help or "" for param in command.params}

    for option in ("policy", "compare"):
        listed = helps[option].rpartition(":")[2].strip().split(",")
        assert sorted(listed) == sorted(POLICIES), helps[option]
        request = SimulationRequest(
            dataset="olist", data_dir=tmp_path, out_dir=tmp_path, policies=tuple(listed)
        )
        assert request.policies == tuple(listed)


@pytest.mark.data
def test_a_week_of_online_retail_places_its_invoices_and_replays_its_returns(
    tmp_path: Path,
) -> None:
    """The shop sells in pounds: without a GBP fee table the promise refused every order."""
    if not (SHARED_DATA / "online_retail" / "online_retail.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    request = SimulationRequest(
        dataset="online_retail",
        data_dir=SHARED_DATA,
        out_dir=tmp_path,
        start=date(2011, 3, 1),
        end=date(2011, 3, 8),
    )

    metrics = simulate(request).metrics

    baseline = metrics["policies"]["baseline"]
    assert baseline["orders"] >= 0.95 * metrics["orders_in_period"] > 200
    assert baseline["returns"]["returned"] > 0
