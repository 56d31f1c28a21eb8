"""A simulated floor crew that keeps a served demo's centres moving: every couple of seconds
it sends the allocated orders to the floor, then works each pick station at a human pace
through the real WMS calls — a pick scans the bin and the item, the packer puts the
parcel on the scale, the parcel is handed to delivery — so that the console's floor view
moves and orders go picking → packed → shipped (the platform's ticks move their status).
For demos, not for measuring.

A round goes backwards along the floor: parcels packed last round are handed off, orders
picked last round are packed, then each station picks its next unit; so an order takes a
round per step, as the view shows it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from baro.commerce.orders import OrderFilter, OrderStatus
from baro.core.errors import DomainError
from baro.fulfillment import Item, OrderStage, choose_box
from baro.jobs import release_to_floor
from baro.platform import CatalogFacts, Platform

log = logging.getLogger("baro.floor_crew")


@dataclass
class CrewRound:
    """What one round did."""

    released: int = 0
    stowed: int = 0
    picked: int = 0
    packed: int = 0
    handed_off: int = 0


class FloorCrew:
    """Works the floors of ``platform`` every ``every_s`` seconds in a thread of its own,
    each station picking ``picks_per_station`` units a round; ``work`` is one round, for
    whoever drives it step by step. A step the WMS refuses (an order cancelled meanwhile)
    is that order's outcome, said in the log; an order that cannot be packed (no box fits
    it) is left aside, said once."""

    def __init__(
        self,
        platform: Platform,
        *,
        every_s: float = 2.0,
        picks_per_station: int = 1,
        orders_per_round: int = 100,
    ) -> None:
        if every_s <= 0 or picks_per_station < 1 or orders_per_round < 1:
            raise ValueError("a crew works every positive interval, one unit and order at least")
        self._platform = platform
        self._every_s = every_s
        self._picks = picks_per_station
        self._orders = orders_per_round
        self._items: dict[str, Item] = {}
        self._set_aside: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="floor-crew", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def work(self) -> CrewRound:
        """One round at every floor the WMS runs."""
        done = CrewRound()
        fulfillment = self._platform.fulfillment
        floors = fulfillment.floors()
        for floor in floors:
            if floor.receiving:  # units of cancelled orders, back from packing
                done.stowed += sum(n for *_, n in fulfillment.stow_received(floor.facility_id))
        allocated = self._platform.order_book.page(
            OrderFilter(status=OrderStatus.ALLOCATED), limit=self._orders
        )
        releases = release_to_floor(self._platform, [order.id for order in allocated])
        done.released = sum(r.pick_list_id is not None for r in releases)
        for floor in floors:
            self._hand_off(floor.facility_id, done)
            self._pack(floor.facility_id, done)
            self._pick(floor.facility_id, done)
        return done

    def _hand_off(self, facility_id: str, done: CrewRound) -> None:
        fulfillment = self._platform.fulfillment
        for order_id in fulfillment.orders_at(facility_id, OrderStage.PACKED, limit=self._orders):
            try:
                fulfillment.hand_off(order_id)
            except DomainError as error:  # cancelled since: the tick takes it back
                log.warning("the floor crew could not hand off %s: %s", order_id, error)
                continue
            done.handed_off += 1

    def _pack(self, facility_id: str, done: CrewRound) -> None:
        fulfillment = self._platform.fulfillment
        for order_id in fulfillment.orders_at(facility_id, OrderStage.PICKED, limit=self._orders):
            if order_id in self._set_aside:
                continue
            try:
                fulfillment.pack(order_id, self._scale(order_id))
            except DomainError as error:
                self._set_aside.add(order_id)
                log.warning("the floor crew leaves %s aside: %s", order_id, error)
                continue
            done.packed += 1

    def _pick(self, facility_id: str, done: CrewRound) -> None:
        """Each station's next units, scanned at their bin as a picker would."""
        fulfillment = self._platform.fulfillment
        for station in fulfillment.floor_view(facility_id, waves=0).stations:
            if station.current is None:
                continue
            for _ in range(self._picks):
                task = fulfillment.next_task(station.current.pick_list_id)
                if task is None:
                    break
                try:
                    fulfillment.pick(
                        task.pick_list_id, task.bin_id, self._item(task.product_id).sku
                    )
                except DomainError as error:  # its order was cancelled meanwhile
                    log.warning("the floor crew's pick at %s failed: %s", station.station_id, error)
                    break
                done.picked += 1

    def _scale(self, order_id: str) -> int:
        """What the parcel weighs on the scale: its units in the box the WMS will choose."""
        lines = self._platform.order_book.get(order_id).lines
        contents = [(self._item(line.product_id), line.quantity) for line in lines]
        return choose_box(contents).tare_g + sum(item.weight_g * n for item, n in contents)

    def _item(self, product_id: str) -> Item:
        if product_id not in self._items:
            self._items.update(CatalogFacts(self._platform.db).facts([product_id]))
        return self._items[product_id]

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                self.work()
            except Exception:
                # The demo's server must outlive its crew's bad round (a database busy for
                # longer than its timeout, a bug): said in the log, and the next round runs.
                log.exception("the floor crew's round failed; it works again in %gs", self._every_s)
