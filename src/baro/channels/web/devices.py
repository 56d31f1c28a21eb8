"""Devices over HTTP: the virtual Dash SDK (an appliance with a screen lists its slots,
presses one, reads its status, with its own secret), the owner's routes (claim a device with
its code, choose a slot's product, guard and price limit, press a virtual button, confirm a
held reorder; notifications), and the operators' registration of new devices.

Presses from every connection this process serves are placed in batches: the press desk is
a ``MicroBatcher`` over ``Devices.press_all``, which places them through the spine's
batched 1-Click path."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StringConstraints

from baro.channels.devices import (
    Device,
    DeviceCaller,
    DeviceKind,
    DeviceNotAuthenticated,
    DevicePress,
    Devices,
    Held,
    InvalidClaimCode,
    OnItsWay,
    Ordered,
    PressResult,
    Slot,
    SlotSpec,
)
from baro.commerce.customers import NotAuthenticated, Notification
from baro.commerce.orders import Order
from baro.core.batching import MicroBatcher
from baro.platform import Platform

from .deps import CallerDep, PlatformDep
from .orders import order_out
from .problems import AUTHENTICATED, JSON_BODY, errors
from .ratelimit import FailedAttempts, TooManyAttempts
from .schemas import Id, Input, MoneyOut, OrderOut

router = APIRouter(tags=["devices"])

# Slot names and press ids: what fits an MQTT topic level and an idempotency key.
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[!-~]+$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f]+$")]

_device_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DeviceSecret",
    description="The device's own secret: `Authorization: Bearer dev_…`",
)


class PressDesk:
    """Presses waiting together form one batch (``Devices.press_all`` on the batcher's
    thread). Owner of the queue: the batcher, on the event loop."""

    def __init__(self, devices: Devices, *, max_batch: int, in_flight: int) -> None:
        self.devices = devices
        self._batcher: MicroBatcher[DevicePress, PressResult] = MicroBatcher(
            devices.press_all, max_batch=max_batch, in_flight=in_flight, name="device-press"
        )

    async def press(self, press: DevicePress) -> PressResult:
        return await self._batcher.submit(press)

    def close(self) -> None:
        self._batcher.close()


def install(app: FastAPI, platform: Platform) -> PressDesk:
    """The app's devices and press desk (``app.state``), and these routes."""
    settings = platform.settings
    desk = PressDesk(
        Devices.of(platform),
        max_batch=settings.order_batch_max,
        in_flight=settings.order_batches_in_flight,
    )
    app.state.device_desk = desk
    app.include_router(router)
    return desk


async def get_desk(request: Request) -> PressDesk:
    desk: PressDesk = request.app.state.device_desk
    return desk


DeskDep = Annotated[PressDesk, Depends(get_desk)]


def _failed(request: Request, what: str) -> TooManyAttempts | None:
    failed: FailedAttempts = request.app.state.failed_auth
    return failed.failed(f"{what}:{request.client.host[:64] if request.client else 'unknown'}")


async def device_secret(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_device_bearer)],
) -> str:
    if credentials is None:
        raise NotAuthenticated("send the device secret as 'Authorization: Bearer <secret>'")
    return credentials.credentials[:200]


def the_device(secret: str, desk: PressDesk, request: Request) -> DeviceCaller:
    """The device whose secret this is; unknown secrets count against the address."""
    (caller,) = desk.devices.authenticate_all([secret])
    if isinstance(caller, DeviceNotAuthenticated):
        refused = _failed(request, "device-secret")
        raise refused or caller
    assert isinstance(caller, DeviceCaller)
    return caller


# -- shapes --------------------------------------------------------------------------------


class SlotOut(BaseModel):
    slot: str
    product_id: str
    quantity: int
    capacity: float = Field(description="What a full slot holds, in the appliance's unit")
    level: float | None = Field(description="The last reading; null until one arrives")
    level_at: datetime | None
    rate_per_day: float | None = Field(description="Estimated use a day (from the readings)")
    run_out_at: datetime | None = Field(description="When it runs dry at that pace")
    guard: bool = Field(description="A press while the last order is undelivered waits")
    max_price_rise_pct: int
    reference_price: MoneyOut | None = Field(description="What the last order paid a unit")
    held_price: MoneyOut | None = Field(description="A reorder waits for you at this price")
    open_order_id: str | None = Field(description="The slot's last order, until delivered")
    lead_days: float = Field(description="How long its orders take to arrive (last promise)")

    @classmethod
    def of(cls, slot: Slot) -> SlotOut:
        money = lambda m: None if m is None else MoneyOut.of(m)  # noqa: E731
        return cls(
            slot=slot.slot,
            product_id=slot.product_id,
            quantity=slot.quantity,
            capacity=slot.capacity,
            level=slot.level,
            level_at=slot.level_at,
            rate_per_day=slot.rate_per_day,
            run_out_at=slot.run_out_at,
            guard=slot.guard,
            max_price_rise_pct=slot.max_price_rise_pct,
            reference_price=money(slot.reference_price),
            held_price=money(slot.held_price),
            open_order_id=slot.open_order_id,
            lead_days=round(slot.lead_days, 3),
        )


class DeviceOut(BaseModel):
    id: str
    kind: Literal["button", "appliance"]
    label: str
    claimed: bool
    claimed_at: datetime | None
    slots: list[SlotOut]

    @classmethod
    def of(cls, device: Device) -> DeviceOut:
        return cls(
            id=device.id,
            kind=device.kind.value,
            label=device.label,
            claimed=device.customer_id is not None,
            claimed_at=device.claimed_at,
            slots=[SlotOut.of(slot) for slot in device.slots],
        )


class PressIn(Input):
    press_id: Name = Field(
        description="The device's own id for this press (a counter, a UUID): the same id "
        "sent again never orders twice"
    )


class PressOut(BaseModel):
    status: Literal["ordered", "already_on_its_way", "held_for_confirmation"]
    replayed: bool = Field(default=False, description="The press was seen before")
    order: OrderOut | None = Field(default=None, description="The order placed (ordered)")
    order_id: str | None = Field(
        default=None, description="ordered: the order; already_on_its_way: the one coming"
    )
    price: MoneyOut | None = Field(default=None, description="held: the unit price now")
    reference_price: MoneyOut | None = Field(
        default=None, description="held: the unit price of the last order"
    )


def press_out(result: PressResult, platform: Platform, response: Response) -> PressOut:
    if isinstance(result, Ordered):
        response.status_code = 200 if result.replayed else 201
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        order: Order = result.order
        return PressOut(
            status="ordered",
            replayed=result.replayed,
            order=order_out(order, platform),
            order_id=order.id,
        )
    if isinstance(result, OnItsWay):
        return PressOut(status="already_on_its_way", order_id=result.order_id)
    assert isinstance(result, Held)
    response.status_code = 202
    return PressOut(
        status="held_for_confirmation",
        price=MoneyOut.of(result.price),
        reference_price=MoneyOut.of(result.reference_price),
    )


PRESSED = {
    200: "Already on its way (the slot's last order is undelivered: nothing ordered), or "
    "this press was seen before (its order)",
    201: "Ordered: the price notice went to the owner, with the link to cancel",
    202: "Held: the price rose past the slot's limit; the owner is asked to confirm",
}
PRESS_ERRORS = errors(
    *AUTHENTICATED,
    *JSON_BODY,
    402,
    404,
    409,
    502,
    described={
        404: "No such device or slot, or not yours; or the product is no longer sold",
        409: "Out of stock, no default card or address, or the device has no owner yet",
    },
)


# -- the device itself (the virtual Dash SDK) ----------------------------------------------


@router.get("/v1/device", responses=errors(*AUTHENTICATED))
def my_slots(
    request: Request, desk: DeskDep, secret: Annotated[str, Depends(device_secret)]
) -> DeviceOut:
    """The calling device, with its slots (what the screen shows)."""
    caller = the_device(secret, desk, request)
    return DeviceOut.of(desk.devices.device(caller.device_id, owner=None))


@router.post(
    "/v1/device/slots/{slot}/press",
    status_code=201,
    responses={s: {"description": d, "model": PressOut} for s, d in PRESSED.items()} | PRESS_ERRORS,
)
async def device_press(
    slot: Name,
    body: PressIn,
    request: Request,
    desk: DeskDep,
    platform: PlatformDep,
    response: Response,
    secret: Annotated[str, Depends(device_secret)],
) -> PressOut:
    """A press on the device (a Dash button, a button on the appliance's screen)."""
    caller = await anyio.to_thread.run_sync(lambda: the_device(secret, desk, request))
    press = DevicePress(caller.principal, caller.device_id, slot, body.press_id)
    return press_out(await desk.press(press), platform, response)


# -- the owner ------------------------------------------------------------------------------


class ClaimIn(Input):
    claim_code: Secret = Field(description="The code printed in the device's box; works once")


class SlotSettingsIn(Input):
    product_id: Id | None = Field(default=None, description="A button's product")
    quantity: int | None = Field(default=None, ge=1, le=100)
    guard: bool | None = Field(default=None, description="Wait while the last is undelivered")
    max_price_rise_pct: int | None = Field(default=None, ge=0, le=1000)


NOT_YOURS = {404: "No such device or slot, or not yours"}


@router.post(
    "/v1/devices/claim",
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        described={
            404: "No device has this claim code (wrong, or already used)",
            429: "Too many wrong claim codes from this address: wait `Retry-After` seconds",
        },
    ),
)
def claim_device(body: ClaimIn, who: CallerDep, desk: DeskDep, request: Request) -> DeviceOut:
    """Become the owner of a new device with the code in its box."""
    customer_id = who.customer_id()
    failed: FailedAttempts = request.app.state.failed_auth
    guesser = f"claim-code:{who.client}"
    if (refused := failed.refused(guesser)) is not None:
        raise refused
    try:
        return DeviceOut.of(desk.devices.claim(customer_id, body.claim_code))
    except InvalidClaimCode as error:
        if failed.failed(guesser) is not None:
            raise TooManyAttempts("too many wrong claim codes; wait a minute") from error
        raise


@router.get("/v1/devices", responses=errors(*AUTHENTICATED))
def list_devices(who: CallerDep, desk: DeskDep) -> list[DeviceOut]:
    """Your devices and their slots."""
    return [DeviceOut.of(device) for device in desk.devices.devices_of(who.customer_id())]


@router.get("/v1/devices/{device_id}", responses=errors(*AUTHENTICATED, 404, 422))
def get_device(device_id: Id, who: CallerDep, desk: DeskDep) -> DeviceOut:
    return DeviceOut.of(desk.devices.device(device_id, owner=who.customer_id()))


@router.patch(
    "/v1/devices/{device_id}/slots/{slot}",
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        described={404: "No such device or slot, or not yours; or no such product"},
    ),
)
def configure_slot(
    device_id: Id, slot: Name, body: SlotSettingsIn, who: CallerDep, desk: DeskDep
) -> SlotOut:
    """Choose a slot's product, quantity, guard and price limit. Safe to repeat."""
    return SlotOut.of(
        desk.devices.configure_slot(
            who.customer_id(),
            device_id,
            slot,
            product_id=body.product_id,
            quantity=body.quantity,
            guard=body.guard,
            max_price_rise_pct=body.max_price_rise_pct,
        )
    )


@router.post(
    "/v1/devices/{device_id}/slots/{slot}/press",
    status_code=201,
    responses={s: {"description": d, "model": PressOut} for s, d in PRESSED.items()} | PRESS_ERRORS,
)
async def owner_press(
    device_id: Id,
    slot: Name,
    body: PressIn,
    who: CallerDep,
    desk: DeskDep,
    platform: PlatformDep,
    request: Request,
    response: Response,
) -> PressOut:
    """A virtual button: press a slot of your device from the shop or an app."""

    def check() -> DevicePress:
        principal = who.customer()
        desk.devices.device(device_id, owner=principal.customer_id)
        return DevicePress(principal, device_id, slot, body.press_id)

    press = await anyio.to_thread.run_sync(check)
    return press_out(await desk.press(press), platform, response)


@router.post(
    "/v1/devices/{device_id}/slots/{slot}/confirm",
    status_code=201,
    responses={201: {"description": PRESSED[201], "model": PressOut}}
    | errors(
        *AUTHENTICATED,
        402,
        404,
        409,
        422,
        502,
        described=NOT_YOURS | {409: "Nothing is held on this slot, or out of stock"},
    ),
)
def confirm_held(
    device_id: Id,
    slot: Name,
    who: CallerDep,
    desk: DeskDep,
    platform: PlatformDep,
    response: Response,
) -> PressOut:
    """Accept the new price of a held reorder: it is placed now. Safe to repeat (the second
    call finds it ordered)."""
    return press_out(desk.devices.confirm(who.customer(), device_id, slot), platform, response)


class NotificationOut(BaseModel):
    id: str
    kind: str
    subject: str
    body: str
    link: str | None
    order_id: str | None
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, note: Notification) -> NotificationOut:
        return cls(
            id=note.id,
            kind=note.kind,
            subject=note.subject,
            body=note.body,
            link=note.link,
            order_id=note.order_id,
            created_at=note.created_at,
            read=note.read_at is not None,
        )


@router.get("/v1/notifications", tags=["customers"], responses=errors(*AUTHENTICATED))
def notifications(who: CallerDep, platform: PlatformDep) -> list[NotificationOut]:
    """What the platform did for you (a device's orders and held reorders), newest first."""
    return [NotificationOut.of(n) for n in platform.notifications.of(who.customer_id())]


# -- operators ------------------------------------------------------------------------------


class SlotSpecIn(Input):
    slot: Name
    product_id: Id
    quantity: int = Field(default=1, ge=1, le=100)
    capacity: float = Field(default=1.0, gt=0, le=1e6)


class ButtonIn(Input):
    kind: Literal["button"]
    label: Label
    slots: list[SlotSpecIn] = Field(min_length=1, max_length=1, description="Exactly one")


class ApplianceIn(Input):
    kind: Literal["appliance"]
    label: Label
    slots: list[SlotSpecIn] = Field(min_length=1, max_length=16, description="Named apart")


# The kind decides how many slots: said in the schema (a discriminated union), so a body
# the schema accepts is never refused for its shape.
RegisterIn = Annotated[ButtonIn | ApplianceIn, Field(discriminator="kind")]


class RegisteredOut(BaseModel):
    device: DeviceOut
    secret: str = Field(description="The device's credential: shown once, stored hashed")
    claim_code: str = Field(description="For the box: the customer claims with it, once")


@router.post(
    "/v1/admin/devices",
    status_code=201,
    tags=["admin"],
    responses=errors(
        *AUTHENTICATED,
        *JSON_BODY,
        404,
        409,
        described={
            404: "A slot names a product the catalogue does not have",
            409: "Two slots have the same name (`duplicate_slot`)",
        },
    ),
)
def register_device(body: RegisterIn, who: CallerDep, desk: DeskDep) -> RegisteredOut:
    """A new device from its maker: its secret and claim code are returned once."""
    who.admin()
    registered = desk.devices.register(
        DeviceKind(body.kind),
        body.label,
        [SlotSpec(s.slot, s.product_id, s.quantity, s.capacity) for s in body.slots],
    )
    return RegisteredOut(
        device=DeviceOut.of(registered.device),
        secret=registered.secret,
        claim_code=registered.claim_code,
    )
