"""Devices that order for a customer: Dash buttons (one slot: a product and a quantity) and
appliances (a slot per consumable, with a capacity and a level). Each device has its own
secret (stored hashed) and is claimed by a customer with a one-time claim code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from baro.commerce.orders import Order
from baro.core.errors import Conflict, InvalidRequest, NotFound
from baro.core.money import Money


class DeviceKind(StrEnum):
    BUTTON = "button"
    APPLIANCE = "appliance"


@dataclass(frozen=True)
class SlotSpec:
    """A slot as its maker registers it: which consumable, how many per order, how much a
    full one holds (in the appliance's own unit: doses, pages, litres)."""

    slot: str
    product_id: str
    quantity: int = 1
    capacity: float = 1.0


@dataclass(frozen=True)
class Slot:
    device_id: str
    slot: str
    product_id: str
    quantity: int
    capacity: float
    level: float | None  # the last reading; None until the appliance reports
    level_at: datetime | None
    rate_per_day: float | None  # estimated consumption, in the slot's unit a day
    run_out_at: datetime | None  # when the slot runs dry at that rate
    guard: bool  # answer "already on its way" while the last order is undelivered
    max_price_rise_pct: int  # a price above the reference by more holds the order
    reference_price: Money | None  # what the customer last paid for it (or first saw)
    open_order_id: str | None  # the last order from this slot, until it is delivered
    held_price: Money | None  # a reorder waiting for the customer to confirm this price
    lead_days: float  # how long its orders take to arrive (the last promise)
    cycle: int  # refills seen: telemetry reorders once per cycle
    reordered_cycle: int | None


@dataclass(frozen=True)
class Device:
    id: str
    kind: DeviceKind
    label: str
    customer_id: str | None
    created_at: datetime
    claimed_at: datetime | None
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Registered:
    """A new device and the two secrets shown once: its own credential (flashed into it)
    and the claim code printed in its box."""

    device: Device
    secret: str
    claim_code: str


@dataclass(frozen=True)
class Ordered:
    order: Order
    replayed: bool
    status: str = "ordered"


@dataclass(frozen=True)
class OnItsWay:
    """The slot's last order is not delivered yet: nothing is ordered."""

    order_id: str | None  # None: its order is being placed this moment
    status: str = "already_on_its_way"


@dataclass(frozen=True)
class Held:
    """The price rose past the slot's limit: the reorder waits for the customer."""

    price: Money
    reference_price: Money
    status: str = "held_for_confirmation"


PressResult = Ordered | OnItsWay | Held


class DeviceNotFound(NotFound):
    code = "device_not_found"


class SlotNotFound(NotFound):
    code = "slot_not_found"


class DeviceNotAuthenticated(InvalidRequest):
    code = "device_not_authenticated"


class InvalidClaimCode(NotFound):
    """Unknown, or already used: either way the same answer (codes are guessable only by
    trying, and failed tries are rate-limited)."""

    code = "invalid_claim_code"


class DeviceNotClaimed(Conflict):
    code = "device_not_claimed"


class NothingHeld(Conflict):
    code = "nothing_held"


class InvalidDevice(InvalidRequest):
    code = "invalid_device"


class DuplicateSlot(Conflict):
    code = "duplicate_slot"
