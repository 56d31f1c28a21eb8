"""The twin: replays a data set's orders through baro's real services on SimPy's clock.

Every order is a SimPy process: at its real purchase time it is placed through
``Orders.place`` (allocation, reservation, payment, outbox: the production code), then the
stage models decide when it leaves with the carrier and when it reaches the door, and the
order is advanced through ``Orders.advance``. What happened is read back from the outbox.

Both base times are drawn when the order is placed (placements happen in purchase order), so
a seed gives every order the same draws whatever the queues then do with it: a run with
capacity limits and one without differ only by the days orders were held. Where the stages
have a daily capacity (``capacity.py``), the orders around the replay that share it (still
on their way when it starts, placed after it ends) are processes too, drawn from their own
generator; they only queue.

Returns (where the data set has them, ``ReplayData.returns``): each is a process at its
time. It takes the units back from the customer's latest order placed before it that holds
the product with units left to return, at most what is left, through ``Orders.return_order``
(a partial return, refunded its lines' value). An order not delivered yet is cancelled
instead while nothing has shipped (``Orders.cancel``: all of it), or counted in transit.
``TwinRun.returns`` counts the outcomes: returned, cancelled, in_transit,
no_matching_order, and refused:<code> (the return window had passed, …).

Lost parcels (``losses.py``): with a loss model, each shipped parcel is lost with its rate,
drawn at the click from a generator of its own (the other draws stay as they were). A lost
parcel still travels (it takes its van stop, its sortie, its carrier day) but never arrives;
the customer reports it through ``Reships.report_lost`` once it should have arrived and the
promised window has passed, and the re-ship (a new order, placed by the platform) goes the
same way, with draws from the re-ships' own generator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import polars as pl
import simpy

from baro.commerce.customers import NewCustomer, Principal
from baro.commerce.orders import Order, OrderStatus
from baro.commerce.payments import SUCCEEDS
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.core.errors import DomainError
from baro.core.events import DomainEvent, StoredEvent, read_log, record
from baro.core.geo import haversine_km
from baro.delivery.drones import MAX_DISTANCE_KM
from baro.delivery.drones import Item as DroneItem
from baro.network import (
    FacilityKind,
    Line,
    StockLevel,
    open_facility,
    open_stock,
)
from baro.platform import Platform
from baro.twin.airports import airport_zones
from baro.twin.capacity import BackgroundOrder, StageQueues
from baro.twin.clock import SimPyClock
from baro.twin.delivery import Parcel, RoutedDelivery, RoutedSettings
from baro.twin.losses import LossModel, LossReportEvent
from baro.twin.olist_catalogue import DEFAULT_SIZE, to_products
from baro.twin.policies import StockPolicy
from baro.twin.replay import ReplayData
from baro.twin.stages import StageModels
from baro.twin.stocking import Placement, Replanner, start_of

Progress = Callable[[int, int], None]
REAL_WORLD_CANCELLED = ("canceled", "unavailable")
LANDING_CHECK = timedelta(hours=6)  # how often the twin lands transfers that have arrived


@dataclass(frozen=True)
class TwinRun:
    policy: str
    events: list[StoredEvent]
    facilities: pl.DataFrame  # facility_id, name, kind, lat, lng, state
    customers: pl.DataFrame  # customer_id, customer_key, lat, lng, state
    order_keys: pl.DataFrame  # order_id (baro), source_order_id
    failed_placements: dict[str, int]
    wall_s: float
    # Per stage: orders held back by its daily capacity, and days held in all (None: no limit).
    capacity_holds: dict[str, dict[str, int]] | None = None
    delivery: str = "sampled"  # "routed": baro's vans and drones (twin/delivery.py)
    waves: dict[str, object] | None = None  # the routed stage's log (routed only)
    # What the policy did and why (stocking.Placement's figures and notes).
    placement_figures: dict[str, object] | None = None
    placement_notes: tuple[str, ...] = ()
    # The data set's returns by outcome (see the module's docstring); empty without any.
    returns: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TwinWorld:
    """What a behaviour added to the replay (``Behaviour``) sees of the running twin.

    place: schedule an order the data set does not have, for a customer (by data set key)
    at a time, of (data set product id, quantity) lines; it goes the way replayed orders go
    (placement, stages, delivery), its draws from generators of its own. end: the replay's
    last purchase."""

    env: simpy.Environment
    clock: SimPyClock
    platform: Platform
    place: Callable[[str, datetime, Sequence[tuple[str, int]]], None]
    end: datetime


class Behaviour(Protocol):
    """Customers' behaviour beyond the data set's (a membership: ``twin/prime.py``)."""

    def start(self, world: TwinWorld) -> None:
        """Before the first order: set up, and start its own processes."""
        ...

    def buyer(self, customer_key: str, principal: Principal) -> Principal:
        """The principal an order of this customer is placed with."""
        ...

    def placed(self, customer_key: str, order: Order, source_order_id: str | None) -> None:
        """An order was placed: a data set order's id, or None for one ``place`` added."""
        ...


@dataclass(frozen=True)
class _Shipment:
    """An order on its way in the twin: who bought it and which data set order it replays."""

    order: Order
    buyer: Principal
    source_id: str

    def promised_end(self, lengths: dict[str, timedelta]) -> datetime:
        """When the customer stops waiting: the end of baro's promised window, or, for an
        order placed without one, the data set's promise (as long after the click)."""
        if self.order.delivery is not None:
            return self.order.delivery.window_end
        return self.order.placed_at + lengths.get(self.source_id, timedelta())


@dataclass
class _Sale:
    """An order placed in the twin, as a return looks for it: its units per baro product
    still with the customer (a return takes some back; a cancel, all)."""

    order_id: str
    buyer: Principal
    placed_at: datetime
    left: dict[str, int]


def run_twin(
    replay: ReplayData,
    policy: StockPolicy,
    stages: StageModels,
    *,
    database_url: str,
    seed: int,
    progress: Progress | None = None,
    routed: RoutedSettings | None = None,
    drone_bases: bool = False,
    name: str | None = None,
    losses: LossModel | None = None,
    history: ReplayData | None = None,
    behaviour: Behaviour | None = None,
) -> TwinRun:
    """Replay ``replay`` under ``policy`` on an empty database at ``database_url``.

    routed: deliver with baro's vans and drones (``twin/delivery.py``) instead of the
    sampled carrier times. drone_bases: open a drone base at each facility of the kinds
    ``RoutedSettings.drone_base_kinds`` names (so the promise offers drones); a routed run
    always does, and a sampled run it is compared with should too (the same world).
    losses: lose that share of the parcels on their way (``losses.py``); the customer
    reports each once the promise has passed, through the platform's re-ship path.
    history: the orders before the replay, all a policy may plan from (none by default).
    behaviour: customers' behaviour beyond the data set (``Behaviour``); the orders it adds
    are in ``order_keys`` with a source id of ``added:<n>``."""
    import time

    started = time.perf_counter()
    env = simpy.Environment()
    queues: StageQueues | None = (
        stages.capacity.queues(replay.orders["purchased_at"], np.random.default_rng([seed, 1]))
        if stages.capacity
        else None
    )
    first_purchase, _ = replay.period
    background = queues.background if queues else []
    earliest = min([first_purchase, *(order.purchased_at for order in background)])
    clock = SimPyClock(env, earliest - timedelta(hours=1))
    past = history if history is not None else replay.between(None, first_purchase.date())
    placement = policy.place(replay, past)
    upgrade(database_url)
    platform = Platform.start(
        Settings(database_url=database_url, currency=replay.currency, max_order_quantity=1_000_000),
        clock=clock,
    )
    try:
        catalogue = _stock_catalogue(platform, replay, past)
        facilities, ids = _place_stock(platform, placement, catalogue)
        buyers, customers = _import_customers(platform, replay)
        routing = routed or RoutedSettings()
        keep_events = _recorder(platform)
        bases = (
            _open_drone_bases(platform, facilities, routing, buyers, seed)
            if drone_bases or routed is not None
            else []
        )
        stage = (
            RoutedDelivery(
                env,
                clock,
                {fid: (f[0], f[1], FacilityKind(f[3])) for fid, f in facilities.items()},
                keep_events,
                routing,
                drone_bases=bases,
                no_fly=airport_zones(),
            )
            if routed is not None
            else None
        )
        weights = _order_items(replay) if stage is not None else {}
        rng = np.random.default_rng(seed)
        lost_rng = np.random.default_rng([seed, 3])  # which parcels are lost
        reship_rng = np.random.default_rng([seed, 4])  # the re-ships' stages and losses
        # The added orders' stages and losses: drawing from the replay's generators would
        # shift every later replayed order's draws.
        added_rng = np.random.default_rng([seed, 5])
        added_lost_rng = np.random.default_rng([seed, 6])
        promise_lengths = _promise_lengths(replay)
        order_keys: list[tuple[str, str]] = []
        failures: dict[str, int] = {}
        sales: dict[str, list[_Sale]] = {}  # by customer key, in placement order
        called_off: set[str] = set()  # orders a return cancelled before they shipped
        returned: dict[str, int] = {}  # the returns' outcomes
        lines_by_order = {
            order_id: [
                Line(catalogue[p], q)
                for p, q in zip(group["product_id"], group["quantity"], strict=True)
            ]
            for (order_id,), group in replay.lines.group_by(["order_id"])
        }
        total = replay.orders.height
        placed = 0

        def life(order: dict[str, object], added: bool = False) -> simpy.events.ProcessGenerator:
            nonlocal placed
            yield env.timeout(clock.seconds_until(order["purchased_at"]))  # type: ignore[arg-type]
            buyer = buyers[str(order["customer_key"])]
            if behaviour is not None:
                buyer = behaviour.buyer(str(order["customer_key"]), buyer)
            try:
                result = platform.orders.place(
                    buyer,
                    lines_by_order[str(order["order_id"])],
                    idempotency_key=str(order["order_id"]),
                )
            except DomainError as error:
                failures[error.code] = failures.get(error.code, 0) + 1
                return
            finally:
                if not added:
                    placed += 1
                    if progress:
                        progress(placed, total)
            order_id = result.order.id
            order_keys.append((order_id, str(order["order_id"])))
            if behaviour is not None:
                source = None if added else str(order["order_id"])
                behaviour.placed(str(order["customer_key"]), result.order, source)
            units: dict[str, int] = {}
            for line in result.order.lines:
                units[line.product_id] = units.get(line.product_id, 0) + line.quantity
            sales.setdefault(str(order["customer_key"]), []).append(
                _Sale(order_id, buyer, result.order.placed_at, units)
            )
            if order["status"] in REAL_WORLD_CANCELLED:
                platform.orders.cancel(buyer, order_id)
                return
            parcel = _Shipment(result.order, buyer, str(order["order_id"]))
            # Drawn at the click, in purchase order, like the stages' base times: the same
            # seed loses the same orders whatever the queues and the fleet then do.
            stage_rng, loss_rng = (added_rng, added_lost_rng) if added else (rng, lost_rng)
            fulfilment, delivery = draws(parcel, stage_rng)
            lost = losses is not None and bool(loss_rng.random() < losses.rate)
            yield from carry(parcel, fulfilment, delivery, lost)

        def carry(
            parcel: _Shipment, fulfilment: timedelta, delivery: timedelta, lost: bool
        ) -> simpy.events.ProcessGenerator:
            """Fulfilment, hand-over, and the way to the door (routed or sampled)."""
            order_id = parcel.order.id
            yield env.timeout(fulfilment.total_seconds())
            if queues:
                yield env.timeout(queues.handover.hold(clock.now()).total_seconds())
            if order_id in called_off:  # a return came first and cancelled it
                return
            platform.orders.advance(
                order_id, OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED
            )
            if stage is not None:
                promised = parcel.order.delivery
                weight, items = weights[parcel.source_id]
                address = parcel.buyer.address
                assert address is not None
                door = stage.hand_over(
                    Parcel(
                        order_id,
                        parcel.order.facility_id,
                        address.lat,
                        address.lng,
                        weight,
                        promised.option if promised else None,
                        items,
                    )
                )
                if door is not None:
                    at = yield door
                    if at is not None:  # at the door by van or drone
                        yield env.timeout(clock.seconds_until(at))
                        yield from arrive(parcel, lost)
                        return
            yield env.timeout(delivery.total_seconds())
            if queues:
                yield env.timeout(queues.delivery.hold(clock.now()).total_seconds())
            yield from arrive(parcel, lost)

        def arrive(parcel: _Shipment, lost: bool) -> simpy.events.ProcessGenerator:
            """At the door; or, lost on the way (it still took its place on the van, the
            drone or the carrier's day), reported by the customer once the promised window
            has passed too, and re-shipped, or refused, by the platform's trust policy."""
            if not lost:
                platform.orders.advance(parcel.order.id, OrderStatus.DELIVERED)
                return
            yield env.timeout(clock.seconds_until(parcel.promised_end(promise_lengths)))
            try:
                placement = platform.orders.reships.report_lost(parcel.buyer, parcel.order.id)
            except DomainError as error:
                record_loss(parcel.order.id, outcome="refused", code=error.code)
                return
            record_loss(parcel.order.id, outcome="reshipped", reship_id=placement.order.id)
            again = _Shipment(placement.order, parcel.buyer, parcel.source_id)
            # The re-ships' own generator: a re-ship drawing from the orders' would shift
            # every later order's draws.
            fulfilment, delivery = draws(again, reship_rng)
            assert losses is not None
            yield from carry(again, fulfilment, delivery, bool(reship_rng.random() < losses.rate))

        def draws(parcel: _Shipment, generator: np.random.Generator) -> tuple[timedelta, timedelta]:
            origin = facilities[parcel.order.facility_id]
            address = parcel.buyer.address
            assert address is not None
            km = haversine_km(origin[0], origin[1], address.lat, address.lng)
            return stages.fulfilment.sample(generator), stages.delivery.sample(km, generator)

        def give_back(row: dict[str, object]) -> simpy.events.ProcessGenerator:
            """One product of a return, at its time (see the module's docstring)."""
            yield env.timeout(clock.seconds_until(row["returned_at"]))  # type: ignore[arg-type]
            product = catalogue.get(str(row["product_id"]))
            bought = sales.get(str(row["customer_key"]), [])
            sale = None if product is None else _latest_holding(bought, product, clock.now())
            if product is None or sale is None:
                counted("no_matching_order")
                return
            units = min(int(row["quantity"]), sale.left[product])  # type: ignore[call-overload]
            status = platform.orders.get(sale.buyer, sale.order_id).status
            if status is OrderStatus.SHIPPED:
                counted("in_transit")
                return
            try:
                if status is OrderStatus.DELIVERED:
                    platform.orders.return_order(
                        sale.buyer,
                        sale.order_id,
                        idempotency_key=f"{row['return_id']}:{row['product_id']}",
                        lines=[(product, units)],
                    )
                    sale.left[product] -= units
                    counted("returned")
                else:
                    platform.orders.cancel(sale.buyer, sale.order_id)
                    called_off.add(sale.order_id)
                    sale.left.clear()
                    counted("cancelled")
            except DomainError as error:
                counted(f"refused:{error.code}")

        def counted(outcome: str) -> None:
            returned[outcome] = returned.get(outcome, 0) + 1

        def record_loss(order_id: str, **data: str) -> None:
            keep_events(
                [LossReportEvent(aggregate_id=order_id, occurred_at=clock.now(), data=data)]
            )

        def elsewhere(order: BackgroundOrder, queues: StageQueues) -> simpy.events.ProcessGenerator:
            """An order outside the replay: it only takes its turn in the stages' queues."""
            yield env.timeout(
                clock.seconds_until(order.purchased_at) + order.fulfilment.total_seconds()
            )
            yield env.timeout(queues.handover.hold(clock.now(), replayed=False).total_seconds())
            yield env.timeout(order.delivery.total_seconds())
            queues.delivery.hold(clock.now(), replayed=False)

        replanned: list[Mapping[str, int]] = []  # what each re-plan did

        def replans(replanner: Replanner) -> simpy.events.ProcessGenerator:
            """The policy's plans after its placement, every ``every`` from the test's start,
            and the transfers they send landing as they arrive (checked every few hours)."""
            centres = {key: ids[key] for key in placement.centres}
            _, last_purchase = replay.period
            next_plan = start_of(replay) + replanner.every
            while clock.now() < last_purchase:
                yield env.timeout(LANDING_CHECK.total_seconds())
                platform.network.arrive_due()
                if clock.now() >= next_plan:
                    replanned.append(replanner.replan(platform, centres, catalogue, clock.now()))
                    next_plan += replanner.every

        def place_added(key: str, at: datetime, lines: Sequence[tuple[str, int]]) -> None:
            order_id = f"added:{len(lines_by_order)}"
            lines_by_order[order_id] = [Line(catalogue[p], q) for p, q in lines]
            order = {"order_id": order_id, "customer_key": key, "purchased_at": at}
            env.process(life(order | {"status": "added"}, added=True))

        if placement.replanner is not None:
            env.process(replans(placement.replanner))
        if behaviour is not None:
            if stage is not None:
                raise ValueError("a behaviour's added orders travel by the sampled stages only")
            behaviour.start(TwinWorld(env, clock, platform, place_added, replay.period[1]))
        for order in replay.orders.iter_rows(named=True):
            env.process(life(order))
        if replay.returns is not None:
            for row in replay.returns.iter_rows(named=True):
                env.process(give_back(row))
        for other in background:
            assert queues is not None
            env.process(elsewhere(other, queues))
        env.run()
        with platform.db.read() as session:
            events = read_log(session)
        facility_frame = pl.DataFrame(
            [
                {
                    "facility_id": fid,
                    "lat": lat,
                    "lng": lng,
                    "name": name,
                    "kind": kind,
                    "state": state,
                }
                for fid, (lat, lng, name, kind, state) in facilities.items()
            ]
        )
        return TwinRun(
            policy=name or policy.name,
            events=events,
            facilities=facility_frame,
            customers=customers,
            order_keys=pl.DataFrame(
                order_keys, schema=["order_id", "source_order_id"], orient="row"
            ),
            failed_placements=failures,
            wall_s=time.perf_counter() - started,
            capacity_holds=queues.summary() if queues else None,
            delivery="routed" if stage is not None else "sampled",
            waves=stage.log.as_dict() if stage is not None else None,
            placement_figures=_figures(placement, replanned),
            placement_notes=placement.notes,
            returns=returned,
        )
    finally:
        platform.close()


def _latest_holding(sales: Sequence[_Sale], product: str, before: datetime) -> _Sale | None:
    """The latest of ``sales`` (in placement order) placed before ``before`` with units of
    ``product`` left to return."""
    for sale in reversed(sales):
        if sale.placed_at < before and sale.left.get(product, 0) > 0:
            return sale
    return None


def _figures(placement: Placement, replanned: list[Mapping[str, int]]) -> dict[str, object] | None:
    """The placement's figures, with its re-plans' added up, and what they moved between
    the centres added to its transfers."""
    if placement.replanner is None:
        return placement.figures
    figures: dict[str, object] = dict(placement.figures or {})
    totals: dict[str, int] = {}
    for counts in replanned:
        for name, units in counts.items():
            totals[name] = totals.get(name, 0) + units
    initial = figures.get("transfer_units")
    initial_units = initial if isinstance(initial, int) else 0
    return (
        figures
        | totals
        | {
            "replans": len(replanned),
            "initial_transfer_units": initial_units,
            "transfer_units": initial_units + totals.get("replan_units", 0),
        }
    )


def _stock_catalogue(platform: Platform, replay: ReplayData, history: ReplayData) -> dict[str, str]:
    """Add every product the replay or its history sells (a policy may stock any product
    it saw sell); returns source product id -> baro product id."""
    sold = (
        pl.concat([replay.lines, history.lines])
        .group_by("product_id")
        .agg(line_price=pl.col("price_minor").median())
    )
    frame = (
        sold.join(replay.products, on="product_id", how="left")
        .with_columns(
            price_minor=pl.coalesce("price_minor", "line_price").round().cast(pl.Int64),
            category=pl.col("category").fill_null("uncategorised"),
            **{k: pl.col(k).fill_null(v) for k, v in DEFAULT_SIZE.items()},
        )
        .sort("product_id")
    )
    items = to_products(frame, replay.currency)
    platform.catalog.add(items)
    return {sku.removeprefix("OL-"): item.id for sku, item in ((i.sku, i) for i in items)}


def _place_stock(
    platform: Platform, placement: Placement, catalogue: dict[str, str]
) -> tuple[dict[str, tuple[float, float, str, str, str]], dict[str, str]]:
    """Open the placement's facilities and stock them; returns them by baro id, and the ids
    by the placement's keys. A unit of a product the replay never sells is left out: it
    spent the policy's budget, and no order will ask for it."""
    ids: dict[str, str] = {}
    facilities: dict[str, tuple[float, float, str, str, str]] = {}
    with platform.db.transaction() as session:
        for row in placement.facilities.iter_rows(named=True):
            facility = open_facility(
                session,
                name=row["name"],
                kind=FacilityKind(row["kind"]),
                lat=row["lat"],
                lng=row["lng"],
                capacity_units=1_000_000,
            )
            ids[row["key"]] = facility.id
            facilities[facility.id] = (
                row["lat"],
                row["lng"],
                row["name"],
                row["kind"],
                row["state"],
            )
        open_stock(
            session,
            [
                StockLevel(ids[key], catalogue[product], int(units), 0)
                for key, product, units in placement.stock.iter_rows()
                if product in catalogue
            ],
        )
    return facilities, ids


def _import_customers(
    platform: Platform, replay: ReplayData
) -> tuple[dict[str, Principal], pl.DataFrame]:
    rows = replay.customers.rows(named=True)
    principals = platform.customers.import_many(
        [
            NewCustomer(
                name=f"Customer {row['customer_key'][:8]}",
                email=f"{row['customer_key']}@{replay.name}.example",
                line1="(from the data set)",
                city=row["state"],
                postcode="",
                country="BR",
                lat=row["lat"],
                lng=row["lng"],
                gateway_token=SUCCEEDS,
            )
            for row in rows
        ]
    )
    buyers = {row["customer_key"]: p for row, p in zip(rows, principals, strict=True)}
    frame = replay.customers.with_columns(
        customer_id=pl.Series([p.customer_id for p in principals], dtype=pl.String)
    )
    return buyers, frame


def _open_drone_bases(
    platform: Platform,
    facilities: dict[str, tuple[float, float, str, str, str]],
    settings: RoutedSettings,
    buyers: dict[str, Principal],
    seed: int,
) -> list[str]:
    """A drone base at every facility of the kinds that have one, and the customers who
    fly: of those within a drone's range of a base, ``drop_zone_share`` (drawn with the
    seed) set a drop zone at their address and prefer drone delivery (the promise gives
    them a drone where it holds, the fastest free option where it does not). ``buyers``
    is updated in place (a Principal carries its preference). The promise sees it all."""
    opened = []
    for fid, (_lat, _lng, _name, kind, _state) in sorted(facilities.items()):
        if FacilityKind(kind) in settings.drone_base_kinds:
            platform.drones.open_base(fid, settings.drones_per_base)
            opened.append(fid)
    if not opened:
        return opened
    rng = np.random.default_rng([seed, 2])
    for key in sorted(buyers):
        buyer = buyers[key]
        address = buyer.address
        if address is None or buyer.customer_id is None:
            continue
        near = any(
            haversine_km(facilities[f][0], facilities[f][1], address.lat, address.lng)
            <= MAX_DISTANCE_KM
            for f in opened
        )
        if not near or rng.random() >= settings.drop_zone_share:
            continue
        platform.drones.set_drop_zone(
            buyer.customer_id, address.lat, address.lng, address=(address.lat, address.lng)
        )
        platform.customers.set_delivery_preference(buyer.customer_id, "drone")
        buyers[key] = replace(buyer, delivery_preference="drone")
    platform.promises.refresh(platform.clock.now())
    return opened


def _promise_lengths(replay: ReplayData) -> dict[str, timedelta]:
    """Per source order: how long after the click the data set promised it (where it did)."""
    frame = replay.orders.drop_nulls("estimated_at").select(
        "order_id", length=pl.col("estimated_at") - pl.col("purchased_at")
    )
    return dict(frame.iter_rows())


def _recorder(platform: Platform) -> Callable[[Sequence[DomainEvent]], None]:
    def keep(events: Sequence[DomainEvent]) -> None:
        with platform.db.transaction() as session:
            record(session, events)

    return keep


def _order_items(replay: ReplayData) -> dict[str, tuple[int, list[DroneItem]]]:
    """Per source order: its weight in grams and its lines as the drones see them."""
    sizes = replay.products.select("product_id", *DEFAULT_SIZE)
    frame = replay.lines.join(sizes, on="product_id", how="left").with_columns(
        **{k: pl.col(k).fill_null(v).cast(pl.Int64) for k, v in DEFAULT_SIZE.items()}
    )
    out: dict[str, tuple[int, list[DroneItem]]] = {}
    for row in frame.iter_rows(named=True):
        item = DroneItem(
            row["product_id"],
            row["weight_g"],
            row["length_cm"],
            row["width_cm"],
            row["height_cm"],
            int(row["quantity"]),
        )
        weight, items = out.get(row["order_id"], (0, []))
        out[row["order_id"]] = (weight + item.weight_g * item.quantity, [*items, item])
    return out
