"""The shopper's devices: claim a Dash button or an appliance with the code in its box, see
each slot's level and when it runs out, press a virtual button, confirm a reorder held for
a price rise, turn the in-progress guard on or off; and the notifications the devices sent
(each order's price, with the link to cancel)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from baro.channels.devices import DevicePress, Devices, InvalidClaimCode, valid_name
from baro.commerce.customers import WebSession
from baro.core.errors import DomainError
from baro.core.ids import new_id

from ...deps import PlatformDep
from ...devices import Name
from ...ratelimit import FailedAttempts
from ...schemas import Id
from ..forms import Fields, FormState
from ..rendering import render
from ..security import Shopper, customer_id

router = APIRouter()

# What a redirect back here may announce (by key: the page never echoes text it is sent).
NOTICES = {
    "claimed": "Device added to your account.",
    "ordered": "Ordered. The price notice is in your notifications.",
    "on_its_way": "Already on its way: nothing was ordered.",
    "held": "The price went up: confirm below to order.",
    "saved": "Saved.",
}


def _devices(request: Request) -> Devices:
    devices: Devices = request.app.state.device_desk.devices
    return devices


def _page(
    request: Request,
    platform: PlatformDep,
    who: WebSession,
    *,
    claim_form: FormState | None = None,
    action_form: FormState | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    owner = customer_id(who)
    devices = _devices(request).devices_of(owner)
    products = {
        slot.product_id: platform.catalog.get(slot.product_id).product
        for device in devices
        for slot in device.slots
    }
    return render(
        request,
        "storefront/devices.html",
        status=status,
        devices=devices,
        products=products,
        notifications=platform.notifications.of(owner, limit=20),
        claim_form=claim_form or FormState(),
        action_form=action_form or FormState(),
        notice=notice,
        # Each press button carries a fresh id: resending the same form orders once.
        new_press_id=lambda: new_id("web"),
    )


@router.get("/account/devices")
def devices_page(request: Request, platform: PlatformDep, who: Shopper, done: str = "") -> Response:
    return _page(request, platform, who, notice=NOTICES.get(done[:20]))


@router.post("/account/devices/claim")
def claim(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    form = FormState.of(fields)
    code = fields.get("claim_code", "").strip()
    failed: FailedAttempts = request.app.state.failed_auth
    guesser = f"claim-code:{request.client.host[:64] if request.client else 'unknown'}"
    if not code or len(code) > 200:
        form.fail(request, "claim_code", "Enter the code printed in the device's box.")
    elif failed.refused(guesser) is not None:
        form.fail(request, "claim_code", "Too many wrong codes. Wait a minute and try again.")
    else:
        try:
            _devices(request).claim(customer_id(who), code)
        except InvalidClaimCode:
            failed.failed(guesser)
            form.fail(request, "claim_code", "No device has this code, or it was used already.")
        else:
            return RedirectResponse("/account/devices?done=claimed", status_code=303)
    return _page(request, platform, who, claim_form=form, status=422)


def _refused(
    request: Request, platform: PlatformDep, who: WebSession, refused: DomainError
) -> Response:
    """A press or confirmation the platform refused (out of stock, no card): said above
    the devices, in the page's language."""
    form = FormState()
    form.refused(request, refused)
    return _page(request, platform, who, action_form=form, status=409)


def _answer(status: str) -> Response:
    done = {"ordered": "ordered", "already_on_its_way": "on_its_way"}.get(status, "held")
    return RedirectResponse(f"/account/devices?done={done}", status_code=303)


@router.post("/account/devices/{device_id}/slots/{slot}/press")
def press(
    request: Request, device_id: Id, slot: Name, platform: PlatformDep, who: Shopper, fields: Fields
) -> Response:
    """A virtual button. The form carries its own press id, so a double submit (or the
    browser resending the form) orders once."""
    devices = _devices(request)
    devices.device(device_id, owner=customer_id(who))
    # The form's own id, as the page wrote it; anything else (a NUL, a slash, 65
    # characters) is not one of ours: a fresh id, as for a form sent without one.
    press_id = fields.get("press_id", "")
    if not valid_name(press_id):
        press_id = new_id("web")
    try:
        result = devices.press(DevicePress(who.principal, device_id, slot, press_id))
    except DomainError as refused:
        return _refused(request, platform, who, refused)
    return _answer(result.status)


@router.post("/account/devices/{device_id}/slots/{slot}/confirm")
def confirm(
    request: Request, device_id: Id, slot: Name, platform: PlatformDep, who: Shopper
) -> Response:
    try:
        result = _devices(request).confirm(who.principal, device_id, slot)
    except DomainError as refused:
        return _refused(request, platform, who, refused)
    return _answer(result.status)


@router.post("/account/devices/{device_id}/slots/{slot}/guard")
def guard(request: Request, device_id: Id, slot: Name, who: Shopper, fields: Fields) -> Response:
    _devices(request).configure_slot(
        customer_id(who), device_id, slot, guard=fields.get("guard") == "on"
    )
    return RedirectResponse("/account/devices?done=saved", status_code=303)
