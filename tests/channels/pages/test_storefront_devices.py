"""The account's devices page: claim with the code in the box, press a virtual button (once,
however often the form is resent), see the price notice, and the guard's answer."""

from __future__ import annotations

import re

import pytest

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.platform import Platform
from tests.channels.pages.conftest import Shop, post_form

PAGE = "/account/devices"


def test_a_shopper_claims_a_button_and_orders_with_it_once(
    shopper, shop: Shop, platform: Platform
) -> None:
    new = Devices.of(platform).register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", shop.product)])
    claimed = post_form(
        shopper, "/account/devices/claim", {"claim_code": new.claim_code}, page=PAGE
    )
    assert claimed.status_code == 303 and claimed.headers["location"].endswith("done=claimed")
    page = shopper.get(PAGE).text
    assert 'data-testid="device"' in page and new.device.id in page
    press_id = re.search(r'name="press_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    path = f"/account/devices/{new.device.id}/slots/main/press"
    first = post_form(shopper, path, {"press_id": press_id}, page=PAGE)
    resent = post_form(shopper, path, {"press_id": press_id}, page=PAGE)
    assert first.headers["location"].endswith("done=ordered")
    assert resent.headers["location"].endswith("done=ordered")
    another = post_form(shopper, path, {"press_id": "other"}, page=PAGE)
    assert another.headers["location"].endswith("done=on_its_way")
    page = shopper.get(PAGE).text
    assert page.count('data-testid="notification"') == 1
    assert 'data-testid="slot-order"' in page


def test_a_wrong_claim_code_is_said_beside_the_field(shopper) -> None:
    refused = post_form(shopper, "/account/devices/claim", {"claim_code": "claim_nope"}, page=PAGE)
    assert refused.status_code == 422
    assert "No device has this code" in refused.text


def test_another_shoppers_device_is_not_found(shopper, shop: Shop, platform: Platform) -> None:
    new = Devices.of(platform).register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", shop.product)])
    path = f"/account/devices/{new.device.id}/slots/main/press"
    assert post_form(shopper, path, {"press_id": "x"}, page=PAGE).status_code == 404


@pytest.mark.parametrize("press_id", ["nul\x00", "a/b", "x" * 65, ""])
def test_a_form_with_a_press_id_not_ours_orders_with_a_fresh_one(
    shopper, shop: Shop, platform: Platform, press_id: str
) -> None:
    new = Devices.of(platform).register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", shop.product)])
    post_form(shopper, "/account/devices/claim", {"claim_code": new.claim_code}, page=PAGE)
    path = f"/account/devices/{new.device.id}/slots/main/press"
    answer = post_form(shopper, path, {"press_id": press_id}, page=PAGE)
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=ordered")
