"""What a promise is made of: the modes, what is asked, and what is offered or refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from baro.core.errors import Conflict, InvalidRequest
from baro.core.money import Money
from baro.delivery.drones import Base as DroneBase
from baro.delivery.drones import Item as DroneItem
from baro.delivery.drones import NoFlyZone
from baro.network import FacilityKind


class Mode(StrEnum):
    """How a parcel reaches the customer; the values are stored on orders."""

    STANDARD = "standard"
    TWO_DAY = "two_day"
    SAME_DAY = "same_day"
    DRONE = "drone"
    LOCKER = "locker"
    IN_CAR = "in_car"


# Options that change where the customer must be or what they hand over (a locker bank to
# walk to, a car a courier opens): never picked for a customer who did not name them.
ONLY_WHEN_CHOSEN = frozenset({Mode.LOCKER, Mode.IN_CAR})


class UnknownDeliveryOption(InvalidRequest):
    code = "unknown_delivery_option"


class DeliveryOptionUnavailable(Conflict):
    """The option asked for does not hold for this order; ``options`` lists those that do."""

    code = "delivery_option_unavailable"


class NoDeliveryOption(Conflict):
    """No option holds at all (an address out of every facility's range)."""

    code = "no_delivery_option"


def parse_mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        names = ", ".join(m.value for m in Mode)
        raise UnknownDeliveryOption(
            f"no delivery option {value!r}; the options are {names}",
            options=[m.value for m in Mode],
        ) from None


@dataclass(frozen=True)
class Origin:
    """A facility that can ship the whole order (it holds every line's units)."""

    facility_id: str
    kind: FacilityKind
    lat: float
    lng: float
    drone_base: bool = False  # a drone base (baro.delivery.drones) flies from here


@dataclass(frozen=True)
class Site:
    """A place the parcel may be handed over at (a locker bank)."""

    facility_id: str
    lat: float
    lng: float


@dataclass(frozen=True)
class DroneWorld:
    """What the drone rule checks beyond weight and range, with baro.delivery.drones'
    ``check``: the bases by the facility they stand at (with their weather now), the
    active no-fly zones, and the customers' drop zones. Held in the promise's per-process
    view (read with the facilities), so a placement reads none of it."""

    bases: Mapping[str, DroneBase] = field(default_factory=dict)
    no_fly: tuple[NoFlyZone, ...] = ()
    drop_zones: Mapping[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class PromiseRequest:
    """Everything a promise depends on; the engine reads nothing else (no clock, no I/O)."""

    origins: tuple[Origin, ...]
    lat: float
    lng: float
    items_weight_g: int  # the goods, without packaging
    currency: str
    now: datetime
    lockers: tuple[Site, ...] = ()
    has_vehicle: bool = False  # the customer registered a car for in-car delivery
    # The drones' view and the customer's drop zone: None (an anonymous quote) checks only
    # weight and range; given, a drone also needs a drop zone, clear air and flying weather.
    drones: DroneWorld | None = None
    drop_zone: tuple[float, float] | None = None
    # The goods with their boxes (the drone's bay, its packaging model); empty: one parcel
    # of ``items_weight_g`` whose size is not known.
    items: tuple[DroneItem, ...] = ()

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("a promise is made at a timezone-aware instant")
        if self.items_weight_g <= 0:
            raise ValueError(f"a parcel weighs something, got {self.items_weight_g} g")


@dataclass(frozen=True)
class Option:
    """One way to deliver that holds: its fee and the window the parcel arrives in."""

    mode: Mode
    fee: Money
    window_start: datetime
    window_end: datetime
    facility_id: str  # ships from here (a drone base for drones)
    via: str | None = None  # handed over here (the locker bank for lockers)

    @property
    def code(self) -> str:
        """The mode's stored name (what an order keeps)."""
        return self.mode.value

    def as_dict(self) -> dict[str, object]:
        return {
            "option": self.mode.value,
            "fee_minor": self.fee.minor,
            "currency": self.fee.currency,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


@dataclass(frozen=True)
class Refusal:
    """Why a mode does not hold: a stable code and a sentence with the numbers."""

    mode: Mode
    code: str
    reason: str


@dataclass(frozen=True)
class Quote:
    """The options that hold, fastest first, and why each other mode does not."""

    options: tuple[Option, ...]
    refused: tuple[Refusal, ...] = field(default=())

    def get(self, mode: Mode) -> Option | None:
        return next((o for o in self.options if o.mode is mode), None)

    def get_code(self, code: str | None) -> Option | None:
        """The option of the mode stored as ``code`` (None when it does not hold)."""
        return next((o for o in self.options if o.code == code), None)

    @property
    def fastest(self) -> Option | None:
        return self.options[0] if self.options else None

    @property
    def unasked(self) -> Option | None:
        """The option for a customer who named none: the fastest without a fee, and the
        fastest with one only when none is free. Nobody is charged for speed they did not
        ask for (1-Click charges the card with no checkout page to read a fee on), and
        nobody is sent to a locker or has their car opened without choosing it: those
        options only ever go to a customer who named them."""
        usable = [o for o in self.options if o.mode not in ONLY_WHEN_CHOSEN]
        choices = [o for o in usable if o.fee.minor == 0] or usable
        return choices[0] if choices else None
