"""The platform's own work, done on a clock with nobody pressing a button.

Each tick (``baro jobs run``, or every ``BARO_JOBS_INTERVAL_SECONDS`` inside ``baro serve``):

1. **Lockers.** Parcels past their collection deadline go back (``locker.uncollected``), and
   every ``locker.uncollected`` that orders have not consumed yet is refunded.
2. **Drones.** Every paid order that ships by drone gets its sortie (FIFO, the drone ready
   soonest, aimed at the promised window); a sortie whose order was cancelled before take-off
   is called off; sorties whose time has come are launched, dropped and returned, and the
   order follows: shipped at take-off, delivered at the drop.
3. **Transfers.** Stock sent between facilities whose arrival time has come lands in its
   destination's on hand (``transfer.arrived``); ``baro anticipate run`` sends it. At a
   facility whose floor the WMS runs (it has bins) each landed transfer becomes an inbound
   to check in (``Fulfillment.receive_landed_transfers``).
4. **Recovery.** Placements and refunds a dead process left halfway are finished
   (``baro orders recover``).
5. **Prime.** Memberships whose renewal is due are charged, once per period; a declined
   renewal is retried on its day, and lapses after the last (``baro prime renew``).
6. **The floor.** The order follows its fulfillment center's steps: picking once it is on a
   pick list (``fulfillment.released``), packed (``fulfillment.packed``), shipped when the
   parcel is handed to delivery (``fulfillment.handed_off``; the spine's ``on_hand`` drops
   then). Orders reach the floor by :func:`release_to_floor`; an order cancelled there has
   its units freed, or sent back to receiving when picked.

Consumers find their work with :func:`baro.core.events.unhandled` (events without a row in
their inbox), not a cursor, so a crash between the work and its inbox row only means the
event is found again; every step is safe to run twice, and on PostgreSQL one process runs a
tick at a time while the others skip it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from prometheus_client import Counter

from baro.commerce.orders import UNCOLLECTED_CONSUMER, Order, OrderStatus
from baro.commerce.prime import RenewalResult
from baro.core.errors import DomainError
from baro.core.events import mark_handled, unhandled
from baro.delivery.drones import Item, Sortie
from baro.fulfillment import PickRequest, Release
from baro.platform import Platform

log = logging.getLogger(__name__)

DRONE_CONSUMER = "drones.dispatch"
FOLLOWER = "orders.follow_drones"
GROUNDER = "drones.cancel"
FLOOR_FOLLOWER = "orders.follow_floor"
FLOOR_CANCELLER = "fulfillment.cancel"
_TICK_LOCK = 0x0BA21  # any constant shared by every process of one database

# Paid and not yet on its way: the sortie can still be assigned.
_FLYABLE = frozenset(
    {OrderStatus.PAID, OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PACKED}
)

# The order's path once paid, and where a sortie's steps take it: the parcel was picked and
# packed at the base before it took off.
_FORWARD = (
    OrderStatus.ALLOCATED,
    OrderStatus.PICKING,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
_ORDER_AFTER = {"drone.launched": OrderStatus.SHIPPED, "drone.dropped": OrderStatus.DELIVERED}
_ORDER_AFTER_FLOOR = {
    "fulfillment.released": OrderStatus.PICKING,
    "fulfillment.packed": OrderStatus.PACKED,
    "fulfillment.handed_off": OrderStatus.SHIPPED,
}

JOB_RESULTS = Counter(
    "baro_jobs_results",
    "What the platform's ticks did, by what (the fields of baro.jobs.Tick)",
    ["what"],
)


_NOT_COUNTS = frozenset({"ran", "waiting"})


@dataclass
class Tick:
    """What one tick did. ``waiting`` names drone orders that could not get a sortie yet
    and why (grounded by weather, no drone): they are tried again next tick."""

    ran: bool = True  # False: another process was running a tick
    lockers_returned: int = 0
    uncollected_refunded: int = 0
    sorties_assigned: int = 0
    sorties_cancelled: int = 0
    drone_steps: int = 0
    orders_delivered_by_drone: int = 0
    transfers_arrived: int = 0
    transfer_inbounds_opened: int = 0
    orders_recovered: int = 0
    prime_renewed: int = 0
    prime_payments_failed: int = 0
    prime_lapsed: int = 0
    orders_moved_by_floor: int = 0
    floor_orders_cancelled: int = 0
    waiting: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Every count of the tick, by name (the waiting orders as a count)."""
        done = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_COUNTS}
        return done | {"drone_orders_waiting": len(self.waiting)}


def drone_items(platform: Platform, wanted: Iterable[tuple[str, int]]) -> list[Item]:
    """What a drone would carry for these (product id, quantity) pairs: each product's
    weight and box."""
    items = []
    for product_id, quantity in wanted:
        product = platform.catalog.get(product_id).product
        d = product.dimensions
        items.append(
            Item(product.id, product.weight_g, d.length_cm, d.width_cm, d.height_cm, quantity)
        )
    return items


def send_by_drone(platform: Platform, order: Order) -> Sortie:
    """Queue the order's sortie. A drone order's parcel lands as its promised window opens
    (not before: until then it is being picked and packed); an order promised by another
    mode that an operator sends by drone flies as soon as a drone is free. A repeat gives
    the same sortie."""
    items = drone_items(platform, ((line.product_id, line.quantity) for line in order.lines))
    by_drone = order.delivery is not None and order.delivery.option == "drone"
    promised = order.delivery.window_start if order.delivery and by_drone else None
    return platform.drones.dispatch(order.id, order.customer_id, items, drop_from=promised)


def release_to_floor(platform: Platform, order_ids: Iterable[str]) -> list[Release]:
    """Send orders to their fulfillment centers' pick lists (a wave, or one order at a time
    for continuous release): each order's lines at the facility its stock was allocated
    from. An order not allocated (not paid yet, cancelled) is not sent; one whose units
    are not all in bins waits, and its ``Release`` says why; one split over facilities is
    not sent."""
    requests = []
    for order_id in order_ids:
        order = platform.order_book.get(order_id)
        if order.status is not OrderStatus.ALLOCATED:
            continue
        by_facility: dict[str, dict[str, int]] = {}
        for line in order.lines:
            units = by_facility.setdefault(line.facility_id, {})
            units[line.product_id] = units.get(line.product_id, 0) + line.quantity
        if len(by_facility) > 1:
            # The floor packs a whole order into one parcel; an order split over facilities
            # (only when no one facility could fill it) is not the floor's to pick.
            log.warning(
                "order %s ships from %d facilities: not released", order.id, len(by_facility)
            )
            continue
        [(facility_id, units)] = by_facility.items()
        requests.append(PickRequest(order.id, facility_id, tuple(sorted(units.items()))))
    return platform.fulfillment.release(requests)


def steps_to(current: OrderStatus, target: OrderStatus) -> tuple[OrderStatus, ...]:
    """The statuses an order passes from ``current`` to ``target`` on its way to the door;
    none when it is there already, or off that way (cancelled, returned, lost)."""
    if current not in _FORWARD:
        return ()
    return _FORWARD[_FORWARD.index(current) + 1 : _FORWARD.index(target) + 1]


class Jobs:
    """The ticks of one platform. Safe to run in several processes at once."""

    def __init__(self, platform: Platform, *, batch: int = 200) -> None:
        self._platform = platform
        self._batch = batch

    def tick(self) -> Tick:
        with self._platform.db.only_one(_TICK_LOCK) as ours:
            if not ours:
                return Tick(ran=False)
            done = Tick()
            self._lockers(done)
            self._drones(done)
            done.transfers_arrived = len(self._platform.network.arrive_due())
            done.transfer_inbounds_opened = len(
                self._platform.fulfillment.receive_landed_transfers()
            )
            done.orders_recovered = len(self._platform.orders.recover_abandoned())
            self._prime(done)
            self._stop_picking_cancelled(done)
            self._follow_floor(done)
        for what, count in done.counts().items():
            if count:
                JOB_RESULTS.labels(what).inc(count)
        return done

    def _prime(self, done: Tick) -> None:
        report = self._platform.prime.renew()
        done.prime_renewed = len(report.of(RenewalResult.RENEWED))
        done.prime_payments_failed = len(report.of(RenewalResult.FAILED))
        done.prime_lapsed = len(report.of(RenewalResult.LAPSED))

    def _lockers(self, done: Tick) -> None:
        platform = self._platform
        done.lockers_returned = len(platform.lockers.return_uncollected())
        with platform.db.read() as session:
            events = unhandled(
                session, UNCOLLECTED_CONSUMER, ["locker.uncollected"], limit=self._batch
            )
        for event in events:
            try:
                refunded = platform.orders.consume(event)
            except DomainError as error:
                # The return is recorded and the event consumed; a refund the gateway did
                # not take is finished by recovery, on a later tick.
                log.warning("refund of %s waits: %s", event.data.get("order_id"), error)
                continue
            done.uncollected_refunded += refunded is not None

    def _drones(self, done: Tick) -> None:
        platform = self._platform
        with platform.db.read() as session:
            events = unhandled(
                session,
                DRONE_CONSUMER,
                ["order.placed"],
                data_equals={"delivery_option": "drone"},
                limit=self._batch,
            )
        handled = []
        for event in events:
            order = platform.order_book.get(event.aggregate_id)
            if order.status is OrderStatus.PLACED:
                continue  # its payment is still being taken
            if order.status in _FLYABLE and not self._fly(order, done):
                continue
            handled.append(event.event_id)
        if handled:
            with platform.db.transaction() as session:
                mark_handled(session, DRONE_CONSUMER, handled)
        self._stop_cancelled(done)
        done.drone_steps = len(platform.drones.advance())
        self._follow_sorties(done)

    def _stop_cancelled(self, done: Tick) -> None:
        """A drone order cancelled before its drone took off: the sortie is called off."""
        platform = self._platform
        with platform.db.read() as session:
            events = unhandled(session, GROUNDER, ["order.cancelled"], limit=self._batch)
        for event in events:
            done.sorties_cancelled += platform.drones.cancel(event.aggregate_id)
        if events:
            with platform.db.transaction() as session:
                mark_handled(session, GROUNDER, [e.event_id for e in events])

    def _follow_sorties(self, done: Tick) -> None:
        """The order follows its sortie: shipped when the drone takes off, delivered when
        the parcel is on the ground."""
        platform = self._platform
        with platform.db.read() as session:
            events = unhandled(session, FOLLOWER, list(_ORDER_AFTER), limit=self._batch)
        for event in events:
            order = platform.order_book.get(event.aggregate_id)
            steps = steps_to(order.status, _ORDER_AFTER[event.event_type])
            if steps:
                platform.orders.advance(order.id, *steps)
                done.orders_delivered_by_drone += steps[-1] is OrderStatus.DELIVERED
        if events:
            with platform.db.transaction() as session:
                mark_handled(session, FOLLOWER, [e.event_id for e in events])

    def _stop_picking_cancelled(self, done: Tick) -> None:
        """An order cancelled on the floor: its units go back (``Fulfillment.cancel``)."""
        platform = self._platform
        with platform.db.read() as session:
            events = unhandled(session, FLOOR_CANCELLER, ["order.cancelled"], limit=self._batch)
        for event in events:
            try:
                done.floor_orders_cancelled += platform.fulfillment.cancel(event.aggregate_id)
            except DomainError as error:  # handed off already: it comes back as a return
                log.warning("floor keeps %s: %s", event.aggregate_id, error)
        if events:
            with platform.db.transaction() as session:
                mark_handled(session, FLOOR_CANCELLER, [e.event_id for e in events])

    def _follow_floor(self, done: Tick) -> None:
        """The order follows the floor. An order cancelled meanwhile stays cancelled
        (``steps_to`` finds no way forward), and its event is handled all the same."""
        platform = self._platform
        with platform.db.read() as session:
            events = unhandled(session, FLOOR_FOLLOWER, list(_ORDER_AFTER_FLOOR), limit=self._batch)
        for event in events:
            order = platform.order_book.get(event.aggregate_id)
            steps = steps_to(order.status, _ORDER_AFTER_FLOOR[event.event_type])
            if steps:
                platform.orders.advance(order.id, *steps)
                done.orders_moved_by_floor += 1
        if events:
            with platform.db.transaction() as session:
                mark_handled(session, FLOOR_FOLLOWER, [e.event_id for e in events])

    def _fly(self, order: Order, done: Tick) -> bool:
        """Assign the order's sortie; False when it has to wait (grounded, no drone)."""
        try:
            send_by_drone(self._platform, order)
        except DomainError as error:
            done.waiting[order.id] = error.code
            return False
        done.sorties_assigned += 1
        return True
