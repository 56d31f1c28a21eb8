"""The promise engine alone: inputs in, options out, every number worked out by hand.

The world: a fulfilment centre (FC) and a drone base (BASE) at São Paulo's centre; the
customer due north of them. One degree of latitude is 111.195 km on baro's earth
(6371.0088 km × π / 180), so NORTH_10KM is 10.000 km away.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from baro.core.money import Money
from baro.delivery.promise import (
    Mode,
    Origin,
    PromiseChain,
    PromisedCounts,
    PromiseRequest,
    Quote,
    Site,
)
from baro.network import FacilityKind

LAT, LNG = -23.5505, -46.6333
KM = 1 / 111.19508  # degrees of latitude per kilometre
FC = Origin("fac_fc", FacilityKind.FULFILLMENT_CENTER, LAT, LNG)
BASE = Origin("fac_base", FacilityKind.DRONE_BASE, LAT, LNG)
SELLER = Origin("fac_seller", FacilityKind.SELLER_WAREHOUSE, LAT, LNG)
MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def ask(
    *origins: Origin,
    km: float = 10.0,
    grams: int = 500,
    now: datetime = MORNING,
    lockers: tuple[Site, ...] = (),
    car: bool = False,
) -> PromiseRequest:
    return PromiseRequest(
        origins, LAT + km * KM, LNG, grams, "BRL", now, lockers=lockers, has_vehicle=car
    )


def windows(
    request: PromiseRequest, chain: PromiseChain | None = None
) -> dict[str, tuple[datetime, datetime, int]]:
    quote = (chain or PromiseChain()).quote(request)
    return {o.code: (o.window_start, o.window_end, o.fee.minor) for o in quote.options}


def test_each_mode_from_a_fulfilment_centre_ten_km_away_at_nine() -> None:
    """Ready at 11:00 (09:00 + 2 h processing).
    same-day: 30 min + 10 km × 1.4 / 30 km/h (28 min) = 11:58, window of 2 h, fee 12.99.
    two-day:  12 h + 10 × 1.3 / 60 h (13 min) = 23:13 -> the 26th's window, 08:00-21:00.
    standard: 24 h + 10 × 1.3 / 50 h (15.6 min) = the 26th 11:15:36, after 08:00 -> the
              27th 08:00 to the 29th 21:00.
    in-car:   the two-day lanes, 23:13 -> the 26th 09:00-17:00.
    locker:   the bank 9 km from the FC: 23:11 -> the 26th 08:00-21:00.
    No drone: the FC is no drone base."""
    bank = Site("fac_locker", LAT + 9 * KM, LNG)
    got = windows(ask(FC, lockers=(bank,), car=True))
    assert got == {
        "same_day": (t(25, 11, 58), t(25, 13, 58), 1299),
        "two_day": (t(26, 8), t(26, 21), 0),
        "standard": (t(27, 8), t(29, 21), 0),
        "in_car": (t(26, 9), t(26, 17), 0),
        "locker": (t(26, 8), t(26, 21), 0),
    }


def test_options_come_fastest_first() -> None:
    quote = PromiseChain().quote(ask(FC, BASE, car=True))
    assert [o.code for o in quote.options] == ["drone", "same_day", "in_car", "two_day", "standard"]
    assert quote.fastest is not None and quote.fastest.fee == Money(999, "BRL")


def test_a_drone_flies_ten_km_in_twelve_and_a_half_minutes() -> None:
    """Ready 09:10 (10 min at the base); 5 min take-off, landing and drop + 10 km at
    80 km/h (7.5 min) = 09:22:30, promised from 09:23 for 15 min; fee 9.99."""
    option = PromiseChain().quote(ask(BASE)).get(Mode.DRONE)
    assert option is not None
    assert (option.window_start, option.window_end) == (t(25, 9, 23), t(25, 9, 38))
    assert option.fee == Money(999, "BRL") and option.facility_id == "fac_base"


def test_a_parcel_over_2_3_kg_with_its_packaging_does_not_fly() -> None:
    """2,100 g of goods + 200 g of packaging = 2,300 g flies; 2,101 g does not."""
    assert PromiseChain().quote(ask(BASE, grams=2100)).get(Mode.DRONE) is not None
    quote = PromiseChain().quote(ask(BASE, grams=2101))
    assert quote.get(Mode.DRONE) is None
    (why,) = [r for r in quote.refused if r.mode is Mode.DRONE]
    assert why.code == "too_heavy" and "2301 g" in why.reason


def test_a_drone_flies_16_km_and_no_further() -> None:
    assert PromiseChain().quote(ask(BASE, km=15.9)).get(Mode.DRONE) is not None
    quote = PromiseChain().quote(ask(BASE, km=16.1))
    assert quote.get(Mode.DRONE) is None
    assert {r.mode: r.code for r in quote.refused}[Mode.DRONE] == "out_of_range"


def test_after_the_cut_off_the_parcel_leaves_the_next_day() -> None:
    """At 21:00, past the FC's 20:00 cut-off: work starts at 06:00 on the 26th, ready
    08:00; two-day 20:13 -> the 27th. Same-day closed at 13:00. The drone base's 20:30
    cut-off passed too: 07:00 + 10 min + 12.5 min -> 07:23 on the 26th."""
    late = t(25, 21)
    quote = PromiseChain().quote(ask(FC, BASE, now=late))
    assert quote.get(Mode.SAME_DAY) is None
    assert {r.mode: r.code for r in quote.refused}[Mode.SAME_DAY] == "cutoff_passed"
    two_day = quote.get(Mode.TWO_DAY)
    assert two_day is not None and (two_day.window_start, two_day.window_end) == (
        t(27, 8),
        t(27, 21),
    )
    drone = quote.get(Mode.DRONE)
    assert drone is not None and drone.window_start == t(26, 7, 23)


def test_before_opening_work_starts_at_opening() -> None:
    """At 03:00 the FC opens at 06:00: ready 08:00, same-day 08:58-10:58."""
    option = PromiseChain().quote(ask(FC, now=t(25, 3))).get(Mode.SAME_DAY)
    assert option is not None and option.window_start == t(25, 8, 58)


def test_same_day_only_in_the_big_city_radius_and_from_a_van_origin() -> None:
    assert PromiseChain().quote(ask(FC, km=29)).get(Mode.SAME_DAY) is not None
    far = PromiseChain().quote(ask(FC, km=31))
    assert {r.mode: r.code for r in far.refused}[Mode.SAME_DAY] == "out_of_range"
    seller = PromiseChain().quote(ask(SELLER))
    assert {r.mode: r.code for r in seller.refused}[Mode.SAME_DAY] == "no_van_origin"


def test_two_day_is_not_offered_where_the_road_takes_longer() -> None:
    """Ready the 25th 11:00. 1,500 km: 12 h + 1,500 × 1.3 km at 60 km/h (32.5 h) = the
    27th 07:30, before its 08:00 window: two days. 3,000 km: 12 h + 65 h = the 28th
    16:00 -> the 29th, four days after it shipped: standard only."""
    assert PromiseChain().quote(ask(FC, km=1500)).get(Mode.TWO_DAY) is not None
    quote = PromiseChain().quote(ask(FC, km=3000))
    assert quote.get(Mode.TWO_DAY) is None
    assert quote.get(Mode.STANDARD) is not None


def test_an_address_out_of_every_range_gets_no_option() -> None:
    quote = PromiseChain().quote(ask(FC, km=6000))
    assert quote.options == ()
    assert {r.mode: r.code for r in quote.refused}[Mode.STANDARD] == "out_of_range"


def test_a_customer_who_names_no_option_gets_the_fastest_free_one_that_moves_nobody() -> None:
    """In-car (the 26th, 09:00-17:00) and the locker beat two-day here, and same-day beats
    all three, but none is picked unasked: one costs a fee, the others send the customer
    to a locker or have a courier open their car."""
    bank = Site("fac_locker", LAT + 9 * KM, LNG)
    quote = PromiseChain().quote(ask(FC, lockers=(bank,), car=True))
    assert [o.code for o in quote.options][:2] == ["same_day", "in_car"]
    assert quote.unasked is not None and quote.unasked.code == "two_day"
    locker = quote.get(Mode.LOCKER)
    assert locker is not None and Quote(options=(locker,)).unasked is None


def test_locker_and_in_car_need_a_bank_near_and_a_car() -> None:
    quote = PromiseChain().quote(ask(FC, lockers=(Site("far", LAT + 20 * KM, LNG),)))
    refused = {r.mode: r.code for r in quote.refused}
    assert refused[Mode.LOCKER] == "no_locker" and refused[Mode.IN_CAR] == "no_vehicle"


def test_a_full_drone_base_stops_promising_drones() -> None:
    """200 sorties already promised at the base today: the drone option is gone; the
    other modes are not."""
    promised = [("fac_base", "drone", date(2026, 11, 25), 200)]
    counts = PromisedCounts(lambda _since: promised)
    counts.refresh(MORNING)
    quote = PromiseChain(capacity=counts).quote(ask(BASE))
    assert quote.get(Mode.DRONE) is None
    assert {r.mode: r.code for r in quote.refused}[Mode.DRONE] == "capacity_full"
    assert quote.get(Mode.TWO_DAY) is not None


def test_capacity_counts_what_this_process_promised_and_rereads_on_its_timer() -> None:
    """The timer is wall time (a ticker in seconds), not the clock the promise is made at:
    the twin's simulated hours do not make every batch read."""
    reads: list[datetime] = []
    wall = [100.0]

    def reader(since: datetime) -> list[tuple[str, str, date, int]]:
        reads.append(since)
        return [("fac_base", "drone", date(2026, 11, 25), 1)]

    counts = PromisedCounts(reader, {Mode.DRONE: 2}, ticker=lambda: wall[0])
    counts.refresh(MORNING)
    assert counts.has_room("fac_base", Mode.DRONE, date(2026, 11, 25))
    counts.promised("fac_base", Mode.DRONE, date(2026, 11, 25))
    assert not counts.has_room("fac_base", Mode.DRONE, date(2026, 11, 25))
    wall[0] = 159.0
    counts.refresh(t(26, 9))  # a simulated day later, 59 s of wall time: no read
    assert len(reads) == 1
    wall[0] = 160.0
    counts.refresh(t(25, 9, 1))
    assert len(reads) == 2 and reads[1] == t(25, 0)  # from the start of the clock's day
    assert counts.has_room("fac_base", Mode.DRONE, date(2026, 11, 25))  # the store says 1


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PromiseRequest((FC,), LAT, LNG, 100, "BRL", datetime(2026, 11, 25, 9))
