"""The data a promise is computed from: facility hours, transit per mode, fees, limits.

All hours are UTC (facilities carry no time zone yet). The defaults, and why:

facility kind        opens  cut-off  processing  (pick and pack after the order is taken)
fulfillment_center   06:00  20:00    2 h
store                08:00  20:00    1 h
seller_warehouse     08:00  14:00    24 h        (the seller ships; baro only forwards)
drone_base           07:00  20:30    10 min      (sorties fly 07:00-21:00)
locker               06:00  20:00    2 h         (never an origin; here for completeness)

An order taken before opening starts at opening; after the cut-off, at the next day's
opening. Ground modes then add a fixed handling time (sorting, loading) and the road
distance (haversine × road factor) at the mode's speed; the parcel is delivered on the
first day whose delivery window opens after it reaches the last mile.

mode       speed   road factor  handling  window                    holds when
standard   50      1.3          24 h      day 08:00 - day+2 21:00
two_day    60      1.3          12 h      day 08:00-21:00           reached in ≤ 2 days
same_day   30      1.4          30 min    arrival + 2 h             ≤ 30 km, before 13:00
drone      80      1.0          5 min     arrival + 15 min          ≤ 16 km, ≤ 2.3 kg, drop zone
locker     60      1.3          12 h      day 08:00-21:00           a bank ≤ 3 km away
in_car     60      1.3          12 h      day 09:00-17:00           a registered car

Fees are Money, one table per currency (a number of minor units means ₩1,299 in KRW and
R$12.99 in BRL: not the same fee). Only same-day and drone cost anything; the rest is free:

currency   same_day     drone
BRL        R$12.99      R$9.99
USD        US$12.99     US$9.99
KRW        ₩15,000      ₩12,000

A currency with no table is refused (``NoFeeTable``), never charged a guessed fee.

Packaging adds 200 g to the goods' weight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta

from baro.core.errors import InvalidRequest
from baro.core.money import Money
from baro.delivery.promise.model import Mode
from baro.network import FacilityKind


class NoFeeTable(InvalidRequest):
    """Delivery fees are set per currency; this one has none (``currencies``: those that do)."""

    code = "no_delivery_fee_table"


@dataclass(frozen=True)
class FacilityTiming:
    opens: time
    cutoff: time
    processing: timedelta

    def __post_init__(self) -> None:
        if not self.opens < self.cutoff:
            raise ValueError(f"a facility opens ({self.opens}) before its cut-off ({self.cutoff})")
        if self.processing < timedelta(0):
            raise ValueError(f"processing takes no negative time, got {self.processing}")


@dataclass(frozen=True)
class Transit:
    """How one mode moves a parcel: speed over the distance, and a fixed handling time."""

    speed_kmh: float
    road_factor: float
    handling: timedelta

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0 or self.road_factor < 1:
            raise ValueError(f"speed must be positive and road factor ≥ 1, got {self}")

    def duration(self, straight_km: float) -> timedelta:
        return self.handling + timedelta(hours=straight_km * self.road_factor / self.speed_kmh)


@dataclass(frozen=True)
class DeliveryWindow:
    """The hours of a delivery day a ground mode promises (UTC)."""

    start: time
    end: time


DEFAULT_TIMING: Mapping[FacilityKind, FacilityTiming] = {
    FacilityKind.FULFILLMENT_CENTER: FacilityTiming(time(6), time(20), timedelta(hours=2)),
    FacilityKind.STORE: FacilityTiming(time(8), time(20), timedelta(hours=1)),
    FacilityKind.SELLER_WAREHOUSE: FacilityTiming(time(8), time(14), timedelta(hours=24)),
    FacilityKind.DRONE_BASE: FacilityTiming(time(7), time(20, 30), timedelta(minutes=10)),
    FacilityKind.LOCKER: FacilityTiming(time(6), time(20), timedelta(hours=2)),
}

DEFAULT_TRANSIT: Mapping[Mode, Transit] = {
    Mode.STANDARD: Transit(50, 1.3, timedelta(hours=24)),
    Mode.TWO_DAY: Transit(60, 1.3, timedelta(hours=12)),
    Mode.SAME_DAY: Transit(30, 1.4, timedelta(minutes=30)),
    Mode.DRONE: Transit(80, 1.0, timedelta(minutes=5)),
    Mode.LOCKER: Transit(60, 1.3, timedelta(hours=12)),
    Mode.IN_CAR: Transit(60, 1.3, timedelta(hours=12)),
}


def fee_table(currency: str, *, same_day: str, drone: str) -> Mapping[Mode, Money]:
    """One currency's fees, in major units (``"12.99"``); every other mode is free."""
    free = {mode: Money.zero(currency) for mode in Mode}
    return {
        **free,
        Mode.SAME_DAY: Money.of(same_day, currency),
        Mode.DRONE: Money.of(drone, currency),
    }


DEFAULT_FEES: Mapping[str, Mapping[Mode, Money]] = {
    "BRL": fee_table("BRL", same_day="12.99", drone="9.99"),
    "USD": fee_table("USD", same_day="12.99", drone="9.99"),
    "KRW": fee_table("KRW", same_day="15000", drone="12000"),
    # The UK retailer the Online Retail replay stands for, and its European customers.
    "GBP": fee_table("GBP", same_day="9.99", drone="7.99"),
    "EUR": fee_table("EUR", same_day="11.99", drone="8.99"),
}


@dataclass(frozen=True)
class PromiseSettings:
    """Every number the rules use; change one here, not in a rule."""

    timing: Mapping[FacilityKind, FacilityTiming] = field(default_factory=lambda: DEFAULT_TIMING)
    transit: Mapping[Mode, Transit] = field(default_factory=lambda: DEFAULT_TRANSIT)
    fees: Mapping[str, Mapping[Mode, Money]] = field(default_factory=lambda: DEFAULT_FEES)
    packaging_g: int = 200
    day: DeliveryWindow = DeliveryWindow(time(8), time(21))
    in_car_day: DeliveryWindow = DeliveryWindow(time(9), time(17))
    standard_days: int = 2  # the standard window spans its first day and this many more
    two_day_days: int = 2  # two-day: delivered at most this many days after it ships
    # Beyond: no facility of ours reaches the address. Brazil is at most ~4,400 km across, so
    # every Brazilian address is in range of any Brazilian facility.
    standard_max_km: float = 5000.0
    same_day_km: float = 30.0  # the big-city radius around an origin
    same_day_cutoff: time = time(13)
    same_day_window: timedelta = timedelta(hours=2)
    drone_km: float = 16.0
    drone_max_g: int = 2300  # with packaging
    drone_window: timedelta = timedelta(minutes=15)
    drone_last_landing: time = time(21)
    locker_km: float = 3.0
    locker_max_g: int = 15000

    def __post_init__(self) -> None:
        for currency, table in self.fees.items():
            if set(table) != set(Mode):
                missing = ", ".join(sorted(m.value for m in set(Mode) - set(table)))
                raise ValueError(f"the {currency} fee table has no fee for {missing}")
            if any(fee.currency != currency or fee.minor < 0 for fee in table.values()):
                raise ValueError(f"the {currency} fee table holds a fee of another currency")

    def fee(self, mode: Mode, currency: str) -> Money:
        """What ``mode`` costs in ``currency``; NoFeeTable when none is set for it."""
        table = self.fees.get(currency)
        if table is None:
            known = sorted(self.fees)
            raise NoFeeTable(
                f"delivery has no fees set in {currency}; it is offered in {', '.join(known)}",
                currency=currency,
                currencies=known,
            )
        return table[mode]
