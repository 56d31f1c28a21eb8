"""The devices service on the embedded database: claim, press exactly once, the in-progress
guard, the price notice and hold, and reorders from telemetry once per cycle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.channels.devices import (
    DeviceKind,
    DevicePress,
    Devices,
    Held,
    InvalidClaimCode,
    InvalidDevice,
    LevelReading,
    NothingHeld,
    OnItsWay,
    Ordered,
    SlotSpec,
)
from baro.commerce.catalog import ProductNotFound
from baro.commerce.orders import OrderStatus
from baro.core.clock import SimulatedClock
from baro.core.failpoints import armed
from baro.delivery.promise import Item
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock


@pytest.fixture
def devices(platform: Platform) -> Devices:
    return Devices.of(platform)


@pytest.fixture
def detergent(platform: Platform) -> str:
    item = add_product(platform, sku="DET-1", price_minor=2500, title="Detergent 1 L")
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, 50)
    return item.id


def claimed(platform: Platform, devices: Devices, product_id: str, kind=DeviceKind.BUTTON):
    buyer = shopper(platform)
    new = devices.register(kind, "Dash", [SlotSpec("main", product_id, 1, 1.0)])
    devices.claim(buyer.customer_id, new.claim_code)
    return buyer, new.device.id


def test_a_press_orders_once_however_often_it_is_repeated(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    buyer, device = claimed(platform, devices, detergent)
    results = [
        devices.press(DevicePress(buyer.principal, device, "main", "p-1")) for _ in range(10)
    ]
    assert all(isinstance(r, Ordered) for r in results)
    assert len({r.order.id for r in results}) == 1  # type: ignore[union-attr]
    assert [r.replayed for r in results] == [False] + [True] * 9  # type: ignore[union-attr]
    assert len(platform.orders.list(buyer.principal)) == 1
    (notice,) = platform.notifications.of(buyer.customer_id)
    assert "25.00 BRL" in notice.body and notice.order_id == results[0].order.id  # type: ignore[union-attr]


def test_a_press_while_the_last_order_is_undelivered_is_already_on_its_way(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    buyer, device = claimed(platform, devices, detergent)
    first = devices.press(DevicePress(buyer.principal, device, "main", "p-1"))
    assert isinstance(first, Ordered)
    again = devices.press(DevicePress(buyer.principal, device, "main", "p-2"))
    assert again == OnItsWay(first.order.id)
    platform.orders.advance(
        first.order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    after = devices.press(DevicePress(buyer.principal, device, "main", "p-3"))
    assert isinstance(after, Ordered) and after.order.id != first.order.id


def test_without_the_guard_every_new_press_orders(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    buyer, device = claimed(platform, devices, detergent)
    devices.configure_slot(buyer.customer_id, device, "main", guard=False)
    ids = {
        devices.press(DevicePress(buyer.principal, device, "main", f"p-{n}")).order.id  # type: ignore[union-attr]
        for n in range(3)
    }
    assert len(ids) == 3


def test_two_presses_in_one_batch_order_once(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    buyer, device = claimed(platform, devices, detergent)
    one, two = devices.press_all(
        [
            DevicePress(buyer.principal, device, "main", "a"),
            DevicePress(buyer.principal, device, "main", "b"),
        ]
    )
    assert isinstance(one, Ordered) and two == OnItsWay(None)


def test_a_price_rise_past_the_limit_holds_the_reorder_until_confirmed(
    platform: Platform, devices: Devices, detergent: str, clock: SimulatedClock
) -> None:
    buyer, device = claimed(platform, devices, detergent)
    devices.configure_slot(buyer.customer_id, device, "main", guard=False)
    first = devices.press(DevicePress(buyer.principal, device, "main", "p-1"))
    assert isinstance(first, Ordered)
    platform.catalog.set_price(detergent, first.order.lines[0].unit_price * 2)
    held = devices.press(DevicePress(buyer.principal, device, "main", "p-2"))
    assert isinstance(held, Held) and held.price.minor == 5000
    assert devices.press(DevicePress(buyer.principal, device, "main", "p-2")) == held
    assert len(platform.orders.list(buyer.principal)) == 1
    kinds = [n.kind for n in platform.notifications.of(buyer.customer_id)]
    assert kinds == ["device_order_held", "device_order"]  # once, newest first
    confirmed = devices.confirm(buyer.principal, device, "main")
    assert isinstance(confirmed, Ordered)
    assert confirmed.order.lines[0].unit_price.minor == 5000
    with pytest.raises(NothingHeld):
        devices.confirm(buyer.principal, device, "main")


def test_a_claim_code_works_once_and_only_for_its_device(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    new = devices.register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", detergent)])
    first, second = shopper(platform, "Ana"), shopper(platform, "Bia")
    devices.claim(first.customer_id, new.claim_code)
    with pytest.raises(InvalidClaimCode):
        devices.claim(second.customer_id, new.claim_code)
    assert [d.id for d in devices.devices_of(first.customer_id)] == [new.device.id]
    assert devices.devices_of(second.customer_id) == []


def test_a_button_has_one_slot_of_a_known_product(platform: Platform, devices: Devices) -> None:
    with pytest.raises(InvalidDevice):
        devices.register(DeviceKind.BUTTON, "Dash", [])
    with pytest.raises(ProductNotFound):
        devices.register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", "prd_unknown")])


def test_a_device_secret_names_its_owner(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    new = devices.register(DeviceKind.BUTTON, "Dash", [SlotSpec("main", detergent)])
    buyer = shopper(platform)
    devices.claim(buyer.customer_id, new.claim_code)
    caller, wrong = devices.authenticate_all([new.secret, "dev_wrong"])
    assert caller.principal.customer_id == buyer.customer_id  # type: ignore[union-attr]
    assert caller.principal.address is not None  # type: ignore[union-attr]
    assert isinstance(wrong, Exception)


def test_telemetry_below_the_threshold_reorders_exactly_once_a_cycle(
    platform: Platform, devices: Devices, detergent: str, clock: SimulatedClock
) -> None:
    buyer, device = claimed(platform, devices, detergent, DeviceKind.APPLIANCE)
    at = clock.now()
    for level in (0.9, 0.15, 0.15, 0.1, 0.05):  # below 20 % of capacity from the second
        devices.report_levels([LevelReading(device, "main", level, at)])
        at += timedelta(hours=1)
        clock.advance(timedelta(hours=1))
    assert len(platform.orders.list(buyer.principal)) == 1
    (order,) = platform.orders.list(buyer.principal)
    platform.orders.advance(
        order.id,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    )
    for level in (1.0, 0.1):  # refilled: a new cycle, and it runs low again
        devices.report_levels([LevelReading(device, "main", level, at)])
        at += timedelta(hours=1)
    assert len(platform.orders.list(buyer.principal)) == 2


def test_the_pace_of_use_brings_the_reorder_forward_by_the_lead_time(
    platform: Platform, devices: Devices, detergent: str, clock: SimulatedClock
) -> None:
    buyer, device = claimed(platform, devices, detergent, DeviceKind.APPLIANCE)
    at = clock.now()
    level = 1.0
    ordered = None
    for _ in range(30):  # 5 % a day: runs dry in 20 days
        devices.report_levels([LevelReading(device, "main", level, at)])
        if platform.orders.list(buyer.principal) and ordered is None:
            (ordered,) = platform.orders.list(buyer.principal)
            days_left = level / 0.05
        level -= 0.05
        at += timedelta(days=1)
        clock.advance(timedelta(days=1))
    assert ordered is not None and ordered.delivery is not None
    lead = (ordered.delivery.window_end - ordered.placed_at).total_seconds() / 86_400
    # Ordered in time to arrive before the slot runs dry, with a margin (at least a day),
    # but not weeks early.
    assert lead + 1 <= days_left <= lead + 8


def test_a_claimed_slot_aims_by_the_promise_its_owner_would_get(
    platform: Platform, devices: Devices, detergent: str
) -> None:
    new = devices.register(DeviceKind.APPLIANCE, "Washer", [SlotSpec("main", detergent)])
    (unclaimed,) = new.device.slots
    assert unclaimed.lead_days == devices.settings.lead_days  # a guess, before an owner
    buyer = shopper(platform)
    (slot,) = devices.claim(buyer.customer_id, new.claim_code).slots
    quoted = platform.promises.quote(
        [Item(detergent, 1, 500)],
        lat=SAO_PAULO[0],
        lng=SAO_PAULO[1],
        currency="BRL",
        now=platform.clock.now(),
    ).unasked
    assert quoted is not None
    expected = (quoted.window_end - platform.clock.now()).total_seconds() / 86_400
    assert slot.lead_days == pytest.approx(expected)


def test_a_bridge_killed_after_a_reorder_does_not_reorder_again(
    platform: Platform, devices: Devices, detergent: str, clock: SimulatedClock
) -> None:
    buyer, device = claimed(platform, devices, detergent, DeviceKind.APPLIANCE)

    def killed() -> None:
        raise RuntimeError("the bridge was killed")

    with armed("devices.reorders_placed", killed), pytest.raises(RuntimeError):
        devices.report_levels([LevelReading(device, "main", 0.1, clock.now())])
    clock.advance(timedelta(hours=1))
    again = devices.report_levels([LevelReading(device, "main", 0.09, clock.now())])
    clock.advance(timedelta(hours=1))
    after = devices.report_levels([LevelReading(device, "main", 0.08, clock.now())])

    (order,) = platform.orders.list(buyer.principal)
    ((_, found),) = again  # the next reading pressed the same cycle: it found the order
    assert isinstance(found, Ordered) and found.order.id == order.id and found.replayed
    assert after == []  # and marked the cycle done
