"""Drones: operators see and run the bases and fleets; customers set a drop zone and ask
whether an item can fly to them (a clear refusal names what holds and what would)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, Strict, StringConstraints

from baro.delivery.drones import BaseView, Sortie, Weather
from baro.jobs import drone_items, send_by_drone

from .deps import CallerDep, PlatformDep
from .problems import AUTHENTICATED, JSON_BODY, errors
from .schemas import NO_CONTROL_CHARACTERS, Id, Input

router = APIRouter(tags=["drones"])

Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lng = Annotated[float, Field(ge=-180, le=180)]
# A [lat, lng] pair, bounded in the document: JSON has no tuples, so the pair alone is read
# laxly (strict mode refuses a list as a tuple); its numbers stay strict.
Vertex = Annotated[tuple[Annotated[Lat, Strict()], Annotated[Lng, Strict()]], Strict(False)]
NOT_ELIGIBLE = {
    409: "It cannot fly: too heavy (with packaging) or too big for a drone, out of range, or "
    "in a no-fly zone (`holds` lists the checks that passed, and the problem what would "
    "fly); or no drop zone is set, or the drones that could fly are grounded by the weather",
}


class DroneOut(BaseModel):
    id: str
    free_at: datetime = Field(description="When it is back and free (UTC)")
    battery: float = Field(description="Share of a full charge at free_at")


class BaseOut(BaseModel):
    id: str
    facility_id: str
    name: str
    lat: float
    lng: float
    wind_ms: float
    rain_mm_h: float
    visibility_km: float
    grounded_because: list[str]
    drones: list[DroneOut]

    @classmethod
    def of(cls, base: BaseView) -> BaseOut:
        return cls(
            id=base.id,
            facility_id=base.facility_id,
            name=base.name,
            lat=base.lat,
            lng=base.lng,
            wind_ms=base.weather.wind_ms,
            rain_mm_h=base.weather.rain_mm_h,
            visibility_km=base.weather.visibility_km,
            grounded_because=list(base.grounded_because),
            drones=[DroneOut(id=d.id, free_at=d.free_at, battery=d.battery) for d in base.drones],
        )


class BaseIn(Input):
    facility_id: Id
    drones: int = Field(ge=1, le=200)


class WeatherIn(Input):
    wind_ms: float = Field(ge=0, le=100)
    rain_mm_h: float = Field(ge=0, le=500)
    visibility_km: float = Field(ge=0, le=100)


class ZoneIn(Input):
    name: Name
    vertices: list[Vertex] = Field(
        min_length=3,
        max_length=500,
        description="[lat, lng] pairs that make a simple polygon with an area (edges that do "
        "not cross; not all on one line)",
    )


class ZoneOut(BaseModel):
    id: str
    name: str


class DropZoneIn(Input):
    lat: Lat
    lng: Lng


class DropZoneOut(BaseModel):
    lat: float
    lng: float


class EligibleOut(BaseModel):
    eligible: bool
    base_id: str
    base_name: str
    distance_km: float
    payload_g: int = Field(description="The parcel's weight with its packaging")
    flight_to_drop_minutes: float


class SortieOut(BaseModel):
    order_id: str
    drone_id: str
    base_id: str
    launch_at: datetime
    drop_at: datetime
    return_at: datetime

    @classmethod
    def of(cls, sortie: Sortie) -> SortieOut:
        return cls(
            order_id=sortie.order_id,
            drone_id=sortie.drone_id,
            base_id=sortie.base_id,
            launch_at=sortie.launch_at,
            drop_at=sortie.drop_at,
            return_at=sortie.return_at,
        )


# operators ----------------------------------------------------------------------------


@router.get("/v1/admin/drones/bases", responses=errors(*AUTHENTICATED))
def bases(who: CallerDep, platform: PlatformDep) -> list[BaseOut]:
    """Every drone base with its fleet: when each drone is free, and its battery then."""
    who.admin()
    return [BaseOut.of(b) for b in platform.drones.bases()]


@router.post(
    "/v1/admin/drones/bases",
    status_code=201,
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described={404: "No such facility", 409: "That facility already has a base"},
    ),
)
def open_base(body: BaseIn, who: CallerDep, platform: PlatformDep) -> BaseOut:
    """Open a drone base at a facility with a fleet of fully charged drones."""
    who.admin()
    return BaseOut.of(platform.drones.open_base(body.facility_id, body.drones))


@router.put(
    "/v1/admin/drones/bases/{base_id}/weather",
    responses=errors(*AUTHENTICATED, *JSON_BODY, 404, described={404: "No such base"}),
)
def weather(base_id: Id, body: WeatherIn, who: CallerDep, platform: PlatformDep) -> BaseOut:
    """The weather feed at a base; over the limits its drones are grounded."""
    who.admin()
    now = Weather(body.wind_ms, body.rain_mm_h, body.visibility_km)
    return BaseOut.of(platform.drones.set_weather(base_id, now))


@router.post(
    "/v1/admin/drones/no-fly-zones",
    status_code=201,
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        described={
            422: "Invalid input, or vertices that do not make a simple polygon (a check "
            "JSON Schema cannot state)"
        },
    ),
)
def no_fly_zone(body: ZoneIn, who: CallerDep, platform: PlatformDep) -> ZoneOut:
    """A polygon drones must neither drop in nor fly over ([lat, lng] vertices)."""
    who.admin()
    zone = platform.drones.add_no_fly_zone(body.name, body.vertices)
    return ZoneOut(id=zone.id, name=zone.name)


@router.post(
    "/v1/admin/orders/{order_id}/drone",
    status_code=201,
    responses=errors(*AUTHENTICATED, 404, 422, described={404: "No such order"} | NOT_ELIGIBLE),
)
def dispatch(order_id: Id, who: CallerDep, platform: PlatformDep) -> SortieOut:
    """Queue an order for a drone (FIFO, the drone ready soonest). Safe to repeat: an order
    has one sortie."""
    who.admin()
    return SortieOut.of(send_by_drone(platform, platform.order_book.get(order_id)))


@router.post("/v1/admin/drones/advance", responses=errors(*AUTHENTICATED))
def advance(who: CallerDep, platform: PlatformDep) -> list[str]:
    """Record every sortie step whose time has come (launched, dropped, returned)."""
    who.admin()
    return platform.drones.advance()


# customers ----------------------------------------------------------------------------


@router.put(
    "/v1/drones/drop-zone",
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        409,
        described={
            409: "Not within 500 m of your default address (`address`, `max_km`), or you have none"
        },
    ),
)
def set_drop_zone(body: DropZoneIn, who: CallerDep, platform: PlatformDep) -> DropZoneOut:
    """Where a drone lowers your parcels: within 500 m of your default address."""
    principal = who.customer()
    assert principal.customer_id is not None
    lat, lng = platform.drones.set_drop_zone(
        principal.customer_id, body.lat, body.lng, address=principal.home
    )
    return DropZoneOut(lat=lat, lng=lng)


@router.get(
    "/v1/drones/eligibility", responses=errors(*AUTHENTICATED, 404, 422, described=NOT_ELIGIBLE)
)
def eligibility(
    who: CallerDep,
    platform: PlatformDep,
    product_id: Annotated[Id, Query()],
    quantity: Annotated[int, Query(ge=1, le=100)] = 1,
) -> EligibleOut:
    """Can this item fly to you? Yes with the base and the flight, or a problem that says
    which check failed, which held, and what would fly."""
    customer_id = who.customer_id()
    found = platform.drones.check(customer_id, drone_items(platform, [(product_id, quantity)]))
    best = found.best
    return EligibleOut(
        eligible=True,
        base_id=best.base.id,
        base_name=best.base.name,
        distance_km=best.distance_km,
        payload_g=found.payload_g,
        flight_to_drop_minutes=round(best.to_drop.total_seconds() / 60, 1),
    )
