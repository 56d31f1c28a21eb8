"""Promises over the live network: what the API quotes, and what placement chooses.

``quote`` (the API) reads the free stock and the facilities fresh. ``choose`` (placement,
once per order) reads nothing: it works on what the batch already read (the lines'
weights, the facility the allocation chose) and on a per-process view of the network
(facility kinds, locker banks) and of capacity, which ``prepare`` reads again, before a
batch's transaction, when ``refresh_every`` of wall time has passed (or after ``expire``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from baro.core.db import Database
from baro.delivery.drones import Item as DroneItem
from baro.delivery.promise.capacity import CapacityCheck, Unlimited
from baro.delivery.promise.engine import PromiseChain
from baro.delivery.promise.model import (
    DeliveryOptionUnavailable,
    DroneWorld,
    Mode,
    NoDeliveryOption,
    Option,
    Origin,
    PromiseRequest,
    Quote,
    Site,
    parse_mode,
)
from baro.delivery.promise.timing import PromiseSettings
from baro.network import Facility, FacilityKind, OutOfStock, free_stock, list_facilities


class BoxedItem(Protocol):
    """A line with its product's weight and box (what the drones' check weighs)."""

    @property
    def product_id(self) -> str: ...
    @property
    def weight_g(self) -> int: ...
    @property
    def length_cm(self) -> int: ...
    @property
    def width_cm(self) -> int: ...
    @property
    def height_cm(self) -> int: ...
    @property
    def quantity(self) -> int: ...


@dataclass(frozen=True)
class Item:
    """A line to deliver: a product, how many, and one unit's weight."""

    product_id: str
    quantity: int
    unit_weight_g: int


class Promises:
    def __init__(
        self,
        db: Database,
        *,
        settings: PromiseSettings | None = None,
        capacity: CapacityCheck | None = None,
        refresh_every: timedelta = timedelta(seconds=60),
        drone_sites: Callable[[], Iterable[str]] | None = None,
        ticker: Callable[[], float] = time.monotonic,
        drones: Callable[[], DroneWorld] | None = None,
        vehicle_owners: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        """Read with the rest of the view: ``drone_sites``, the facilities a drone base
        stands at and flies from now (not grounded); or ``drones``, the drones' whole view
        (bases with their weather, no-fly zones, drop zones), with which the drone rule runs
        baro.delivery.drones' own check; ``vehicle_owners``, the customers with a car
        registered for in-car delivery."""
        self._db = db
        self._drone_sites_reader = drone_sites
        self._drone_sites: frozenset[str] = frozenset()
        self._drones_reader = drones
        self._drones: DroneWorld | None = None
        self._vehicle_owners_reader = vehicle_owners
        self._vehicle_owners: frozenset[str] = frozenset()
        self._capacity = capacity or Unlimited()
        self.chain = PromiseChain(settings=settings or PromiseSettings(), capacity=self._capacity)
        self._every_s = refresh_every.total_seconds()
        self._ticker = ticker
        self._kinds: Mapping[str, FacilityKind] = {}
        self._lockers: tuple[Site, ...] = ()
        self._read_tick: float | None = None
        self._lock = threading.Lock()

    # the network view ------------------------------------------------------------------

    def prepare(self, now: datetime, *, force: bool = False) -> None:
        """Read the facilities and the capacity counts again if they are older than
        ``refresh_every`` (or ``force``). Called outside any transaction."""
        stale = self._read_tick is None
        self._capacity.refresh(now, force=force or stale)
        tick = self._ticker()
        if not (force or stale) and tick - (self._read_tick or 0.0) < self._every_s:
            return
        with self._db.read() as session:
            facilities = [f for f in list_facilities(session) if f.active]
        sites = frozenset(self._drone_sites_reader() if self._drone_sites_reader else ())
        drones = self._drones_reader() if self._drones_reader else None
        if drones is not None:  # every base flies unless check says otherwise (weather)
            sites |= frozenset(drones.bases)
        owners = self._vehicle_owners_reader() if self._vehicle_owners_reader else ()
        with self._lock:
            self._drones, self._vehicle_owners = drones, frozenset(owners)
        self._remember(facilities, sites, tick)

    def refresh(self, now: datetime) -> None:
        """Read everything again now (after facilities change; tests)."""
        self.prepare(now, force=True)

    def expire(self) -> None:
        """Read everything again before the next batch (or quote)."""
        with self._lock:
            self._read_tick = None

    def _remember(
        self, facilities: Sequence[Facility], drone_sites: frozenset[str], tick: float
    ) -> None:
        with self._lock:
            self._drone_sites = drone_sites
            self._kinds = {f.id: f.kind for f in facilities}
            self._lockers = tuple(
                Site(f.id, f.lat, f.lng) for f in facilities if f.kind is FacilityKind.LOCKER
            )
            self._read_tick = tick

    # quotes (API) ----------------------------------------------------------------------

    def quote(
        self,
        items: Sequence[Item],
        *,
        lat: float,
        lng: float,
        currency: str,
        now: datetime,
        has_vehicle: bool = False,
        customer_id: str | None = None,
    ) -> Quote:
        """The options for these items to (lat, lng), from the facilities that hold every
        line's units now. OutOfStock when none does; NoDeliveryOption when none holds."""
        needed: dict[str, int] = {}
        for item in items:
            needed[item.product_id] = needed.get(item.product_id, 0) + item.quantity
        self.prepare(now)  # capacity and drone bases as placement sees them
        with self._lock:
            drone_sites = self._drone_sites
            drones = self._drones if customer_id is not None else None
            drop_zone = drones.drop_zones.get(customer_id) if drones and customer_id else None
            has_vehicle = has_vehicle or customer_id in self._vehicle_owners
        with self._db.read() as session:
            stock = free_stock(session, needed)
            facilities = [f for f in list_facilities(session) if f.active]
        by_id = {f.id: f for f in facilities}
        held: dict[str, dict[str, int]] = {}
        for s in stock:
            held.setdefault(s.facility_id, {})[s.product_id] = s.available
        origins = tuple(
            Origin(f, by_id[f].kind, by_id[f].lat, by_id[f].lng, f in drone_sites)
            for f, units in sorted(held.items())
            if f in by_id and all(units.get(p, 0) >= q for p, q in needed.items())
        )
        if not origins:
            short = next(
                p
                for p, q in needed.items()
                if max((h.get(p, 0) for h in held.values()), default=0) < q
            )
            raise OutOfStock(
                f"no facility holds {needed[short]} of product {short}",
                product_id=short,
                requested=needed[short],
            )
        lockers = tuple(
            Site(f.id, f.lat, f.lng) for f in facilities if f.kind is FacilityKind.LOCKER
        )
        quote = self.chain.quote(
            PromiseRequest(
                origins,
                lat,
                lng,
                sum(i.quantity * i.unit_weight_g for i in items),
                currency,
                now,
                lockers,
                has_vehicle,
                drones,
                drop_zone,
            )
        )
        if not quote.options:
            raise NoDeliveryOption(
                "no delivery option reaches this address: "
                + "; ".join(f"{r.mode.value}: {r.reason}" for r in quote.refused),
                options=[],
                refused=[
                    {"option": r.mode.value, "code": r.code, "reason": r.reason}
                    for r in quote.refused
                ],
            )
        return quote

    # hints (search) --------------------------------------------------------------------

    def earliest_arrivals(
        self,
        *,
        lat: float,
        lng: float,
        facilities: Mapping[str, tuple[float, float]],
        items_weight_g: int,
        currency: str,
        now: datetime,
    ) -> dict[str, datetime]:
        """When a parcel of ``items_weight_g`` from each facility (id: lat, lng) would
        arrive at (lat, lng) at the latest, by the option an order would ship with unasked
        (the fastest without a fee); facilities no option reaches are left out. A hint for
        search, not a promise: nothing is counted against capacity. No I/O but the view
        ``prepare`` reads when it is stale."""
        self.prepare(now)
        with self._lock:
            kinds, sites, lockers = self._kinds, self._drone_sites, self._lockers
        arrivals = {}
        for facility_id, (at_lat, at_lng) in facilities.items():
            kind = kinds.get(facility_id, FacilityKind.FULFILLMENT_CENTER)
            origin = Origin(facility_id, kind, at_lat, at_lng, facility_id in sites)
            request = PromiseRequest((origin,), lat, lng, items_weight_g, currency, now, lockers)
            unasked = self.chain.quote(request).unasked
            if unasked is not None:
                arrivals[facility_id] = unasked.window_end
        return arrivals

    # placement (commerce.orders.DeliveryPromises) --------------------------------------

    def choose(
        self,
        *,
        items_weight_g: int,
        lat: float,
        lng: float,
        facility_id: str,
        facility_lat: float,
        facility_lng: float,
        currency: str,
        now: datetime,
        preferred: str | None = None,
        requested: str | None = None,
        customer_id: str | None = None,
        items: Sequence[BoxedItem] = (),
        locker_id: str | None = None,
    ) -> Option:
        """The option an order ships with: the one ``requested`` (or
        DeliveryOptionUnavailable listing those that hold), else the ``preferred`` one if
        it holds, else the fastest without a fee (the fastest of all only when none is
        free). ``customer_id`` finds their drop zone and car in the view; ``items`` (with
        their boxes) are what the drones' check weighs; ``locker_id``: the bank the
        customer chose. No I/O: the view ``prepare`` read."""
        with self._lock:
            kind = self._kinds.get(facility_id, FacilityKind.FULFILLMENT_CENTER)
            lockers = self._lockers
            flies = facility_id in self._drone_sites
            drones = self._drones
            has_vehicle = customer_id is not None and customer_id in self._vehicle_owners
        drop_zone = drones.drop_zones.get(customer_id) if drones and customer_id else None
        if locker_id is not None:  # the customer chose the bank: the promise is to that one
            lockers = tuple(b for b in lockers if b.facility_id == locker_id)
        origin = Origin(facility_id, kind, facility_lat, facility_lng, flies)
        request = PromiseRequest(
            (origin,),
            lat,
            lng,
            items_weight_g,
            currency,
            now,
            lockers,
            has_vehicle,
            drones,
            drop_zone,
            tuple(
                DroneItem(
                    i.product_id, i.weight_g, i.length_cm, i.width_cm, i.height_cm, i.quantity
                )
                for i in items
            ),
        )
        quote = self.chain.quote(request)
        chosen = _pick(quote, requested, preferred)
        self._capacity.promised(chosen.facility_id, chosen.mode, chosen.window_start.date())
        return chosen


def _pick(quote: Quote, requested: str | None, preferred: str | None) -> Option:
    holding = [o.as_dict() for o in quote.options]
    if requested is not None:
        option = quote.get(parse_mode(requested))
        if option is None:
            why = next((r.reason for r in quote.refused if r.mode.value == requested), "")
            raise DeliveryOptionUnavailable(
                f"{requested} delivery does not hold for this order: {why}",
                option=requested,
                options=holding,
            )
        return option
    if preferred is not None and preferred in {m.value for m in Mode}:
        option = quote.get(Mode(preferred))
        if option is not None:
            return option
    if quote.fastest is None:
        raise NoDeliveryOption(
            "no delivery option reaches this address: "
            + "; ".join(f"{r.mode.value}: {r.reason}" for r in quote.refused),
            options=[],
        )
    # Nobody asked for speed here (no option named, no preference that holds), so nobody
    # pays for it: the fastest option without a fee, and a paid one only when none is free.
    # 1-Click charges the card without a checkout page to look at; a fee the customer never
    # chose would be a surprise on their statement.
    chosen = quote.unasked
    assert chosen is not None
    return chosen
