"""Prime in the twin: members join through the platform, get free fast delivery from the
order path, buy ``uplift`` times as often, and the run without Prime is the plain replay."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from baro.twin.delivery import RoutedSettings
from baro.twin.engine import TwinRun, run_twin
from baro.twin.prime import PrimeArm, PrimeModel, members_frame
from baro.twin.prime_kpis import arm_economics, member_frequency
from baro.twin.replay import ReplayData
from baro.twin.stocking import Placement
from tests.twin.test_twin import fixed_stages, products

SAO_PAULO = (-23.55, -46.63)
HISTORY_FROM = datetime(2017, 1, 2, tzinfo=UTC)
REPLAY_FROM = datetime(2017, 4, 3, tzinfo=UTC)
REPLAY_DAYS = 90
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


class CentreNearby:
    """A fulfilment centre in São Paulo with plenty of everything: same-day holds there."""

    name = "centre"

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        facilities = pl.DataFrame(
            {
                "key": ["sp"],
                "name": ["Centre SP"],
                "kind": ["fulfillment_center"],
                "lat": [SAO_PAULO[0]],
                "lng": [SAO_PAULO[1]],
                "state": ["SP"],
            }
        )
        stock = pl.DataFrame({"key": ["sp"] * 4, "product_id": [f"p{n}" for n in range(4)]})
        return Placement(facilities, stock.with_columns(units=pl.lit(100_000)))


def steady_shop(customers: int = 40, every_days: float = 6.0) -> tuple[ReplayData, ReplayData]:
    """Customers a few km from the centre, each buying at random (Poisson, one order every
    ``every_days`` on average) at 10:00 from January; (history, replay) split in April."""
    rng = np.random.default_rng(11)
    rows, lines = [], []
    end = REPLAY_FROM + timedelta(days=REPLAY_DAYS)
    for c in range(customers):
        at = HISTORY_FROM + timedelta(days=float(rng.exponential(every_days)))
        while at < end:
            order_id = f"o{len(rows):05d}"
            day = at.replace(hour=10, minute=0, second=0, microsecond=0)
            rows.append((order_id, f"c{c:03d}", day))
            lines.append((order_id, f"p{len(rows) % 4}", "s0", 1, 2_000))
            at += timedelta(days=float(rng.exponential(every_days)))
    orders = pl.DataFrame(rows, schema=["order_id", "customer_key", "purchased_at"], orient="row")
    orders = orders.with_columns(
        approved_at="purchased_at",
        carrier_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
        delivered_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
        estimated_at=pl.lit(None, dtype=pl.Datetime("us", "UTC")),
        status=pl.lit("delivered"),
    ).sort("purchased_at", "order_id")
    line_frame = pl.DataFrame(
        lines,
        schema=["order_id", "product_id", "seller_id", "quantity", "price_minor"],
        orient="row",
    ).with_columns(pl.col("quantity").cast(pl.Int32))
    people = pl.DataFrame(
        {
            "customer_key": [f"c{c:03d}" for c in range(customers)],
            "lat": [SAO_PAULO[0] + 0.01 * (c % 5) for c in range(customers)],
            "lng": [SAO_PAULO[1]] * customers,
            "state": ["SP"] * customers,
        }
    )
    sellers = pl.DataFrame({"seller_id": ["s0"], "lat": [SAO_PAULO[0]], "lng": [SAO_PAULO[1]],
                            "state": ["SP"]})  # fmt: skip
    everything = ReplayData("steady", "BRL", orders, line_frame, people, sellers, products())
    return everything.between(None, REPLAY_FROM.date()), everything.between(
        REPLAY_FROM.date(), None
    )


def fresh_db(template: Path, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def replay(
    url: str, model: PrimeModel | None, seed: int = 7, customers: int = 40
) -> tuple[TwinRun, PrimeArm | None, ReplayData]:
    history, test = steady_shop(customers)
    arm = PrimeArm(model, test, history, seed=seed) if model else None
    run = run_twin(
        test,
        CentreNearby(),
        fixed_stages(4, 20),
        database_url=url,
        seed=seed,
        history=history,
        behaviour=arm,
    )
    return run, arm, test


def figures(run: TwinRun, test: ReplayData, model: PrimeModel) -> dict[str, object]:
    costs = RoutedSettings().costs
    return arm_economics(run, model, costs, currency="BRL", period=test.period).figures


def test_nobody_joining_and_no_uplift_leave_the_replay_as_it_was(
    migrated_template: Path, tmp_path: Path
) -> None:
    """Given a model where nobody joins and members would buy no more, when the replay
    runs with it and without it, then every figure of the two runs is the same."""
    idle = PrimeModel(uplift=1.0, join_base=0, join_per_recent_order=0, join_per_fee_share=0)
    plain, _, test = replay(fresh_db(migrated_template, tmp_path, "plain"), None)
    with_arm, arm, _ = replay(fresh_db(migrated_template, tmp_path, "arm"), idle)

    assert arm is not None and arm.members == []
    assert figures(plain, test, idle) == figures(with_arm, test, idle)
    assert plain.order_keys.height == with_arm.order_keys.height > 500


def test_members_get_free_same_day_and_buy_about_uplift_times_as_often(
    migrated_template: Path, tmp_path: Path
) -> None:
    """Given customers who buy steadily, a high joining hazard and members who ask for
    same-day, when the replay runs with Prime, then members' same-day fees are absorbed,
    the platform charged fees on renewal, and members bought ~2.5x their pre-join rate."""
    model = PrimeModel(join_base=0.3, fast_share=1.0, trial_conversion=1.0, renewal=1.0)
    run, arm, test = replay(fresh_db(migrated_template, tmp_path, "prime"), model)
    assert arm is not None

    result = figures(run, test, model)
    assert len(arm.members) >= 20
    assert result["shipping_absorbed"] > 0 and result["member_orders_with_benefit"] > 0
    assert result["added_orders"] > 0 and result["renewals"] > 0
    # The yearly fee (R$119.00) charged at each trial's end, through the sandbox gateway.
    assert result["membership_fees_charged"] == 119.0 * result["renewals"]
    frequency = member_frequency(run, members_frame(arm.members), test.period[1])
    assert frequency["ratio"] == pytest.approx(2.5, rel=0.2)


def test_the_same_seed_gives_the_same_prime_run(migrated_template: Path, tmp_path: Path) -> None:
    """Given the same seed twice (and another seed), the figures repeat exactly (and move)."""
    model = PrimeModel(join_base=0.2, fast_share=1.0)
    shop = fresh_db(migrated_template, tmp_path, "a"), fresh_db(migrated_template, tmp_path, "b")
    # A smaller shop than the other tests': three replays, and repeating is what is checked.
    first, _, test = replay(shop[0], model, seed=3, customers=12)
    second, _, _ = replay(shop[1], model, seed=3, customers=12)
    other, _, _ = replay(fresh_db(migrated_template, tmp_path, "c"), model, seed=4, customers=12)

    assert figures(first, test, model) == figures(second, test, model)
    assert figures(first, test, model) != figures(other, test, model)


def test_a_model_that_makes_members_buy_less_is_refused() -> None:
    with pytest.raises(ValueError, match="uplift"):
        PrimeModel(uplift=0.5)
    with pytest.raises(ValueError, match="renewal"):
        PrimeModel(renewal=1.5)


def test_a_month_of_online_retail_with_and_without_prime(tmp_path: Path) -> None:
    """The real data: both arms in metrics.json and the report's section."""
    if not (SHARED_DATA / "online_retail").exists():
        pytest.skip(f"needs the Online Retail data set in {SHARED_DATA} (see SOURCES.md)")
    from baro.twin.simulate import SimulationRequest, simulate

    result = simulate(
        SimulationRequest(
            dataset="online_retail",
            data_dir=SHARED_DATA,
            out_dir=tmp_path,
            start=datetime(2011, 3, 1).date(),
            end=datetime(2011, 3, 15).date(),
            prime=PrimeModel(),
        )
    )
    prime = result.metrics["prime"]
    assert prime["with"]["joined"] > 0
    assert prime["with"]["orders"] > prime["without"]["orders"]
    assert "With and without Prime" in result.report.read_text()
