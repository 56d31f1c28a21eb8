"""The devices service: register, claim, press, hold and confirm, and act on telemetry.

A press becomes an order through the spine's batched 1-Click path
(``Orders.place_one_click_all``), with the idempotency key ``device:<id>:<slot>:<press id>``:
a press repeated by a flaky network finds its order instead of making another. Presses are
handled in batches (``press_all``), as the web desk handles 1-Click presses:

    read      the slots, their products' prices, where their last orders stand
    take      each slot, by compare and set, for the press that orders (the in-progress
              guard: one undelivered order per slot; a press that loses answers
              "already on its way"), or hold it when the price rose past the slot's limit
    place     every order of the batch through ``place_one_click_all``
    record    each slot's order, reference price and lead time; the customer's price notice
              with the link to cancel (one transaction; a failed order frees its slot)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from baro.commerce.catalog import Product, ProductNotFound, products_by_id
from baro.commerce.customers import (
    Notifications,
    Principal,
    notify,
    principal_from_row,
)
from baro.commerce.orders import OneClick, Order, Orders, OrderStatus, Placement
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.errors import DomainError
from baro.core.failpoints import failpoint
from baro.core.ids import new_id
from baro.core.money import Money
from baro.core.tokens import hash_secret, new_secret
from baro.delivery.promise import Item
from baro.platform import Platform

from . import registry
from .consumption import Reading, ReorderRule, observe, reorder_due
from .domain import (
    Device,
    DeviceKind,
    DeviceNotAuthenticated,
    DeviceNotClaimed,
    DeviceNotFound,
    DuplicateSlot,
    Held,
    InvalidClaimCode,
    InvalidDevice,
    NothingHeld,
    OnItsWay,
    Ordered,
    PressResult,
    Registered,
    Slot,
    SlotNotFound,
    SlotSpec,
)
from .protocol import signing_key, valid_name
from .registry import DeviceRow, SlotRow

# Orders in these states are still on their way: the guard keeps the slot.
UNDELIVERED = frozenset(
    {
        OrderStatus.PLACED,
        OrderStatus.PAID,
        OrderStatus.ALLOCATED,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
    }
)
MAX_SLOTS = 16
FASTEST_DAYS = 1.0
LEVEL_PRESS = "level-"  # the press id of a telemetry reorder: level-<cycle>, once per cycle


@dataclass(frozen=True)
class DeviceSettings:
    guard: bool = True  # a new slot's in-progress guard
    max_price_rise_pct: int = 10  # a new slot's price limit
    # Until a slot's first order tells how long delivery takes: a wide window, from a day
    # (no parcel comes sooner) to this many days, whose spread the reorder margin covers.
    lead_days: float = 5.0
    reorder: ReorderRule = field(default_factory=ReorderRule)
    # A press taken this long ago without an order lost its process: the next press resumes
    # it with its own key (so it is placed once, whatever the dead process did).
    abandoned_after: timedelta = timedelta(minutes=2)
    cancel_link: str = "/orders/{order_id}"
    confirm_link: str = "/account/devices"  # the owner's devices page, where it is confirmed


PromisedWindow = Callable[[Principal, str, int], tuple[float, float] | None]
"""The delivery window (days from now: earliest, latest) that a 1-Click order of this
product and quantity would be promised to this customer now; None when none holds."""


def promised_window(
    platform: Platform, principal: Principal, product_id: str, quantity: int
) -> tuple[float, float] | None:
    """The option 1-Click takes (the customer's preferred if it holds, else the fastest
    without a fee) from the platform's promise, as days from now."""
    if principal.address is None:
        return None
    try:
        product = platform.catalog.get(product_id).product
        quote = platform.promises.quote(
            [Item(product_id, quantity, product.weight_g)],
            lat=principal.address.lat,
            lng=principal.address.lng,
            currency=product.price.currency,
            now=platform.clock.now(),
            customer_id=principal.customer_id,
        )
    except DomainError:
        return None
    option = quote.get_code(principal.delivery_preference) or quote.unasked
    if option is None:
        return None
    now = platform.clock.now()
    return (
        (option.window_start - now).total_seconds() / 86_400,
        (option.window_end - now).total_seconds() / 86_400,
    )


@dataclass(frozen=True)
class DeviceCaller:
    """A device that proved its secret, and its owner's 1-Click defaults."""

    device_id: str
    principal: Principal


@dataclass(frozen=True)
class DevicePress:
    """One press of a slot: by the device itself, by its owner (a virtual button in the
    storefront), or by the bridge when telemetry says the slot runs low."""

    principal: Principal
    device_id: str
    slot: str
    press_id: str
    confirm: bool = False  # the owner accepts the held price


@dataclass(frozen=True)
class LevelReading:
    device_id: str
    slot: str
    level: float
    at: datetime


@dataclass
class _Decision:
    """What the take step made of one press."""

    press: DevicePress
    slot: dict[str, Any]
    key_press: str  # whose key places the order: this press, or the one it resumes
    product: Product | None = None
    result: PressResult | Exception | None = None


class Devices:
    @classmethod
    def of(cls, platform: Platform) -> Devices:
        """The devices of a started platform, with the operator's settings (``BARO_…``)."""
        settings = platform.settings
        return cls(
            platform.db,
            platform.clock,
            platform.orders,
            platform.notifications,
            promised=partial(promised_window, platform),
            settings=DeviceSettings(
                max_price_rise_pct=settings.device_price_rise_limit_pct,
                lead_days=settings.device_lead_days,
                reorder=ReorderRule(margin_days=settings.device_reorder_margin_days),
                abandoned_after=timedelta(seconds=settings.abandoned_after_seconds),
            ),
        )

    def __init__(
        self,
        db: Database,
        clock: Clock,
        orders: Orders,
        notifications: Notifications,
        *,
        promised: PromisedWindow | None = None,
        settings: DeviceSettings | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._orders = orders
        self._notifications = notifications
        self._promised = promised
        self.settings = settings or DeviceSettings()

    # the registry --------------------------------------------------------------------------

    def register(self, kind: DeviceKind, label: str, slots: Sequence[SlotSpec]) -> Registered:
        """A maker's new device: its secret and claim code are returned once, kept hashed."""
        _check_slots(kind, slots)
        secret, claim_code = new_secret("dev"), new_secret("claim", 12)
        now = self._clock.now()
        device = DeviceRow(
            id=new_id("dev"),
            kind=kind.value,
            label=label,
            secret_hash=hash_secret(secret),
            signing_key=signing_key(secret),
            claim_code_hash=hash_secret(claim_code),
            customer_id=None,
            created_at=now,
            claimed_at=None,
        )
        rows = [self._slot_row(device.id, spec) for spec in slots]
        with self._db.transaction() as session:
            known = products_by_id(session, [s.product_id for s in slots])
            for spec in slots:
                if spec.product_id not in known:
                    raise ProductNotFound(
                        f"slot {spec.slot}: no product {spec.product_id!r} in the catalogue"
                    )
            session.add(device)
            session.flush()
            session.add_all(rows)
            return Registered(registry.device_of(device, rows), secret, claim_code)

    def _slot_row(self, device_id: str, spec: SlotSpec) -> SlotRow:
        return SlotRow(
            device_id=device_id,
            slot=spec.slot,
            product_id=spec.product_id,
            quantity=spec.quantity,
            capacity=spec.capacity,
            guard=self.settings.guard,
            max_price_rise_pct=self.settings.max_price_rise_pct,
            lead_days=self.settings.lead_days,
            lead_from_days=min(FASTEST_DAYS, self.settings.lead_days),
            cycle=0,
            observed_days=0.0,
        )

    def claim(self, customer_id: str, claim_code: str) -> Device:
        """The customer becomes the device's owner; the code works once."""
        with self._db.transaction() as session:
            row = session.scalars(
                select(DeviceRow)
                .where(DeviceRow.claim_code_hash == hash_secret(claim_code))
                .with_for_update()
            ).first()
            if row is None:
                raise InvalidClaimCode("no device has this claim code (or it was used)")
            row.customer_id, row.claimed_at = customer_id, self._clock.now()
            row.claim_code_hash = None
            device = self._device(session, row)
        self._learn_leads(device)
        return self.device(device.id, owner=None)

    def _learn_leads(self, device: Device) -> None:
        """What delivery to the new owner takes now, per slot (the promise 1-Click would
        get): the first reorder aims by it instead of a guess."""
        if self._promised is None:
            return
        caller = self.callers([device.id]).get(device.id)
        if caller is None:
            return
        with self._db.transaction() as session:
            for slot in device.slots:
                window = self._promised(caller.principal, slot.product_id, slot.quantity)
                if window is not None:
                    session.execute(
                        update(SlotRow)
                        .where(SlotRow.device_id == device.id, SlotRow.slot == slot.slot)
                        .values(lead_from_days=window[0], lead_days=window[1])
                    )

    def devices_of(self, customer_id: str) -> list[Device]:
        with self._db.read() as session:
            rows = list(
                session.scalars(
                    select(DeviceRow)
                    .where(DeviceRow.customer_id == customer_id)
                    .order_by(DeviceRow.claimed_at, DeviceRow.id)
                )
            )
            return self._devices(session, rows)

    def all_devices(self, *, limit: int = 200) -> list[Device]:
        """Every device, newest first (operators)."""
        with self._db.read() as session:
            rows = list(
                session.scalars(
                    select(DeviceRow).order_by(DeviceRow.created_at.desc()).limit(limit)
                )
            )
            return self._devices(session, rows)

    def device(self, device_id: str, *, owner: str | None) -> Device:
        """One device; with ``owner``, only if it is theirs (otherwise: not found)."""
        with self._db.read() as session:
            row = session.get(DeviceRow, device_id)
            if row is None or (owner is not None and row.customer_id != owner):
                raise DeviceNotFound(f"no device {device_id!r}")
            return self._device(session, row)

    def configure_slot(
        self,
        owner: str,
        device_id: str,
        slot: str,
        *,
        product_id: str | None = None,
        quantity: int | None = None,
        guard: bool | None = None,
        max_price_rise_pct: int | None = None,
    ) -> Slot:
        """The owner's choices for a slot (a button's product, the guard, the price limit)."""
        self.device(device_id, owner=owner)
        with self._db.transaction() as session:
            row = session.get(SlotRow, (device_id, slot), with_for_update=True)
            if row is None:
                raise SlotNotFound(f"device {device_id} has no slot {slot!r}")
            if product_id is not None and product_id != row.product_id:
                if not products_by_id(session, [product_id]):
                    raise ProductNotFound(f"no product {product_id!r} in the catalogue")
                # A new product has no reference price yet: its first order sets it.
                row.product_id, row.reference_price_minor = product_id, None
            if quantity is not None:
                row.quantity = quantity
            if guard is not None:
                row.guard = guard
            if max_price_rise_pct is not None:
                row.max_price_rise_pct = max_price_rise_pct
            return registry.slot_of(row)

    def _device(self, session: Session, row: DeviceRow) -> Device:
        return self._devices(session, [row])[0]

    @staticmethod
    def _devices(session: Session, rows: list[DeviceRow]) -> list[Device]:
        slots: dict[str, list[SlotRow]] = {row.id: [] for row in rows}
        for slot in registry.slots_of(session, list(slots)):
            slots[slot.device_id].append(slot)
        return [registry.device_of(row, slots[row.id]) for row in rows]

    # who is calling ------------------------------------------------------------------------

    def authenticate_all(self, secrets: Sequence[str]) -> list[DeviceCaller | DomainError]:
        """The devices of many presses' secrets, with their owners' defaults, in one query."""
        hashes = [hash_secret(secret) for secret in secrets]
        with self._db.read() as session:
            known = registry.principal_rows(session, sorted(set(hashes)))
        return [
            DeviceCaller(row["device_id"], principal_from_row(row))
            if (row := known.get(h)) is not None
            else DeviceNotAuthenticated("the device secret is not valid")
            for h in hashes
        ]

    def callers(self, device_ids: Sequence[str]) -> dict[str, DeviceCaller]:
        """Devices by id with their owners' defaults (the bridge: messages are signed)."""
        with self._db.read() as session:
            rows = registry.principal_rows_by_id(session, sorted(set(device_ids)))
        return {i: DeviceCaller(i, principal_from_row(row)) for i, row in rows.items()}

    def open_orders(self, device_ids: Sequence[str]) -> dict[str, str]:
        """Each device's open order (its first slot's with one), in one read."""
        with self._db.read() as session:
            rows = session.execute(
                select(SlotRow.device_id, SlotRow.open_order_id)
                .where(SlotRow.device_id.in_(list(device_ids)), SlotRow.open_order_id.is_not(None))
                .order_by(SlotRow.device_id, SlotRow.slot)
            )
            found: dict[str, str] = {}
            for device_id, order_id in rows:
                found.setdefault(device_id, order_id)
            return found

    def signing_keys(self) -> dict[str, str]:
        """Every device's MQTT signing key (the bridge loads them, and reloads on a miss)."""
        with self._db.read() as session:
            # .all(): dict(result) would read the Result as a mapping (it has keys()).
            return dict(session.execute(select(DeviceRow.id, DeviceRow.signing_key)).all())

    # pressing -------------------------------------------------------------------------------

    def press(self, press: DevicePress) -> PressResult:
        (result,) = self.press_all([press])
        if isinstance(result, Exception):
            raise result
        return result

    def press_all(self, presses: Sequence[DevicePress]) -> list[PressResult | Exception]:
        """Many presses, of any devices, as one batch; one result per press, in order."""
        decisions = self._take(presses)
        placing = [d for d in decisions if d.result is None]
        clicks = [self._click(d) for d in placing]
        outcomes = self._orders.place_one_click_all(clicks) if clicks else []
        self._record(list(zip(placing, outcomes, strict=True)))
        results = [d.result for d in decisions if d.result is not None]
        self._hold([(d.press, d.result) for d in decisions if isinstance(d.result, Held)])
        return results

    def _take(self, presses: Sequence[DevicePress]) -> list[_Decision]:
        now = self._clock.now()
        wanted = sorted({p.device_id for p in presses})
        with self._db.read() as session:
            slots = {
                (row["device_id"], row["slot"]): dict(row)
                for row in session.execute(
                    select(SlotRow.__table__).where(SlotRow.device_id.in_(wanted))
                ).mappings()
            }
            products = products_by_id(session, sorted({s["product_id"] for s in slots.values()}))
        # Read before the slots are taken; the take itself is a compare and set, so a
        # status read a moment early can only make a press wait, never order twice.
        standing = self._orders.statuses(
            [s["open_order_id"] for s in slots.values() if s["open_order_id"]]
        )
        with self._db.transaction() as session:
            decisions = []
            for press in presses:
                slot = slots.get((press.device_id, press.slot))
                decision = _Decision(press, slot or {}, press.press_id)
                decisions.append(decision)
                if slot is None:
                    decision.result = SlotNotFound(
                        f"device {press.device_id} has no slot {press.slot!r}"
                    )
                    continue
                decision.product = products.get(slot["product_id"])
                decision.result = self._decide(session, decision, standing, now)
        return decisions

    def _decide(
        self,
        session: Session,
        decision: _Decision,
        standing: dict[str, OrderStatus],
        now: datetime,
    ) -> PressResult | Exception | None:
        """None: the press orders (the slot is taken for it). Otherwise its answer."""
        press, slot = decision.press, decision.slot
        if press.principal.customer_id is None:
            return DeviceNotClaimed(f"device {press.device_id} has no owner yet")
        if slot["open_press_id"] == press.press_id:
            if slot["open_order_id"] is None:
                return None  # a repeat while its order is placed: the key answers
            return self._earlier(press.principal, slot["open_order_id"])
        holder = slot["open_press_id"]
        if slot["guard"] and holder is not None:
            order_id = slot["open_order_id"]
            if order_id is not None and standing.get(order_id) in UNDELIVERED:
                return OnItsWay(order_id)
            if order_id is None:
                if slot["open_since"] > now - self.settings.abandoned_after:
                    return OnItsWay(None)
                decision.key_press = holder  # resume the dead press, with its own key
                return None
        if press.confirm:
            if slot["held_press_id"] != press.press_id:
                return NothingHeld(f"slot {press.slot} holds no reorder {press.press_id!r}")
        elif (held := self._price_rise(decision)) is not None:
            return held
        if slot["guard"] and not registry.take_slot(
            session, press.device_id, press.slot, press.press_id, holder, now
        ):
            return OnItsWay(None)  # another press took the slot first
        failpoint("devices.slot_taken")  # taken, not committed: a rival press waits here
        slot["open_press_id"], slot["open_order_id"], slot["open_since"] = (
            press.press_id,
            None,
            now,
        )
        return None

    def _price_rise(self, decision: _Decision) -> Held | None:
        slot, product = decision.slot, decision.product
        reference = slot["reference_price_minor"]
        if product is None or reference is None or slot["currency"] != product.price.currency:
            return None
        if product.price.minor * 100 <= reference * (100 + slot["max_price_rise_pct"]):
            return None
        return Held(product.price, Money(reference, product.price.currency))

    def _earlier(self, principal: Principal, order_id: str) -> Ordered:
        return Ordered(self._orders.get(principal, order_id), replayed=True)

    @staticmethod
    def _click(decision: _Decision) -> OneClick:
        press, slot = decision.press, decision.slot
        key = f"device:{press.device_id}:{press.slot}:{decision.key_press}"
        return OneClick(press.principal, slot["product_id"], slot["quantity"], key)

    def _record(self, placed: list[tuple[_Decision, Any]]) -> None:
        """Each placed order on its slot, with the customer's price notice; a failure frees
        the slot. Held presses are written here too, so that one transaction records all."""
        with self._db.transaction() as session:
            for decision, outcome in placed:
                if isinstance(outcome, Placement):
                    self._ordered(session, decision, outcome)
                    decision.result = Ordered(outcome.order, outcome.replayed)
                else:
                    self._failed(session, decision)
                    decision.result = outcome

    def _ordered(self, session: Session, decision: _Decision, placement: Placement) -> None:
        press, order = decision.press, placement.order
        delivery, slot = order.delivery, decision.slot
        lead, lead_from = slot["lead_days"], slot["lead_from_days"]
        if delivery is not None:  # the promise: the window it arrives in, from placing
            lead = (delivery.window_end - order.placed_at).total_seconds() / 86_400
            lead_from = (delivery.window_start - order.placed_at).total_seconds() / 86_400
        line = order.lines[0]
        session.execute(
            update(SlotRow)
            .where(SlotRow.device_id == press.device_id, SlotRow.slot == press.slot)
            .values(
                open_press_id=decision.key_press,
                open_order_id=order.id,
                open_since=order.placed_at,
                reference_price_minor=line.unit_price.minor,
                currency=line.unit_price.currency,
                held_press_id=None,
                held_price_minor=None,
                lead_days=lead,
                lead_from_days=lead_from,
            )
        )
        if not placement.replayed:
            notify(session, self._price_notice(decision, order))

    def _price_notice(self, decision: _Decision, order: Order) -> Any:
        press, product = decision.press, decision.product
        title = product.title_en or product.title_ko if product else order.lines[0].product_id
        assert press.principal.customer_id is not None
        return self._notifications.new(
            press.principal.customer_id,
            "device_order",
            f"Your device ordered {order.lines[0].quantity} × {title}",
            f"Charged {order.total} (items {order.items_total}, delivery "
            f"{order.delivery_fee}). You can cancel until "
            f"{order.cancel_until:%Y-%m-%d %H:%M} UTC.",
            link=self.settings.cancel_link.format(order_id=order.id),
            order_id=order.id,
        )

    def _failed(self, session: Session, decision: _Decision) -> None:
        press = decision.press
        if decision.slot.get("guard"):
            session.execute(
                update(SlotRow)
                .where(
                    SlotRow.device_id == press.device_id,
                    SlotRow.slot == press.slot,
                    SlotRow.open_press_id == decision.key_press,
                    SlotRow.open_order_id.is_(None),
                )
                .values(open_press_id=None, open_since=None)
            )

    def _hold(self, held: Sequence[tuple[DevicePress, Held]]) -> None:
        """Write the held reorders of a batch and tell each customer the new price (once
        per held press: a repeat of the press finds it held already)."""
        if not held:
            return
        with self._db.transaction() as session:
            for press, result in held:
                changed = session.execute(
                    update(SlotRow)
                    .where(
                        SlotRow.device_id == press.device_id,
                        SlotRow.slot == press.slot,
                        (SlotRow.held_press_id.is_(None))
                        | (SlotRow.held_press_id != press.press_id),
                    )
                    .values(held_press_id=press.press_id, held_price_minor=result.price.minor)
                )
                if changed.rowcount and press.principal.customer_id:  # type: ignore[attr-defined]
                    notify(session, self._held_notice(press, result))

    def _held_notice(self, press: DevicePress, held: Held) -> Any:
        assert press.principal.customer_id is not None
        return self._notifications.new(
            press.principal.customer_id,
            "device_order_held",
            "A reorder waits for you: the price went up",
            f"Slot {press.slot} would now cost {held.price} a unit (it was "
            f"{held.reference_price}). Nothing was charged; confirm to order.",
            link=self.settings.confirm_link,
        )

    def confirm(self, principal: Principal, device_id: str, slot: str) -> PressResult:
        """The owner accepts a held reorder's price: it is placed now."""
        device = self.device(device_id, owner=principal.customer_id)
        held = next((s for s in device.slots if s.slot == slot), None)
        if held is None:
            raise SlotNotFound(f"device {device_id} has no slot {slot!r}")
        with self._db.read() as session:
            press_id = session.scalar(
                select(SlotRow.held_press_id).where(
                    SlotRow.device_id == device_id, SlotRow.slot == slot
                )
            )
        if press_id is None:
            raise NothingHeld(f"slot {slot} of device {device_id} holds no reorder")
        return self.press(DevicePress(principal, device_id, slot, press_id, confirm=True))

    # telemetry -----------------------------------------------------------------------------

    def report_levels(self, readings: Sequence[LevelReading]) -> list[tuple[DevicePress, Any]]:
        """Apply a batch of readings (oldest first); press each slot whose reorder fell due,
        once per cycle. The bridge is these columns' one writer (see bridge.py)."""
        now = self._clock.now()
        due = self._observe(readings, now)
        if not due:
            return []
        callers = self.callers([device for device, _, _ in due])
        presses = [
            DevicePress(callers[device].principal, device, slot, f"{LEVEL_PRESS}{cycle}")
            for device, slot, cycle in due
            if device in callers
        ]
        results = self.press_all(presses)
        failpoint("devices.reorders_placed")  # placed, their cycles not yet marked
        self._mark_reordered(presses, results)
        return list(zip(presses, results, strict=True))

    def _observe(
        self, readings: Sequence[LevelReading], now: datetime
    ) -> list[tuple[str, str, int]]:
        """Move each slot's level and pace; return the slots due for a reorder this cycle
        (device, slot, cycle). One read and one batched write."""
        wanted = sorted({r.device_id for r in readings})
        with self._db.transaction() as session:
            rows = {(row.device_id, row.slot): row for row in registry.slots_of(session, wanted)}
            changed: dict[tuple[str, str], Any] = {}
            for reading in readings:
                row = rows.get((reading.device_id, reading.slot))
                if row is None:
                    continue
                before = changed.get((row.device_id, row.slot)) or registry.state_of(row)
                changed[(row.device_id, row.slot)] = observe(
                    before, Reading(reading.level, reading.at), row.capacity
                )
            due = []
            for key, state in changed.items():
                row = rows[key]
                row.level, row.level_at = state.level, state.level_at
                row.rate_per_day, row.cycle = state.rate_per_day, state.cycle
                row.use_variance, row.reading_days = state.variance_per_day, state.reading_days
                row.observed_days = state.observed_days
                if row.reordered_cycle != state.cycle and reorder_due(
                    state,
                    row.capacity,
                    (row.lead_from_days or 0.0, row.lead_days),
                    now,
                    self.settings.reorder,
                ):
                    due.append((row.device_id, row.slot, state.cycle))
        return due

    def _mark_reordered(
        self, presses: Sequence[DevicePress], results: Sequence[PressResult | Exception]
    ) -> None:
        """The cycle of each reorder that was answered is done. Marked after the press, not
        before: a bridge killed in between presses ``level-<cycle>`` again at the next
        reading, which finds the same order (the slot, and the key, hold that press id).
        A reorder that failed (out of stock, a declined card) stays unmarked: the next
        reading tries it again."""
        answered = [
            {"device_id": p.device_id, "slot": p.slot, "reordered_cycle": _cycle_of(p)}
            for p, r in zip(presses, results, strict=True)
            if not isinstance(r, Exception)
        ]
        if answered:
            with self._db.transaction() as session:
                session.execute(update(SlotRow), answered)


def _cycle_of(press: DevicePress) -> int:
    return int(press.press_id.removeprefix(LEVEL_PRESS))


def _check_slots(kind: DeviceKind, slots: Sequence[SlotSpec]) -> None:
    if not slots or len(slots) > MAX_SLOTS:
        raise InvalidDevice(f"a device has 1 to {MAX_SLOTS} slots, got {len(slots)}")
    if kind is DeviceKind.BUTTON and len(slots) != 1:
        raise InvalidDevice("a button has exactly one slot")
    names = [spec.slot for spec in slots]
    if not all(valid_name(name) for name in names):
        raise InvalidDevice("a slot's name is 1 to 64 of A-Z a-z 0-9 _ . : -")
    if len(set(names)) != len(names):
        # As with a product named twice in a return: each part is valid, together they
        # clash (409), which the request's schema cannot say.
        raise DuplicateSlot("two slots of the device have the same name")
    for spec in slots:
        if spec.quantity < 1 or not 0 < spec.capacity < 1e9:
            raise InvalidDevice(f"slot {spec.slot}: quantity ≥ 1 and a capacity above 0")
