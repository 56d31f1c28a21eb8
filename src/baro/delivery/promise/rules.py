"""One small rule per mode, behind ``ModeRule``: given a request and one origin, the
option that mode offers from it, or why not. Add a mode by adding a class; the chain
(``engine.PromiseChain``) tries every origin and keeps each mode's fastest option."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from baro.core.errors import DomainError
from baro.core.geo import haversine_km
from baro.core.money import Money
from baro.delivery.drones import Base as DroneBase
from baro.delivery.drones import Item as DroneItem
from baro.delivery.drones import check as drone_check
from baro.delivery.promise.model import Mode, Option, Origin, PromiseRequest, Refusal
from baro.delivery.promise.timing import DeliveryWindow, PromiseSettings
from baro.network import FacilityKind

# Origins a van leaves from the same day (a seller's warehouse hands parcels to the network).
VAN_ORIGINS = frozenset({FacilityKind.FULFILLMENT_CENTER, FacilityKind.STORE})


class ModeRule(Protocol):
    @property
    def mode(self) -> Mode: ...

    def offer(
        self, request: PromiseRequest, origin: Origin, settings: PromiseSettings
    ) -> Option | Refusal: ...


def at(day: date, clock_time: time) -> datetime:
    """That day at that UTC time."""
    return datetime.combine(day, clock_time, tzinfo=UTC)


def ready_at(request: PromiseRequest, origin: Origin, settings: PromiseSettings) -> datetime:
    """When the parcel is packed at ``origin``: work starts now, at opening if it is
    earlier, or at the next day's opening once the cut-off has passed."""
    timing = settings.timing[origin.kind]
    today = request.now.date()
    if request.now < at(today, timing.opens):
        start = at(today, timing.opens)
    elif request.now <= at(today, timing.cutoff):
        start = request.now
    else:
        start = at(today + timedelta(days=1), timing.opens)
    return start + timing.processing


def to_minute(instant: datetime) -> datetime:
    """Up to the next whole minute: a promise names minutes, and never the earlier one
    (below a second, distances in floating point only add noise: it is dropped)."""
    instant = instant.replace(microsecond=0)
    whole = instant.replace(second=0)
    return whole if whole == instant else whole + timedelta(minutes=1)


def first_day(arrival: datetime, window: DeliveryWindow) -> date:
    """The first day whose window opens at or after ``arrival``."""
    day = arrival.date()
    return day if arrival <= at(day, window.start) else day + timedelta(days=1)


def parcel_g(request: PromiseRequest, settings: PromiseSettings) -> int:
    return request.items_weight_g + settings.packaging_g


def _fee(mode: Mode, request: PromiseRequest, settings: PromiseSettings) -> Money:
    return settings.fee(mode, request.currency)


def _km(request: PromiseRequest, origin: Origin) -> float:
    return haversine_km(origin.lat, origin.lng, request.lat, request.lng)


def _ground_arrival(
    mode: Mode, request: PromiseRequest, origin: Origin, settings: PromiseSettings, km: float
) -> datetime:
    return ready_at(request, origin, settings) + settings.transit[mode].duration(km)


@dataclass(frozen=True)
class Standard:
    """Ground through the network; reaches every address within ``standard_max_km``."""

    mode: Mode = Mode.STANDARD

    def offer(
        self, request: PromiseRequest, origin: Origin, s: PromiseSettings
    ) -> Option | Refusal:
        km = _km(request, origin)
        if km > s.standard_max_km:
            return Refusal(
                self.mode,
                "out_of_range",
                f"{km:.0f} km from the nearest stock, over {s.standard_max_km:.0f} km",
            )
        day = first_day(_ground_arrival(self.mode, request, origin, s, km), s.day)
        last = day + timedelta(days=s.standard_days)
        return Option(
            self.mode,
            _fee(self.mode, request, s),
            at(day, s.day.start),
            at(last, s.day.end),
            origin.facility_id,
        )


@dataclass(frozen=True)
class TwoDay:
    """Ground, faster lanes: offered when it arrives at most ``two_day_days`` after shipping."""

    mode: Mode = Mode.TWO_DAY

    def offer(
        self, request: PromiseRequest, origin: Origin, s: PromiseSettings
    ) -> Option | Refusal:
        km = _km(request, origin)
        ready = ready_at(request, origin, s)
        day = first_day(ready + s.transit[self.mode].duration(km), s.day)
        if day > ready.date() + timedelta(days=s.two_day_days):
            return Refusal(
                self.mode, "too_far", f"{km:.0f} km takes longer than {s.two_day_days} days by road"
            )
        return Option(
            self.mode,
            _fee(self.mode, request, s),
            at(day, s.day.start),
            at(day, s.day.end),
            origin.facility_id,
        )


@dataclass(frozen=True)
class SameDay:
    """A van from a fulfilment centre or store in the same big city, ordered before the
    same-day cut-off, delivered in a window of ``same_day_window`` before the day ends."""

    mode: Mode = Mode.SAME_DAY

    def offer(
        self, request: PromiseRequest, origin: Origin, s: PromiseSettings
    ) -> Option | Refusal:
        km = _km(request, origin)
        if origin.kind not in VAN_ORIGINS:
            return Refusal(
                self.mode, "no_van_origin", "the stock is not at a fulfilment centre or store"
            )
        if km > s.same_day_km:
            return Refusal(
                self.mode,
                "out_of_range",
                f"{km:.1f} km from the stock, over the {s.same_day_km:.0f} km of same-day",
            )
        today = request.now.date()
        if request.now > at(today, s.same_day_cutoff):
            return Refusal(
                self.mode,
                "cutoff_passed",
                f"same-day orders close at {s.same_day_cutoff:%H:%M} UTC",
            )
        arrival = to_minute(_ground_arrival(self.mode, request, origin, s, km))
        end = arrival + s.same_day_window
        if end > at(today, s.day.end):
            return Refusal(self.mode, "too_late", f"it would arrive after {s.day.end:%H:%M} UTC")
        return Option(self.mode, _fee(self.mode, request, s), arrival, end, origin.facility_id)


@dataclass(frozen=True)
class Drone:
    """From a drone base holding the stock: the parcel ≤ ``drone_max_g`` with packaging,
    the address ≤ ``drone_km`` in a straight line; flight at the transit speed."""

    mode: Mode = Mode.DRONE

    def offer(
        self, request: PromiseRequest, origin: Origin, s: PromiseSettings
    ) -> Option | Refusal:
        weight = parcel_g(request, s)
        if weight > s.drone_max_g:
            return Refusal(
                self.mode,
                "too_heavy",
                f"the parcel weighs {weight} g with packaging, over the drone's {s.drone_max_g} g",
            )
        if origin.kind is not FacilityKind.DRONE_BASE and not origin.drone_base:
            return Refusal(self.mode, "no_drone_base", "no drone base holds this stock")
        # A sortie is picked and packed on the base's hours, wherever the base stands.
        origin = Origin(origin.facility_id, FacilityKind.DRONE_BASE, origin.lat, origin.lng)
        km = _km(request, origin)
        if km > s.drone_km:
            return Refusal(
                self.mode,
                "out_of_range",
                f"{km:.1f} km from the drone base, over the {s.drone_km:.0f} km a drone flies",
            )
        cleared = _cleared_to_fly(request, origin)
        if cleared is not None:
            return cleared
        ready = ready_at(request, origin, s)
        flight = s.transit[self.mode].duration(km)
        arrival = ready + flight
        if arrival > at(ready.date(), s.drone_last_landing):  # after the last landing: tomorrow
            timing = s.timing[origin.kind]
            arrival = (
                at(ready.date() + timedelta(days=1), timing.opens) + timing.processing + flight
            )
        arrival = to_minute(arrival)
        return Option(
            self.mode,
            _fee(self.mode, request, s),
            arrival,
            arrival + s.drone_window,
            origin.facility_id,
        )


def _cleared_to_fly(request: PromiseRequest, origin: Origin) -> Refusal | None:
    """baro.delivery.drones' own eligibility (payload with its packaging, the bay, the
    customer's drop zone, range from the base, no-fly zones, the base's weather), on the
    view the request carries; None when it flies (or when no view was given)."""
    world = request.drones
    if world is None:
        return None
    base = world.bases.get(origin.facility_id) or DroneBase(
        origin.facility_id, origin.facility_id, origin.lat, origin.lng
    )
    items = request.items or (DroneItem("parcel", request.items_weight_g, 1, 1, 1),)
    try:
        drone_check(items, request.drop_zone, [base], world.no_fly)
    except DomainError as refused:  # drone_no_drop_zone, drone_no_fly_zone, drones_grounded…
        return Refusal(Mode.DRONE, refused.code, refused.message)
    return None


@dataclass(frozen=True)
class Locker:
    """To a locker bank within ``locker_km`` of the address, on the two-day lanes."""

    mode: Mode = Mode.LOCKER

    def offer(
        self, request: PromiseRequest, origin: Origin, s: PromiseSettings
    ) -> Option | Refusal:
        weight = parcel_g(request, s)
        if weight > s.locker_max_g:
            return Refusal(
                self.mode, "too_heavy", f"{weight} g is over a locker's {s.locker_max_g} g"
            )
        near = sorted(
            (haversine_km(request.lat, request.lng, b.lat, b.lng), b.facility_id, b)
            for b in request.lockers
        )
        if not near or near[0][0] > s.locker_km:
            return Refusal(
                self.mode, "no_locker", f"no locker bank within {s.locker_km:.0f} km of the address"
            )
        bank = near[0][2]
        km = haversine_km(origin.lat, origin.lng, bank.lat, bank.lng)
        day = first_day(_ground_arrival(self.mode, request, origin, s, km), s.day)
        return Option(
            self.mode,
            _fee(self.mode, request, s),
            at(day, s.day.start),
            at(day, s.day.end),
            origin.facility_id,
            via=bank.facility_id,
        )


@dataclass(frozen=True)
class InCar:
    """To the customer's parked car (a registered vehicle), on the two-day lanes, in
    working hours."""

    mode: Mode = Mode.IN_CAR

    def offer(
        self, request: PromiseRequest, origin: Origin, s: PromiseSettings
    ) -> Option | Refusal:
        if not request.has_vehicle:
            return Refusal(self.mode, "no_vehicle", "no vehicle registered for in-car delivery")
        km = _km(request, origin)
        day = first_day(_ground_arrival(self.mode, request, origin, s, km), s.in_car_day)
        return Option(
            self.mode,
            _fee(self.mode, request, s),
            at(day, s.in_car_day.start),
            at(day, s.in_car_day.end),
            origin.facility_id,
        )
