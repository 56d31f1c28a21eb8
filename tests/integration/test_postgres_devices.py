"""Two presses of one slot at once on real PostgreSQL: one orders, the other is told the
first is on its way (the slot is taken by compare and set, whatever both presses read)."""

from __future__ import annotations

import pytest

from baro.channels.devices import DeviceKind, DevicePress, Devices, OnItsWay, Ordered, SlotSpec
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres


def test_a_rival_press_waits_on_the_taken_slot_then_hears_on_its_way(
    platform: Platform, pg_url: str
) -> None:
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 10)
    devices = Devices.of(platform)
    new = devices.register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", item.id)])
    owner = shopper(platform)
    devices.claim(owner.customer_id, new.claim_code)
    press = DevicePress(owner.principal, new.device.id, "main", "first")
    rival = Rival(
        lambda: devices.press(DevicePress(owner.principal, new.device.id, "main", "second"))
    )
    states: list[str] = []

    def start_rival() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    # The first press has taken the slot and not committed: the rival, which read the slot
    # free too, waits on its row, then finds it taken.
    with armed("devices.slot_taken", start_rival):
        first = devices.press(press)
    second = rival.join()

    assert states == ["blocked"]
    assert isinstance(first, Ordered)
    assert second == OnItsWay(None)
    assert len(platform.orders.list(owner.principal)) == 1
