"""Lost parcels in the twin: the loss rate is calibrated on the orders before --from only,
the simulated customers report their losses through the platform's re-ship path (its trust
policy refusing some), and the re-ships and their cost are figures of the report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from baro.core.events import StoredEvent
from baro.twin import simulate as simulate_module
from baro.twin.losses import GRACE, calibrate_losses, lost_parcels
from baro.twin.replay import ReplayData
from baro.twin.reship_kpis import reship_kpis
from baro.twin.simulate import SimulationRequest, simulate
from tests.twin.test_simulate import needs_olist
from tests.twin.test_twin import SHARED_DATA, products, tiny_places

FROM = date(2017, 3, 1)
START = datetime(2017, 3, 1, tzinfo=UTC)


def history(test_period: str = "delivered") -> ReplayData:
    """January: 20 orders, every other one shipped and never delivered (a 50 % loss rate,
    known by mid-February); March (the test period): 18 orders of three customers, all
    ``test_period`` in the data (so that a rate read from them would be 0 % or 100 %); one
    order in June, when the data set ends."""
    sellers, customers = tiny_places()
    rows = []
    for n in range(20):
        rows.append(_order(f"h{n:02d}", datetime(2017, 1, 2, 9, tzinfo=UTC) + timedelta(hours=n),
                           "shipped" if n % 2 else "delivered", n))  # fmt: skip
    for n in range(18):
        rows.append(_order(f"t{n:02d}", START + timedelta(hours=9 + 3 * n), test_period, n))
    # June, after the period: the data set's end, by which March's fates are known.
    rows.append(_order("later", datetime(2017, 6, 1, 9, tzinfo=UTC), "delivered", 0))
    orders = pl.DataFrame(rows)
    lines = pl.DataFrame(
        {
            "order_id": [r["order_id"] for r in rows],
            "product_id": [f"p{n % 4}" for n in range(len(rows))],
            "seller_id": [f"s{n % 3}" for n in range(len(rows))],
            "quantity": [1 + n % 2 for n in range(len(rows))],
            "price_minor": [1000 + 10 * (n % 4) for n in range(len(rows))],
        },
        schema_overrides={"quantity": pl.Int32},
    )
    return ReplayData("tiny", "BRL", orders, lines, customers, sellers, products())


def _order(order_id: str, bought: datetime, status: str, n: int) -> dict[str, object]:
    delivered = status == "delivered"
    return {
        "order_id": order_id,
        "customer_key": f"c{n % 3}",
        "purchased_at": bought,
        "approved_at": bought,
        "carrier_at": bought + timedelta(hours=24),
        "delivered_at": bought + timedelta(hours=72) if delivered else None,
        "estimated_at": bought + timedelta(days=5),
        "status": status,
    }


@pytest.fixture
def tiny_dataset(monkeypatch: pytest.MonkeyPatch) -> dict[str, ReplayData]:
    """``--dataset tiny``: whatever this dict holds under "tiny"."""
    held = {"tiny": history()}
    monkeypatch.setitem(simulate_module.REPLAYS, "tiny", lambda _data_dir: held["tiny"])
    return held


def test_the_rule_reads_nothing_after_as_of() -> None:
    """An order whose promised date plus the grace is after ``as_of`` is not counted, lost
    or not; a parcel delivered after the grace counts as lost (the customer gave up)."""
    orders = history().orders
    as_of = datetime(2017, 1, 2, 9, tzinfo=UTC) + timedelta(days=5) + GRACE + timedelta(hours=4)

    known = lost_parcels(orders, as_of=as_of)

    assert known["order_id"].to_list() == ["h00", "h01", "h02", "h03", "h04"]
    assert known["lost"].to_list() == [False, True, False, True, False]
    late = orders.with_columns(
        delivered_at=pl.when(pl.col("order_id") == "h00")
        .then(pl.col("estimated_at") + GRACE + timedelta(days=1))
        .otherwise(pl.col("delivered_at"))
    )
    assert lost_parcels(late, as_of=as_of)["lost"][0] is True


def test_calibration_uses_only_the_orders_before_from() -> None:
    """The test period's orders are all lost in one data set and all delivered in the
    other: the rate is the same 50 % (January's), known at --from, in both."""
    kept = calibrate_losses(history("delivered").orders, before=START)
    lost = calibrate_losses(history("shipped").orders, before=START)

    assert kept is not None and lost is not None
    assert kept == lost
    assert (kept.rate, kept.lost, kept.shipped, kept.in_sample) == (0.5, 10, 20, False)
    assert kept.as_of == START
    # Without --from: in-sample, as known at the data set's end (June), March included:
    # the test period's fate was there to leak.
    everything = calibrate_losses(history("shipped").orders, before=None)
    assert everything is not None and everything.in_sample
    assert (everything.lost, everything.shipped) == (10 + 18, 20 + 18)
    # Before any fate was known: nothing to calibrate on, rather than a guess.
    assert calibrate_losses(history().orders, before=datetime(2017, 1, 20, tzinfo=UTC)) is None


def test_the_simulation_calibrates_on_the_training_period_alone(
    tiny_dataset: dict[str, ReplayData], tmp_path: Path
) -> None:
    """The same run on two data sets that differ only after --from: the calibration the
    run reports is the same."""
    reports = []
    for test_period in ("delivered", "shipped"):
        tiny_dataset["tiny"] = history(test_period)
        result = simulate(_request(tmp_path / test_period))
        reports.append(result.metrics["calibration"]["lost_parcels"])

    assert reports[0] == reports[1]
    assert reports[0]["rate"] == 0.5 and reports[0]["as_of"] == START.isoformat()


def test_reships_and_their_cost_are_figures_of_the_report(
    tiny_dataset: dict[str, ReplayData], tmp_path: Path
) -> None:
    result = simulate(_request(tmp_path, delivery="routed"))

    metrics = json.loads(result.metrics_path.read_text())
    runs = metrics["policies"]
    assert set(runs) == {"baseline (sampled)", "baseline (routed)"}
    for run in runs.values():
        figures = run["reship_figures"]
        # Half the parcels lost, three customers: the trust policy (2 in 90 days each)
        # re-ships some and refuses others.
        assert figures["lost_parcels"] == figures["reships"] + sum(figures["refusals"].values())
        assert figures["reships"] > 0 and figures["refused_by_policy"] > 0
        assert figures["reships"] <= 2 * 3  # at most 2 re-ships per customer in 90 days
        assert figures["cost_minor"] == figures["goods_minor"] + figures["delivery_minor"]
        assert figures["goods_minor"] >= 1000 * figures["reships"]  # goods at their price
        assert figures["delivery_minor"] > 0 and figures["currency"] == "BRL"
        assert figures["cost_per_order_minor"] == round(figures["cost_minor"] / run["orders"])
        assert sum(m["lost"] for m in figures["by_mode"].values()) == figures["lost_parcels"]
        assert run["orders"] == 18  # re-ships are not orders of their own
        assert run["reships"] == figures["reships"]
    # The same seed loses the same parcels in both runs.
    sampled, routed = runs["baseline (sampled)"], runs["baseline (routed)"]
    assert sampled["reship_figures"]["lost_parcels"] == routed["reship_figures"]["lost_parcels"]
    html = result.report.read_text()
    assert "Lost parcels and re-ships" in html and "Refused: trust policy" in html
    assert "Re-ship cost per order" in html
    cost = runs["baseline (routed)"]["reship_figures"]["cost_minor"]
    assert f"<td>{cost / 100:,.2f}</td>" in html and "Re-ship cost (BRL)" in html


def test_a_lost_reships_goods_are_those_of_the_order_it_replaced() -> None:
    at = datetime(2017, 3, 1, tzinfo=UTC)

    def event(n: int, kind: str, order: str, **data: object) -> StoredEvent:
        return StoredEvent(n, f"e{n}", kind, order, at, data)

    line = {"product_id": "p", "facility_id": "f", "quantity": 2}
    events = [
        event(1, "order.placed", "a", lines=[{**line, "unit_price_minor": 1_250}]),
        event(2, "parcel.reported_lost", "a", outcome="reshipped", reship_id="b"),
        event(3, "order.placed", "b", reship_of="a", lines=[{**line, "unit_price_minor": 0}]),
        event(4, "parcel.reported_lost", "b", outcome="reshipped", reship_id="c"),
        event(5, "order.placed", "c", reship_of="b", lines=[{**line, "unit_price_minor": 0}]),
        event(6, "parcel.reported_lost", "c", outcome="refused", code="reship_limit_reached"),
    ]
    costs = pl.DataFrame(
        {"order_id": ["a", "b", "c"], "mode": ["van"] * 3, "cost": [9.0, 6.125, 6.135]}
    )
    orders = pl.DataFrame(
        {"order_id": ["a", "b", "c"], "placed_at": [at] * 3, "delivered_at": [None] * 3},
        schema_overrides={"delivered_at": pl.Datetime("us", "UTC")},
    )

    figures = reship_kpis(events, costs, orders, currency="BRL", orders_in_period=10)

    assert figures["lost_parcels"] == 3 and figures["reships"] == 2
    assert figures["refused_by_policy"] == 1
    assert figures["goods_minor"] == 2 * 2_500  # the first order's price, twice given
    assert figures["delivery_minor"] == 612 + 614  # each parcel rounded to the centavo
    assert figures["cost_per_order_minor"] == round((5_000 + 1_226) / 10)
    assert figures["by_mode"] == {
        "van": {"lost": 3, "reshipped": 2, "refused": 1, "cost_minor": 6_226}
    }


@pytest.mark.data
def test_a_month_of_olist_reports_its_lost_parcels(tmp_path: Path) -> None:
    """On the real sample: a rate from the orders before October, as known on 1 October,
    and re-ships in both runs of the month."""
    needs_olist()
    result = simulate(
        SimulationRequest(
            dataset="olist",
            data_dir=SHARED_DATA,
            out_dir=tmp_path,
            start=date(2017, 9, 1),
            end=date(2017, 10, 1),
        )
    )

    calibration = result.metrics["calibration"]["lost_parcels"]
    assert calibration["in_sample"] is False and calibration["as_of"].startswith("2017-09-01")
    assert 0 < calibration["rate"] < 0.1 and calibration["shipped_with_known_fate"] > 1_000
    figures = result.metrics["policies"]["baseline"]["reship_figures"]
    assert figures["lost_parcels"] > 0 and figures["reships"] > 0
    assert figures["cost_minor"] == figures["goods_minor"] + figures["delivery_minor"]


def _request(out: Path, delivery: str = "sampled") -> SimulationRequest:
    return SimulationRequest(
        dataset="tiny",
        data_dir=out,
        out_dir=out,
        start=FROM,
        end=date(2017, 3, 8),
        delivery=delivery,
        seed=7,
    )
