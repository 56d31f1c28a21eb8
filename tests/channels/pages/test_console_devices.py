"""The console's Devices section: every device with its owner and each slot's level, pace,
run-out and open order; a customer's key cannot read it."""

from __future__ import annotations

from datetime import timedelta

from baro.channels.devices import DeviceKind, Devices, LevelReading, SlotSpec
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api


def test_operators_see_each_slots_level_and_open_order(platform: Platform) -> None:
    item = add_product(platform, sku="FILTER", title="Water filter")
    stock(platform, add_facility(platform, "FC SP", SAO_PAULO), item.id, 10)
    devices = Devices.of(platform)
    fridge = devices.register(DeviceKind.APPLIANCE, "Fridge", [SlotSpec("filter", item.id)])
    devices.register(DeviceKind.BUTTON, "Spare button", [SlotSpec("main", item.id)])
    owner = shopper(platform)
    devices.claim(owner.customer_id, fridge.claim_code)
    now = platform.clock.now()
    # 10 % a day, half left: dry in 5 days, which is the lead time and margin: reordered.
    ((_press, placed),) = devices.report_levels(
        [
            LevelReading(fridge.device.id, "filter", 0.9, now - timedelta(days=4)),
            LevelReading(fridge.device.id, "filter", 0.5, now),
        ]
    )
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/devices")
    assert page.status_code == 200
    assert page.text.count('data-testid="device-slot"') == 2
    assert "50%" in page.text and "10.0%" in page.text  # level, and 10 % of it a day
    assert placed.order.id in page.text
    assert owner.customer_id in page.text


def test_the_devices_page_is_for_operators(platform: Platform) -> None:
    with api(platform) as client:
        response = client.get("/ops/devices", follow_redirects=False)
    assert response.status_code in (303, 307) and "/ops/signin" in response.headers["location"]
