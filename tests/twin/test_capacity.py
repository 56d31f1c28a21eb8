"""The stages' daily capacity: calibrated on the orders before the replay, it holds orders
back when demand outruns it, so a surge lengthens click-to-door."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from baro.twin import kpis
from baro.twin.capacity import (
    BACKGROUND_DAYS,
    WINDOW_DAYS,
    Capacity,
    DailyQueue,
    IntakeLevel,
    calibrate_capacity,
    daily_counts,
)
from baro.twin.engine import run_twin
from baro.twin.policies import SellerShipsBaseline
from baro.twin.replay import ReplayData, olist_replay
from baro.twin.stages import StageModels, stage_durations, stage_models_for
from tests.twin.test_twin import CITIES, SHARED_DATA, products

DAY = date(2017, 3, 1)


def steady_intake(per_day: int, days: int = WINDOW_DAYS, until: date = DAY) -> dict[date, int]:
    return {until - timedelta(days=k): per_day for k in range(1, days + 1)}


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_orders_beyond_a_days_capacity_roll_over_in_the_order_they_became_ready() -> None:
    """10 orders a day before, headroom 0.2: two a day; five ready at once take three days."""
    queue = DailyQueue(IntakeLevel(steady_intake(10), WINDOW_DAYS), headroom=0.2)

    waits = [queue.hold(at(DAY, hour)) for hour in (9, 10, 11, 12, 13)]

    assert [w.days for w in waits] == [0, 0, 1, 1, 2]
    assert all(w.seconds == 0 for w in waits)  # held whole days: same time of day
    assert (queue.held, queue.held_days) == (3, 4)


def test_an_order_ready_on_a_later_day_does_not_overtake_the_backlog() -> None:
    queue = DailyQueue(IntakeLevel(steady_intake(10), WINDOW_DAYS), headroom=0.1)
    first = [queue.hold(at(DAY, 9)) for _ in range(3)]  # one a day: days 0, 1, 2

    later = queue.hold(at(DAY + timedelta(days=1), 8))

    assert [w.days for w in first] == [0, 1, 2] and later.days == 2  # served on day 3


def test_a_day_serves_at_least_one_order_when_its_level_is_known() -> None:
    queue = DailyQueue(IntakeLevel(steady_intake(1), WINDOW_DAYS), headroom=0.01)
    assert [queue.hold(at(DAY, 9)).days for _ in range(3)] == [0, 1, 2]


def test_no_limit_where_too_few_days_of_the_window_had_orders() -> None:
    """Six days of history (the start of a data set): the level is unknown, nobody waits."""
    queue = DailyQueue(IntakeLevel(steady_intake(10, days=6), WINDOW_DAYS), headroom=0.1)
    assert {queue.hold(at(DAY, 9)).days for _ in range(50)} == {0}


def test_days_after_the_last_purchase_keep_the_capacity_of_the_day_after_it() -> None:
    level = IntakeLevel(steady_intake(10), WINDOW_DAYS)
    assert level.before(DAY) == 10.0
    assert level.before(DAY + timedelta(days=60)) == 10.0


def test_a_gap_in_the_data_does_not_count_as_days_without_demand() -> None:
    intake = steady_intake(10, days=10) | steady_intake(10, days=5, until=DAY - timedelta(days=25))
    assert IntakeLevel(intake, WINDOW_DAYS).before(DAY) == 10.0


def test_a_two_week_surge_lifts_a_quarters_level_by_15_percent_a_months_by_half() -> None:
    """A calm quarter at 10 a day, then 14 days at 20: the quarter's level reads
    (77 × 10 + 14 × 20) / 91; a 28-day level would read (14 × 10 + 14 × 20) / 28 = 15."""
    intake = steady_intake(10, days=91) | steady_intake(20, days=14, until=DAY + timedelta(days=14))

    assert IntakeLevel(intake, WINDOW_DAYS).before(DAY + timedelta(days=14)) == pytest.approx(
        1050 / 91
    )
    assert IntakeLevel(intake, 28).before(DAY + timedelta(days=14)) == 15.0


def test_a_surge_after_a_calm_quarter_waits_longer_than_a_28_day_level_let_it() -> None:
    """Headroom 1.3, 10 a day for a quarter, then 14 days at 20, each ready the day it is
    placed. On the quarter's level the surge's days serve 13 to 15 (some 200 in all): about
    80 are left, served at 15 a day after it (the level it ends on), so its last order waits
    6 days. A 28-day level climbs to 15 (capacity 19.5; 231 served): 49 left, served at 20
    a day, the last waits 3 days."""
    surge = steady_intake(20, days=14, until=DAY + timedelta(days=14))
    intake = steady_intake(10, days=91) | surge

    def last_wait(window_days: int) -> int:
        queue = DailyQueue(IntakeLevel(intake, window_days), headroom=1.3)
        waits = [queue.hold(at(day, 12)) for day in sorted(surge) for _ in range(20)]
        return waits[-1].days

    assert (last_wait(WINDOW_DAYS), last_wait(28)) == (6, 3)


def test_orders_around_the_replay_share_its_capacity() -> None:
    """Orders placed before the replay (those that reached a carrier) and, after its last
    day, orders at the intake level keep the stages busy; none falls inside the replay."""
    before = [at(DAY - timedelta(days=d), 12) for d in range(1, 11)]
    capacity = Capacity(
        handover_headroom=1.2,
        delivery_headroom=1.2,
        shipped_share=1.0,
        intake_before=steady_intake(10),
        recent_purchases=before,
        stage_hours=np.array([[24.0, 48.0]]),
    )
    replay = pl.Series([at(DAY + timedelta(days=d), 9) for d in range(3) for _ in range(10)])

    queues = capacity.queues(replay, np.random.default_rng(0))

    placed = [order.purchased_at for order in queues.background]
    assert sorted(placed)[:10] == before[::-1]
    after = [t for t in placed if t >= at(DAY + timedelta(days=3), 0)]
    assert len(after) == 10 * BACKGROUND_DAYS  # the level: 10 a day
    assert len(placed) == 10 + len(after)
    assert {(o.fulfilment, o.delivery) for o in queues.background} == {
        (timedelta(hours=24), timedelta(hours=48))
    }


def steady_orders(
    first: date, days: int, per_day: int, *, swing: int = 0, surge: tuple[int, int] = (0, 0)
) -> pl.DataFrame:
    """per_day orders a day, ± swing from day to day (three times that on days surge[0] to
    surge[1] - 1), each handed over 20, 24 or 28 h after the click and delivered 40, 48 or
    56 h after that."""
    rows = []
    for d in range(days):
        count = (per_day + swing * (d % 3 - 1)) * (3 if surge[0] <= d < surge[1] else 1)
        for n in range(count):
            purchased = at(first + timedelta(days=d), 8) + timedelta(minutes=97 * n)
            carrier = purchased + timedelta(hours=20 + 4 * (n % 3))
            rows.append(
                {
                    "order_id": f"o{d:03d}-{n:02d}",
                    "customer_key": f"c{n % 3}",
                    "purchased_at": purchased,
                    "approved_at": purchased,
                    "carrier_at": carrier,
                    "delivered_at": carrier + timedelta(hours=40 + 8 * (n * 7 % 3)),
                    "estimated_at": purchased + timedelta(days=10),
                    "status": "delivered",
                }
            )
    return pl.DataFrame(rows)


def test_headroom_is_the_weekly_throughput_over_the_intake_level() -> None:
    """A steady network hands over and delivers what it takes in: headroom 1."""
    orders = steady_orders(DAY, 120, 6)

    capacity = calibrate_capacity(orders, before=at(DAY + timedelta(days=120), 0))

    assert capacity is not None
    assert capacity.handover_headroom == pytest.approx(1.0)
    assert capacity.delivery_headroom == pytest.approx(1.0)
    assert sum(capacity.intake_before.values()) == 720


def growing_orders(days: int, per_day: float, monthly_growth: float) -> pl.DataFrame:
    """Orders growing by ``monthly_growth`` a month from ``per_day`` a day, each handed
    over a day after the click and delivered two days after that."""
    rows = []
    for d in range(days):
        count = round(per_day * (1 + monthly_growth) ** (d / 30))
        for n in range(count):
            purchased = at(DAY + timedelta(days=d), 8) + timedelta(minutes=(840 // count) * n)
            rows.append(
                {
                    "order_id": f"o{d:03d}-{n:02d}",
                    "purchased_at": purchased,
                    "carrier_at": purchased + timedelta(hours=24),
                    "delivered_at": purchased + timedelta(hours=72),
                }
            )
    return pl.DataFrame(rows)


def test_growth_as_steady_as_in_calibration_builds_no_backlog() -> None:
    """20 % a month for 240 days to calibrate on, then 60 more: a day's intake outgrows its
    quarter's mean by the same factor all along, which the headroom has seen; nobody waits."""
    orders = growing_orders(300, 10, 0.2)
    capacity = calibrate_capacity(orders, before=at(DAY + timedelta(days=240), 0))
    assert capacity is not None
    queue = DailyQueue(
        IntakeLevel(daily_counts(orders["purchased_at"]), WINDOW_DAYS), capacity.handover_headroom
    )

    waits = [queue.hold(ready) for ready in orders["carrier_at"]]

    assert len(waits) > 8_000 and queue.held == 0


def test_calibration_reads_nothing_from_the_replay_period() -> None:
    """Tripling the replay period's orders changes neither headroom nor the history."""
    cut = at(DAY + timedelta(days=100), 0)
    calm = steady_orders(DAY, 130, 6)
    busy = steady_orders(DAY, 130, 6, surge=(100, 130))

    first, second = calibrate_capacity(calm, before=cut), calibrate_capacity(busy, before=cut)
    assert first is not None and second is not None
    assert first == second and (first.stage_hours == second.stage_hours).all()


def test_too_little_history_gives_no_capacity_limit() -> None:
    orders = steady_orders(DAY, 40, 6)
    assert calibrate_capacity(orders, before=at(DAY + timedelta(days=40), 0)) is None


def surge_world() -> tuple[ReplayData, datetime]:
    """90 calm days at 4, 6 or 8 orders a day (540 delivered) to calibrate on, then four
    weeks replayed with the third at three times the volume."""
    history, replayed = 90, 28
    orders = steady_orders(DAY, history + replayed, 6, swing=2, surge=(history + 14, history + 21))
    ids = orders["order_id"]
    lines = pl.DataFrame(
        {
            "order_id": ids,
            "product_id": [f"p{n % 4}" for n in range(len(ids))],
            "seller_id": [f"s{n % 3}" for n in range(len(ids))],
            "quantity": [1] * len(ids),
            "price_minor": [1000] * len(ids),
        },
        schema_overrides={"quantity": pl.Int32},
    )
    states = list(CITIES)
    sellers = pl.DataFrame(
        {
            "seller_id": ["s0", "s1", "s2"],
            "lat": [CITIES[s][0] for s in states],
            "lng": [CITIES[s][1] for s in states],
            "state": states,
        }
    )
    customers = sellers.select(
        customer_key=pl.col("seller_id").str.replace("s", "c"), lat="lat", lng="lng", state="state"
    )
    everything = ReplayData("surge", "BRL", orders, lines, customers, sellers, products())
    return everything, at(DAY + timedelta(days=history), 0)


def click_to_door_by_week(everything: ReplayData, start: datetime, stages: StageModels, url: str):
    replay = everything.between(start.date(), None)
    run = run_twin(replay, SellerShipsBaseline(), stages, database_url=url, seed=3)
    orders, _ = kpis.order_frames(run.events)
    week = ((pl.col("placed_at") - start).dt.total_days() // 7).alias("week")
    frame = orders.drop_nulls("delivered_at").with_columns(
        week, hours=(pl.col("delivered_at") - pl.col("placed_at")).dt.total_hours()
    )
    medians = frame.group_by("week").agg(pl.col("hours").median()).sort("week")
    return dict(medians.iter_rows()), run


def test_a_surge_week_takes_longer_than_without_capacity_limits(
    tmp_path: Path, migrated_template: Path
) -> None:
    """Calibrated on calm weeks, the twin holds the surge week's orders back, and lets the
    calm week before it through untouched."""
    import shutil

    everything, start = surge_world()
    durations = stage_durations(
        everything.orders, everything.lines, everything.customers, everything.sellers
    )
    loaded = stage_models_for(durations, everything.orders, before=start)
    assert loaded.capacity is not None and loaded.in_sample is False
    unlimited = StageModels(loaded.fulfilment, loaded.delivery, loaded.calibrated_on, False)

    def fresh(name: str) -> str:
        shutil.copy(migrated_template, tmp_path / name)
        return f"sqlite:///{tmp_path / name}"

    with_capacity, run = click_to_door_by_week(everything, start, loaded, fresh("a.db"))
    without, _ = click_to_door_by_week(everything, start, unlimited, fresh("b.db"))

    assert with_capacity[1] == without[1]  # the calm week before the surge
    assert with_capacity[2] >= without[2] + 24  # the surge week: a day or more later
    assert run.capacity_holds is not None and run.capacity_holds["handover"]["orders_held"] > 0


def tripled(replay: ReplayData, first: date, last: date) -> ReplayData:
    """``replay`` with each order placed from ``first`` to ``last`` placed twice more, 7 and
    14 minutes later, by the same customer, for the same lines."""
    week = replay.orders.filter(pl.col("purchased_at").dt.date().is_between(first, last))
    orders, lines = [replay.orders], [replay.lines]
    for copy in (1, 2):
        orders.append(
            week.with_columns(
                order_id=pl.col("order_id") + f"-copy{copy}",
                purchased_at=pl.col("purchased_at") + timedelta(minutes=7 * copy),
            )
        )
        lines.append(
            replay.lines.join(week.select("order_id"), on="order_id", how="semi").with_columns(
                order_id=pl.col("order_id") + f"-copy{copy}"
            )
        )
    return replace(
        replay,
        orders=pl.concat(orders).sort("purchased_at", "order_id"),
        lines=pl.concat(lines),
    )


@pytest.mark.data
def test_tripling_a_week_of_real_olist_orders_slows_that_week(
    tmp_path: Path, migrated_template: Path
) -> None:
    """Calibrated on Olist's orders before October 2017, the twin replays three October weeks,
    the middle one with every order placed three times: that week's click-to-door grows by
    more than a tenth over the same run without capacity limits; the week before, barely."""
    import shutil

    if not (SHARED_DATA / "olist" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    everything = olist_replay(SHARED_DATA)
    start = at(date(2017, 10, 9), 0)
    durations = stage_durations(
        everything.orders, everything.lines, everything.customers, everything.sellers
    )
    loaded = stage_models_for(durations, everything.orders, before=start)
    assert loaded.capacity is not None and loaded.in_sample is False
    replay = tripled(
        everything.between(date(2017, 10, 9), date(2017, 10, 30)),
        date(2017, 10, 16),
        date(2017, 10, 22),
    )

    def weekly(stages: StageModels, name: str) -> dict[int, float]:
        shutil.copy(migrated_template, tmp_path / name)
        run = run_twin(
            replay,
            SellerShipsBaseline(),
            stages,
            database_url=f"sqlite:///{tmp_path / name}",
            seed=7,
        )
        orders, _ = kpis.order_frames(run.events)
        week = ((pl.col("placed_at") - start).dt.total_days() // 7).alias("week")
        hours = (pl.col("delivered_at") - pl.col("placed_at")).dt.total_hours()
        medians = orders.drop_nulls("delivered_at").group_by(week).agg(hours.median())
        return dict(medians.iter_rows())

    with_capacity = weekly(loaded, "a.db")
    without = weekly(replace(loaded, capacity=None), "b.db")

    assert with_capacity[1] > 1.1 * without[1]  # the tripled week
    assert with_capacity[0] < 1.05 * without[0]  # the calm week before it
