"""The composition root: one place that wires settings, database, clock and gateway into the
services. Channels (web, CLI), the twin and the benches all start from ``Platform``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from baro.commerce.catalog import ArrivalEstimates, Catalog, Shelves, Showcase, products_by_id
from baro.commerce.customers import (
    Accounts,
    CardTokenizer,
    CustomerDirectory,
    Customers,
    Notifications,
    Passwords,
)
from baro.commerce.orders import BestSellers, Cart, OrderBook, Orders, promised_per_day
from baro.commerce.orders.best_sellers import units_sold
from baro.commerce.payments import (
    MeteredGateway,
    PaymentGateway,
    SandboxGateway,
    SandboxLedger,
    tokenize_sandbox_card,
)
from baro.commerce.prime import Prime, PrimeSettings
from baro.commerce.replenishment import Replenishment, ReplenishmentSettings
from baro.core.clock import Clock, SystemClock
from baro.core.config import Settings
from baro.core.db import Database, check_schema
from baro.core.event_log import EventLog
from baro.delivery.access import TrunkAccess
from baro.delivery.drones import Drones
from baro.delivery.lockers import Lockers
from baro.delivery.promise import DroneWorld, PromisedCounts, PromisedRow, Promises
from baro.delivery.routing import RoutePlanner
from baro.delivery.tracking import Tracking
from baro.fulfillment import Fulfillment, Item
from baro.network import Network


@dataclass
class Platform:
    settings: Settings
    db: Database
    clock: Clock
    gateway: PaymentGateway
    catalog: Catalog
    showcase: Showcase
    customers: Customers
    accounts: Accounts
    orders: Orders
    cart: Cart
    best_sellers: BestSellers
    network: Network
    # What operators read in the console (every customer's orders, stock per facility, the
    # outbox, customers with their personal data masked).
    order_book: OrderBook
    shelves: Shelves
    event_log: EventLog
    customer_directory: CustomerDirectory
    # Delivery: locker pickup and in-car (trunk) delivery.
    lockers: Lockers
    # The delivery promise: options for goods and an address; placement ships by one.
    promises: Promises
    trunk: TrunkAccess
    # Van routes per facility and wave (PyVRP), with ETAs as events for the outbox.
    route_planner: RoutePlanner
    # Drone bases, fleets, drop zones and sorties; a parcel's tracking (its order's events).
    drones: Drones
    tracking: Tracking
    # What the platform tells customers it did for them (a device's price notice).
    notifications: Notifications
    # Products that arrive when needed: subscriptions, and the orders ``run`` places.
    replenishment: Replenishment
    # Prime membership: plans, joining, renewals (run by the ticks), cancelling, households.
    prime: Prime
    # The fulfillment centers' floor: bins, receiving, putaway, picking, packing.
    fulfillment: Fulfillment

    @classmethod
    def start(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        gateway: PaymentGateway | None = None,
        db: Database | None = None,
    ) -> Platform:
        clock = clock or SystemClock()
        # Threads let a batch's charges wait on a remote gateway side by side
        # (BARO_GATEWAY_CALLS); the sandbox answers in this process, so its charges run in
        # line: threads would only add handoffs (measured: 0.1-0.2 ms of CPU per order).
        gateway_calls = settings.gateway_calls
        # The sandbox is the only gateway shipped; a real one is passed in by the operator.
        if gateway is None:
            ledger = SandboxLedger(settings.sandbox_ledger) if settings.sandbox_ledger else None
            gateway, gateway_calls = SandboxGateway(clock, ledger), 1
        # Only the sandbox takes typed card numbers; a real gateway tokenises in its own form.
        tokenize_card: CardTokenizer | None = (
            tokenize_sandbox_card if isinstance(gateway, SandboxGateway) else None
        )
        gateway = MeteredGateway(gateway)  # its latency and errors
        db = db or Database.connect(settings.database_url, pool_size=settings.db_pool_size)
        check_schema(db.engine)
        drones = Drones(db, clock)
        trunk = TrunkAccess(db, clock)
        promises = _promises(db, clock, drones, trunk)
        lockers = Lockers(
            db, clock, idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours)
        )
        customers = Customers(db, clock, tokenize_card)
        notifications = Notifications(db, clock)
        orders = Orders(
            db,
            clock,
            gateway,
            cancel_window=timedelta(minutes=settings.cancel_window_minutes),
            return_window=timedelta(days=settings.return_window_days),
            idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
            max_quantity=settings.max_order_quantity,
            abandoned_after=timedelta(seconds=settings.abandoned_after_seconds),
            gateway_calls=gateway_calls,
            promises=promises,
            lockers=lockers,
        )
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            gateway=gateway,
            catalog=Catalog(
                db,
                clock,
                idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours),
                units_sold=units_sold,
                arrivals=_arrival_estimates(promises, clock, settings.currency),
            ),
            showcase=Showcase(db),
            customers=customers,
            accounts=Accounts(
                db,
                clock,
                Passwords(
                    memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost
                ),
            ),
            orders=orders,
            cart=Cart(db, clock, settings.max_order_quantity),
            best_sellers=BestSellers(db),
            network=Network(db, clock, timedelta(hours=settings.idempotency_ttl_hours)),
            order_book=OrderBook(db),
            shelves=Shelves(db),
            event_log=EventLog(db),
            customer_directory=CustomerDirectory(db),
            lockers=lockers,
            promises=promises,
            trunk=trunk,
            route_planner=RoutePlanner(clock),
            drones=drones,
            tracking=Tracking(db),
            notifications=notifications,
            replenishment=Replenishment(
                db,
                clock,
                orders,
                customers,
                notifications,
                ReplenishmentSettings(
                    idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours)
                ),
            ),
            prime=Prime(
                db,
                clock,
                gateway,
                customers,
                notifications,
                PrimeSettings(idempotency_ttl=timedelta(hours=settings.idempotency_ttl_hours)),
            ),
            fulfillment=Fulfillment(db, clock, CatalogFacts(db)),
        )

    def close(self) -> None:
        self.orders.close()
        self.catalog.close()  # the demand signals it still holds
        self.db.dispose()


class CatalogFacts:
    """The catalogue as the floor sees it (``baro.fulfillment.ProductFacts``): fulfillment
    sits beside commerce and cannot import it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def facts(self, product_ids: Sequence[str]) -> Mapping[str, Item]:
        with self._db.read() as session:
            found = products_by_id(session, product_ids)
        return {
            p.id: Item(
                p.id,
                p.sku,
                p.weight_g,
                p.dimensions.length_cm,
                p.dimensions.width_cm,
                p.dimensions.height_cm,
            )
            for p in found.values()
        }


# Search's hint of when its matches arrive weighs a typical parcel: one item of a kilogram.
SEARCH_PARCEL_G = 1_000


def _arrival_estimates(promises: Promises, clock: Clock, currency: str) -> ArrivalEstimates:
    """When a parcel from each facility reaches a shopper's home, by the promise engine
    (search's delivery facet; the catalogue does not import delivery)."""

    def earliest(
        home: tuple[float, float], facilities: Mapping[str, tuple[float, float]]
    ) -> Mapping[str, datetime]:
        return promises.earliest_arrivals(
            lat=home[0],
            lng=home[1],
            facilities=facilities,
            items_weight_g=SEARCH_PARCEL_G,
            currency=currency,
            now=clock.now(),
        )

    return earliest


def _promises(db: Database, clock: Clock, drones: Drones, trunk: TrunkAccess) -> Promises:
    """The promise engine, its capacity counted from the orders table, its view of the
    network read now: the order path reads nothing until a minute has passed. The view
    holds the drones' (bases and their weather, no-fly zones, drop zones) and who has a car
    registered, so the drone and in-car rules read nothing per order either."""

    def promised(since: datetime) -> list[PromisedRow]:
        with db.read() as session:
            return promised_per_day(session, since)

    def drone_world() -> DroneWorld:
        bases, no_fly, drop_zones = drones.view()
        return DroneWorld(dict(bases), tuple(no_fly), drop_zones)

    promises = Promises(
        db,
        capacity=PromisedCounts(promised),
        drones=drone_world,
        vehicle_owners=trunk.vehicle_owners,
    )
    promises.prepare(clock.now())
    return promises
