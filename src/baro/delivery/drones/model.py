"""What a drone can carry, where it may fly and how long a sortie takes: plain Python.

The figures are Prime Air's published ones (capability 7): at most 2.3 kg with its
packaging, at most 16 km from the base, about 80 km/h at 122 m. A sortie carries one
order: take off and climb, fly straight to the drop zone, lower the parcel, fly back,
land; then the battery charges until it holds enough for the next sortie.

Coordinates are (lat, lng) in the API and the tables; shapely polygons take (x, y) =
(lng, lat), which ``zone_polygon`` converts once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from baro.core.errors import Conflict, InvalidRequest
from baro.core.geo import haversine_km

if TYPE_CHECKING:  # shapely (and numpy under it) loads when a zone is first used
    from shapely.geometry import Polygon

MAX_PAYLOAD_G = 2_300  # parcel and packaging together
MAX_DISTANCE_KM = 16.0  # base to drop zone, straight line
CRUISE_KMH = 80.0
ALTITUDE_M = 122
# Largest box the drone's bay takes (cm, sorted longest side first).
MAX_BOX_CM = (50, 40, 30)


@dataclass(frozen=True)
class FlightModel:
    """Times of one sortie and the battery it spends. Defaults: a 122 m climb at ~3 m/s
    with checks (take-off 75 s), lowering the parcel on a tether (drop 45 s), descent and
    landing (60 s); 40 minutes of flight on a full battery, 20 % kept in reserve, a full
    charge in 45 minutes (linear)."""

    cruise_kmh: float = CRUISE_KMH
    take_off: timedelta = timedelta(seconds=75)
    drop: timedelta = timedelta(seconds=45)
    landing: timedelta = timedelta(seconds=60)
    battery_minutes: float = 40.0
    reserve_share: float = 0.2
    full_charge: timedelta = timedelta(minutes=45)

    def leg(self, distance_km: float) -> timedelta:
        return timedelta(hours=distance_km / self.cruise_kmh)

    def to_drop(self, distance_km: float) -> timedelta:
        """Launch to parcel on the ground."""
        return self.take_off + self.leg(distance_km) + self.drop

    def sortie(self, distance_km: float) -> timedelta:
        """Launch to landed back at the base."""
        return self.to_drop(distance_km) + self.leg(distance_km) + self.landing

    def battery_used(self, distance_km: float) -> float:
        """Share of a full battery a sortie spends (airborne time over endurance)."""
        return self.sortie(distance_km) / timedelta(minutes=self.battery_minutes)

    def charge_time(self, from_level: float, to_level: float) -> timedelta:
        return self.full_charge * max(0.0, to_level - from_level)

    @property
    def usable(self) -> float:
        return 1.0 - self.reserve_share


FLIGHT = FlightModel()


@dataclass(frozen=True)
class Item:
    """One line as the drone sees it: the product's weight and box, and how many."""

    product_id: str
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    quantity: int = 1


def packaging_g(items: Sequence[Item]) -> int:
    """A padded box: 80 g plus 0.03 g per cm² of the items' summed surface."""
    surface = sum(
        2
        * (i.length_cm * i.width_cm + i.width_cm * i.height_cm + i.length_cm * i.height_cm)
        * i.quantity
        for i in items
    )
    return 80 + round(0.03 * surface)


def payload_g(items: Sequence[Item]) -> int:
    return sum(i.weight_g * i.quantity for i in items) + packaging_g(items)


def fits_bay(items: Sequence[Item]) -> bool:
    return all(
        all(
            s <= m
            for s, m in zip(
                sorted((i.length_cm, i.width_cm, i.height_cm), reverse=True),
                MAX_BOX_CM,
                strict=True,
            )
        )
        for i in items
    )


def max_quantity_that_fits(item: Item) -> int:
    """How many of this one item still fly (0: not even one)."""
    quantity = 0
    while quantity < 100 and payload_g([_times(item, quantity + 1)]) <= MAX_PAYLOAD_G:
        quantity += 1
    return quantity


def _times(item: Item, quantity: int) -> Item:
    return Item(
        item.product_id, item.weight_g, item.length_cm, item.width_cm, item.height_cm, quantity
    )


@dataclass(frozen=True)
class Weather:
    """What a base's weather feed says now. Grounded above 12 m/s of wind, 2 mm/h of rain,
    or under 1 km of visibility."""

    wind_ms: float = 0.0
    rain_mm_h: float = 0.0
    visibility_km: float = 10.0

    MAX_WIND_MS = 12.0
    MAX_RAIN_MM_H = 2.0
    MIN_VISIBILITY_KM = 1.0

    def grounded_because(self) -> list[str]:
        why = []
        if self.wind_ms > self.MAX_WIND_MS:
            why.append(f"wind {self.wind_ms:g} m/s over {self.MAX_WIND_MS:g}")
        if self.rain_mm_h > self.MAX_RAIN_MM_H:
            why.append(f"rain {self.rain_mm_h:g} mm/h over {self.MAX_RAIN_MM_H:g}")
        if self.visibility_km < self.MIN_VISIBILITY_KM:
            why.append(f"visibility {self.visibility_km:g} km under {self.MIN_VISIBILITY_KM:g}")
        return why


@dataclass(frozen=True)
class Base:
    id: str
    name: str
    lat: float
    lng: float
    weather: Weather = field(default_factory=Weather)


@dataclass(frozen=True)
class NoFlyZone:
    id: str
    name: str
    polygon: Polygon  # (lng, lat) vertices


def zone_polygon(vertices: Iterable[Sequence[float]]) -> Polygon:
    """A polygon from (lat, lng) vertices; refused unless it has 3+ points and is valid."""
    from shapely.geometry import Polygon

    points = [(float(lng), float(lat)) for lat, lng in vertices]
    if any(not (-90 <= y <= 90 and -180 <= x <= 180) for x, y in points):
        raise InvalidZone("a vertex is off the globe: [lat, lng] within ±90 and ±180")
    if len(points) < 3:
        raise InvalidZone("a no-fly zone needs at least three vertices")
    polygon = Polygon(points)
    if not polygon.is_valid or polygon.area == 0:
        raise InvalidZone("the no-fly zone's vertices do not make a simple polygon")
    return polygon


class InvalidZone(InvalidRequest):
    code = "invalid_drone_zone"


class DroneNotEligible(Conflict):
    """The order cannot fly: what it holds, where it goes or the no-fly zones, not the
    request, say no. ``holds`` says which of the checks did pass, and the context names
    what would (the quantity that fits, the bases in range)."""

    code = "drone_not_eligible"


class TooHeavyForDrone(DroneNotEligible):
    code = "drone_payload_too_heavy"


class TooBigForDrone(DroneNotEligible):
    code = "drone_parcel_too_big"


class OutOfDroneRange(DroneNotEligible):
    code = "drone_out_of_range"


class InNoFlyZone(DroneNotEligible):
    code = "drone_no_fly_zone"


class NoDropZone(Conflict):
    """The customer has not set a drop zone (the request is fine; their data is missing)."""

    code = "drone_no_drop_zone"


class DronesGrounded(Conflict):
    code = "drones_grounded"


@dataclass(frozen=True)
class Route:
    base: Base
    distance_km: float
    to_drop: timedelta
    sortie: timedelta


@dataclass(frozen=True)
class Eligibility:
    payload_g: int
    routes: tuple[Route, ...]  # flyable bases, nearest first

    @property
    def best(self) -> Route:
        return self.routes[0]


def check(
    items: Sequence[Item],
    drop_zone: tuple[float, float] | None,
    bases: Sequence[Base],
    no_fly: Sequence[NoFlyZone] = (),
    flight: FlightModel = FLIGHT,
) -> Eligibility:
    """The bases that can fly these items to this drop zone, or the reason none can.
    Checks in order (payload, bay size, drop zone, range, no-fly, weather); the error
    names the first that failed, lists those that held, and what would hold instead."""
    holds: list[str] = []
    weight = payload_g(items)
    if weight > MAX_PAYLOAD_G:
        fits = {i.product_id: max_quantity_that_fits(i) for i in items}
        raise TooHeavyForDrone(
            f"the parcel weighs {weight} g with packaging; a drone carries at most "
            f"{MAX_PAYLOAD_G} g",
            payload_g=weight,
            max_payload_g=MAX_PAYLOAD_G,
            max_quantity_that_flies=fits,
            holds=holds,
        )
    holds.append("payload")
    if not fits_bay(items):
        raise TooBigForDrone(
            f"an item is larger than the drone's bay ({'x'.join(map(str, MAX_BOX_CM))} cm)",
            max_box_cm=list(MAX_BOX_CM),
            holds=holds,
        )
    holds.append("size")
    if drop_zone is None:
        raise NoDropZone(
            "set a drop zone (PUT /v1/drones/drop-zone) to have parcels flown to you",
            holds=holds,
        )
    holds.append("drop_zone")
    lat, lng = drop_zone
    distances = sorted(
        ((haversine_km(b.lat, b.lng, lat, lng), b) for b in bases), key=lambda d: d[0]
    )
    in_range = [(d, b) for d, b in distances if d <= MAX_DISTANCE_KM]
    if not in_range:
        nearest = distances[0] if distances else None
        raise OutOfDroneRange(
            f"no drone base within {MAX_DISTANCE_KM:g} km of the drop zone"
            + (f"; the nearest is {nearest[0]:.1f} km away" if nearest else ""),
            max_distance_km=MAX_DISTANCE_KM,
            nearest_base_km=round(nearest[0], 2) if nearest else None,
            nearest_base_id=nearest[1].id if nearest else None,
            holds=holds,
        )
    holds.append("range")
    from shapely.geometry import LineString, Point

    target = Point(lng, lat)
    inside = [z for z in no_fly if z.polygon.intersects(target)]
    if inside:
        raise InNoFlyZone(
            f"the drop zone is inside the no-fly zone {inside[0].name!r}",
            zones=[z.id for z in inside],
            holds=holds,
        )
    clear = [
        (d, b)
        for d, b in in_range
        if not any(z.polygon.intersects(LineString([(b.lng, b.lat), (lng, lat)])) for z in no_fly)
    ]
    if not clear:
        raise InNoFlyZone(
            "every base in range would fly over a no-fly zone to reach the drop zone",
            bases_in_range=[b.id for _d, b in in_range],
            holds=holds,
        )
    holds.append("no_fly")
    flyable = [(d, b) for d, b in clear if not b.weather.grounded_because()]
    if not flyable:
        _d, b = clear[0]
        raise DronesGrounded(
            f"drones at {b.name} are grounded: {', '.join(b.weather.grounded_because())}",
            bases=[
                {"id": b.id, "grounded_because": b.weather.grounded_because()} for _d, b in clear
            ],
            holds=holds,
        )
    routes = tuple(Route(b, round(d, 3), flight.to_drop(d), flight.sortie(d)) for d, b in flyable)
    return Eligibility(weight, routes)
