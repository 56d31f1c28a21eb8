"""The WMS: one unit of work per floor step, each recording its ``fulfillment.*`` event in
the same transaction.

    receive    an inbound (a seller's stock; a transfer, opened when it lands) is opened
               with what is expected and checked in unit by unit: each scan adds the unit
               to the floor's receiving area, and to the facility's ``on_hand`` (the spine)
               unless the transfer's landing counted it already (it waited on the dock)
    stow       units leave receiving for the bins the ``Putaway`` strategy chooses
    lay out    the robot floor's grid, pods' home cells and pick stations
    release    orders become a pick list per facility (a wave, or one order: continuous),
               sent to the facility's least loaded station when it has stations
    pick       the picker is sent to a bin (pod and shelf) and scans bin and item per unit;
               a bad scan is refused and counted
    pack       the smallest box that fits, and the scale's check
    hand off   the parcel goes to delivery

At every step ``on_hand`` at the facility = the units in its bins + on the dock + in
receiving + in packing + in parcels handed off whose order has not shipped + of transfers
landed whose inbound is not open yet (``reconcile`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from baro.core.clock import Clock
from baro.core.db import Database, table_of
from baro.core.events import record
from baro.network import get_facility, stock_at

from . import picking, receiving, views
from . import repository as repo
from .domain import (
    Bin,
    FloorLayout,
    FloorStatus,
    FloorView,
    Item,
    Mismatch,
    OrderStage,
    PickRequest,
    PickTask,
    ProductFacts,
    Receipt,
    ReceiptLine,
    Release,
    event,
)
from .errors import BadScan, BinNotFound, UnknownBarcode, WrongStep
from .layout import lay_out
from .packing import BOXES, Box, Tolerance
from .repository import BinRow, BinStockRow
from .stow import Putaway, RandomStow

T = TypeVar("T")
# The most open pick lists a floor view lists, and orders one read of a stage returns.
MAX_WAVES = 200
MAX_ORDERS = 1_000


class Fulfillment:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        products: ProductFacts,
        *,
        putaway: Putaway | None = None,
        boxes: Sequence[Box] = BOXES,
        tolerance: Tolerance | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._products = products
        self._putaway = putaway or RandomStow(seed=0)
        self._boxes = tuple(boxes)
        self._tolerance = tolerance or Tolerance()

    # -- bins ------------------------------------------------------------------------------

    def add_bins(self, bins: Sequence[Bin]) -> None:
        with self._db.transaction() as session:
            for facility_id in sorted({b.facility_id for b in bins}):
                get_facility(session, facility_id)
            session.execute(table_of(BinRow).insert(), [repo.bin_values(b) for b in bins])

    def bins(self, facility_id: str) -> list[Bin]:
        with self._db.read() as session:
            rows = session.scalars(
                select(BinRow).where(BinRow.facility_id == facility_id).order_by(BinRow.id)
            )
            return [repo.bin_of(row) for row in rows]

    def bin_contents(self, bin_id: str) -> dict[str, int]:
        """What the system remembers is in a bin: units per product."""
        with self._db.read() as session:
            if session.get(BinRow, bin_id) is None:
                raise BinNotFound(f"no bin {bin_id!r}")
            rows = session.execute(
                select(BinStockRow.product_id, BinStockRow.units).where(
                    BinStockRow.bin_id == bin_id, BinStockRow.units > 0
                )
            )
            return {product_id: int(units) for product_id, units in rows}

    # -- receiving -------------------------------------------------------------------------

    def open_inbound(
        self, facility_id: str, expected: Mapping[str, int], *, source: str
    ) -> Receipt:
        """An inbound shipment new to the spine (a seller's stock, a supplier) expected at
        ``facility_id``: units per product id. A transfer's inbound is opened by
        ``receive_landed_transfers`` when it lands."""
        if any(units <= 0 for units in expected.values()):
            raise WrongStep(f"an inbound expects a positive count of each product: {expected}")
        known = self._learn(expected)
        unknown = sorted(set(expected) - set(known))
        if unknown:
            raise UnknownBarcode(f"the catalogue has no product {', '.join(unknown)}")
        with self._db.transaction() as session:
            inbound_id = receiving.open_inbound(
                session, facility_id, expected, source=source, landed=False, at=self._clock.now()
            )
        return self.receipt(inbound_id)

    def receive_landed_transfers(self, *, limit: int = 500) -> list[str]:
        """A landed inbound for each transfer that arrived at a facility with bins since the
        last call (``transfer.arrived``, found like any consumer's events); the ids opened.
        The tick runs it right after transfers land."""
        with self._db.read() as session:
            events = receiving.landed_transfers(session, limit=limit)
        if not events:
            return []
        self._learn([str(e.data["product_id"]) for e in events])
        with self._db.transaction() as session:
            return receiving.open_landed(session, events, self._clock.now())

    def scan_in(self, inbound_id: str, barcode: str) -> ReceiptLine:
        """One unit checked in. A product the inbound did not expect is taken (and shows as
        over on the receipt); a barcode of no product is refused and counted."""
        with self._db.read() as session:
            inbound = receiving.find(session, inbound_id)
            item = repo.resolve(session, barcode)
        if item is None:
            item = self._learn([barcode]).get(barcode)
        if item is None:
            self._bad_scan(
                inbound.facility_id,
                UnknownBarcode(f"no product has the barcode {barcode!r} (inbound {inbound_id})"),
            )
        with self._db.transaction() as session:
            return receiving.scan_in(session, inbound_id, item, self._clock.now())

    def close_inbound(self, inbound_id: str) -> Receipt:
        """Checking in is over: what came against what was expected, over and short; a
        landed inbound's short units come off ``on_hand``."""
        with self._db.transaction() as session:
            return receiving.close_inbound(session, inbound_id, self._clock.now())

    def receipt(self, inbound_id: str) -> Receipt:
        with self._db.read() as session:
            return receiving.receipt(session, receiving.find(session, inbound_id))

    # -- stow ------------------------------------------------------------------------------

    def stow(self, facility_id: str, product_id: str, units: int) -> list[tuple[str, int]]:
        """Move ``units`` from receiving into bins: the strategy picks a bin for them all,
        or, when none has room, the units are halved until they fit. Returns (bin, units)."""
        with self._db.transaction() as session:
            placed = receiving.stow(
                session, facility_id, {product_id: units}, self._putaway, self._clock.now()
            )
        return [(bin_id, n) for bin_id, _, n in placed]

    def stow_received(self, facility_id: str) -> list[tuple[str, str, int]]:
        """Every unit waiting in receiving into bins, as ``stow`` places each product (after
        ``check_in_counted_stock``, or units of cancelled orders back from packing), in one
        transaction. Returns (bin, product, units)."""
        with self._db.transaction() as session:
            return receiving.stow(session, facility_id, None, self._putaway, self._clock.now())

    def check_in_counted_stock(self, facility_id: str, *, source: str) -> Receipt | None:
        """A floor going live on the WMS: the units the spine counts at the facility that
        the floor cannot account for (stock that came in past it) are checked in at once,
        on a landed inbound closed as it opens, and wait in receiving to be stowed. Its
        receipt; None when the floor accounts for every unit already."""
        with self._db.read() as session:
            get_facility(session, facility_id)
            known = self._learn(_on_hand(session, facility_id))
        with self._db.transaction() as session:
            on_hand, on_floor = _on_hand(session, facility_id), _on_floor(session, facility_id)
            gap = {
                p: n - on_floor.get(p, 0)
                for p, n in on_hand.items()
                if n > on_floor.get(p, 0) and p in known
            }
            if not gap:
                return None
            inbound_id = receiving.check_in_counted(
                session, facility_id, gap, source=source, at=self._clock.now()
            )
        return self.receipt(inbound_id)

    # -- the floor's layout ----------------------------------------------------------------

    def lay_out_floor(self, facility_id: str, layout: FloorLayout) -> None:
        """The facility's robot floor becomes ``layout`` (its grid, its pods' home cells and
        its pick stations); the same layout again changes nothing. From then on each pick
        list a release makes goes to the least loaded station."""
        with self._db.transaction() as session:
            lay_out(session, facility_id, layout)

    # -- picking and packing ---------------------------------------------------------------

    def release(self, requests: Sequence[PickRequest]) -> list[Release]:
        """Orders onto pick lists, one list per facility; an order whose units are not all
        in bins waits (its outcome says why) and the others go on."""
        with self._db.transaction() as session:
            releases = picking.release(session, requests, self._clock.now())
        return releases

    def next_task(self, pick_list_id: str) -> PickTask | None:
        """Where the picker goes next on this list, or None when it is done."""
        with self._db.read() as session:
            return picking.next_task(session, pick_list_id)

    def pick_list(self, pick_list_id: str) -> list[PickTask]:
        """Every task of a list in the picker's walk, picked or not."""
        with self._db.read() as session:
            return picking.tasks_of(session, pick_list_id)

    def pick(self, pick_list_id: str, bin_barcode: str, item_barcode: str) -> PickTask:
        """One unit taken from the bin the picker was sent to. A wrong bin, a wrong item or
        an unknown barcode is refused (nothing moves) and counted."""
        with self._db.read() as session:
            facility_id = picking.facility_of_list(session, pick_list_id)
        return self._scanning(
            facility_id,
            lambda: self._in_transaction(
                lambda s: picking.pick(
                    s, pick_list_id, bin_barcode, item_barcode, self._clock.now()
                )
            ),
        )

    def pack(self, order_id: str, measured_weight_g: int) -> Box:
        """The picked order into the smallest box that holds it, checked on the scale."""
        with self._db.transaction() as session:
            return picking.pack(
                session,
                order_id,
                measured_weight_g,
                self._boxes,
                self._tolerance,
                self._clock.now(),
            )

    def hand_off(self, order_id: str) -> None:
        """The packed parcel goes to delivery (``fulfillment.handed_off``)."""
        with self._db.transaction() as session:
            picking.hand_off(session, order_id, self._clock.now())

    def cancel(self, order_id: str) -> bool:
        """The order was cancelled: its promised units are freed and its picked units go
        back to receiving to be stowed again. False when the floor never had it or
        already cancelled it."""
        with self._db.transaction() as session:
            return picking.cancel(session, order_id, self._clock.now())

    # -- reading ---------------------------------------------------------------------------

    def reconcile(self, facility_id: str) -> list[Mismatch]:
        """Products whose ``on_hand`` at the facility differs from the units the floor
        accounts for; empty when the two agree."""
        with self._db.read() as session:
            on_floor = _on_floor(session, facility_id)
            on_hand = _on_hand(session, facility_id)
        return [
            Mismatch(p, on_hand.get(p, 0), on_floor.get(p, 0))
            for p in sorted(set(on_hand) | set(on_floor))
            if on_hand.get(p, 0) != on_floor.get(p, 0)
        ]

    def status(self, facility_id: str) -> FloorStatus:
        with self._db.read() as session:
            return views.status_of(session, facility_id)

    def floors(self) -> list[FloorStatus]:
        """The status of every facility whose floor the WMS runs (it has bins)."""
        with self._db.read() as session:
            return [
                views.status_of(session, facility_id)
                for facility_id in views.facilities_with_bins(session)
            ]

    def floor_view(self, facility_id: str, *, waves: int = MAX_WAVES) -> FloorView:
        """The facility's floor now, as the console draws it: the grid with each pod's
        fill and the units wanted from it, each station's current list, next pick and
        queue, the newest ``waves`` open pick lists, and the floor's counts."""
        if not 0 <= waves <= MAX_WAVES:
            raise ValueError(f"waves must be between 0 and {MAX_WAVES}, got {waves}")
        with self._db.read() as session:
            return views.floor_view(session, facility_id, waves=waves)

    def orders_at(self, facility_id: str, stage: OrderStage, *, limit: int = 100) -> list[str]:
        """The facility's orders at ``stage`` (the packing bench's queue: ``PICKED``),
        released earliest first."""
        if not 0 < limit <= MAX_ORDERS:
            raise ValueError(f"limit must be between 1 and {MAX_ORDERS}, got {limit}")
        with self._db.read() as session:
            return views.orders_at(session, facility_id, stage, limit)

    # -- helpers ---------------------------------------------------------------------------

    def _learn(self, product_ids: Sequence[str] | Mapping[str, int]) -> dict[str, Item]:
        """The items of these product ids, copied from the catalogue into the item master
        when the floor first meets them. Asked before the write transaction opens: the
        catalogue's read must not wait on the floor's writes."""
        wanted = sorted(set(product_ids))
        with self._db.read() as session:
            known = repo.items(session, wanted)
        missing = [p for p in wanted if p not in known]
        if missing:
            new = self._products.facts(missing)
            with self._db.transaction() as session:
                repo.add_items(session, new.values())
            known.update(new)
        return known

    def _in_transaction(self, work: Callable[[Session], T]) -> T:
        with self._db.transaction() as session:
            return work(session)

    def _scanning(self, facility_id: str, work: Callable[[], T]) -> T:
        try:
            return work()
        except BadScan as error:
            self._bad_scan(facility_id, error)

    def _bad_scan(self, facility_id: str, error: BadScan) -> NoReturn:
        """Count the refused scan in a transaction of its own (the refused step rolled back
        or never began), then raise it."""
        with self._db.transaction() as session:
            repo.count_bad_scan(session, facility_id, error.kind)
            record(
                session,
                [
                    event(
                        "bad_scan",
                        facility_id,
                        self._clock.now(),
                        kind=error.kind,
                        message=error.message,
                    )
                ],
            )
        raise error


def _on_floor(session: Session, facility_id: str) -> dict[str, int]:
    """Per product, every unit the floor accounts for, landed transfers not opened included."""
    on_floor = repo.units_on_floor(session, facility_id)
    for product_id, units in receiving.landed_not_opened(session, facility_id).items():
        on_floor[product_id] = on_floor.get(product_id, 0) + units
    return on_floor


def _on_hand(session: Session, facility_id: str) -> dict[str, int]:
    """The spine's ``on_hand`` at the facility, per product, read a page at a time."""
    on_hand: dict[str, int] = {}
    page = 1000
    while True:
        levels = stock_at(session, facility_id, limit=page, offset=len(on_hand))
        on_hand.update((lv.product_id, lv.on_hand) for lv in levels)
        if len(levels) < page:
            return on_hand
