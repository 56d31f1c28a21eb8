"""The bridge on a real MQTT broker: presses and telemetry from a device over the network.

Without a broker these tests skip, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import aiomqtt
import pytest
from sqlalchemy import text

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.channels.devices.bridge import Bridge, Broker
from baro.channels.devices.protocol import (
    ORDER_ANSWER,
    command_topic,
    press_payload,
    press_topic,
    read_command,
    signing_key,
    telemetry_payload,
    telemetry_topic,
)
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

pytestmark = pytest.mark.mqtt

BROKER = Broker.parse(os.environ.get("BARO_TEST_MQTT_URL", "mqtt://127.0.0.1:1883"))


def require_mqtt() -> None:
    """Skip the test when no broker answers; fail it instead under CI."""
    try:
        socket.create_connection((BROKER.host, BROKER.port), timeout=3).close()
    except OSError as error:
        message = f"MQTT broker at {BROKER} is not reachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (set BARO_TEST_MQTT_URL)")


@pytest.fixture
def world(settings: Settings, clock: SimulatedClock) -> Iterator[Platform]:
    require_mqtt()
    platform = Platform.start(settings, clock=clock)
    yield platform
    platform.close()


class Device:
    """A device on the broker: publishes signed messages, reads its signed answers."""

    def __init__(self, client: aiomqtt.Client, device_id: str, key: str, clock) -> None:
        self.client, self.id, self.key, self.clock = client, device_id, key, clock

    async def press(self, press_id: str, *, at=None, key: str | None = None) -> None:
        payload = press_payload(key or self.key, self.id, "main", press_id, at or self.clock.now())
        await self.client.publish(press_topic(self.id, "main"), payload, qos=1)

    async def level(self, message_id: str, level: float, at) -> None:
        payload = telemetry_payload(self.key, self.id, "main", message_id, level, at)
        await self.client.publish(telemetry_topic(self.id, "main"), payload, qos=1)

    async def answer(self, timeout: float = 5) -> dict[str, object]:
        async with asyncio.timeout(timeout):
            message = await anext(self.client.messages)
        body = read_command(self.key, message.topic.value, message.payload)  # type: ignore[arg-type]
        assert body is not None, "the answer's signature does not hold"
        return body


Scenario = Callable[[Bridge, Device], Awaitable[None]]


def run(platform: Platform, kind: DeviceKind, scenario: Scenario) -> tuple[Bridge, str]:
    """A claimed device of one slot, a bridge on the broker, and the scenario between them."""
    item = add_product(platform, sku="DET-1", price_minor=2500, title="Detergent")
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 50)
    devices = Devices.of(platform)
    new = devices.register(kind, "test device", [SlotSpec("main", item.id)])
    owner = shopper(platform)
    devices.claim(owner.customer_id, new.claim_code)
    bridge = Bridge(
        devices,
        platform.clock,
        BROKER,
        client_id=f"baro-test-bridge-{uuid.uuid4().hex[:8]}",
        clean_session=True,
        reconnect=False,
    )

    async def main() -> None:
        ready = asyncio.Event()
        task = asyncio.create_task(bridge.run(ready=ready.set))
        async with asyncio.timeout(10):
            await ready.wait()
        try:
            async with aiomqtt.Client(
                BROKER.host, BROKER.port, identifier=f"baro-test-{new.device.id}"
            ) as client:
                await client.subscribe(command_topic(new.device.id, ORDER_ANSWER), qos=1)
                device = Device(client, new.device.id, signing_key(new.secret), platform.clock)
                await scenario(bridge, device)
        finally:
            bridge.stop()
            await task

    asyncio.run(main())
    return bridge, owner.customer_id


async def until(check: Callable[[], bool], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def orders_of(platform: Platform, customer_id: str) -> list[Any]:
    with platform.db.read() as session:
        return list(
            session.execute(
                text("SELECT id, idempotency_key FROM orders WHERE customer_id = :c"),
                {"c": customer_id},
            )
        )


def test_a_press_over_mqtt_places_one_order_and_answers_it(world: Platform) -> None:
    answers = []

    async def scenario(_bridge: Bridge, device: Device) -> None:
        await device.press("p-1")
        answers.append(await device.answer())

    _, owner = run(world, DeviceKind.BUTTON, scenario)
    ((order_id, key),) = orders_of(world, owner)
    (answer,) = answers
    assert answer["status"] == "ordered" and answer["order_id"] == order_id
    assert answer["press"] == "p-1" and key.endswith(":main:p-1")


def test_the_same_press_ten_times_is_one_order(world: Platform) -> None:
    async def scenario(bridge: Bridge, device: Device) -> None:
        for _ in range(10):
            await device.press("p-1")
        first = await device.answer()
        assert first["status"] == "ordered"
        await until(lambda: bridge.stats()["rejected"]["duplicate"] == 9)
        await device.press("p-1")  # after its answer: the same answer again, nothing pressed
        assert await device.answer() == first

    bridge, owner = run(world, DeviceKind.BUTTON, scenario)
    assert len(orders_of(world, owner)) == 1
    assert bridge.stats()["presses"] == 1


def test_a_press_while_the_slot_s_order_is_undelivered_is_already_on_its_way(
    world: Platform,
) -> None:
    async def scenario(_bridge: Bridge, device: Device) -> None:
        await device.press("p-1")
        first = await device.answer()
        await device.press("p-2")
        second = await device.answer()
        assert first["status"] == "ordered"
        assert second == {
            "press": "p-2",
            "slot": "main",
            "status": "already_on_its_way",
            "order_id": first["order_id"],
        }

    _, owner = run(world, DeviceKind.BUTTON, scenario)
    assert len(orders_of(world, owner)) == 1


def test_forged_and_replayed_messages_are_rejected_counted_and_never_ordered(
    world: Platform, clock: SimulatedClock
) -> None:
    async def scenario(bridge: Bridge, device: Device) -> None:
        await device.press("forged", key=signing_key("someone else's secret"))
        await device.press("old", at=clock.now() - timedelta(minutes=10))
        # By reason: another client on a shared broker may publish for devices this
        # database does not know (unknown_device).
        await until(
            lambda: (
                bridge.stats()["rejected"]["bad_signature"] == 1
                and bridge.stats()["rejected"]["stale"] == 1
            )
        )
        with pytest.raises(TimeoutError):
            await device.answer(timeout=0.3)  # a rejected message gets no answer

    bridge, owner = run(world, DeviceKind.BUTTON, scenario)
    rejected = bridge.stats()["rejected"]
    assert rejected["bad_signature"] == 1 and rejected["stale"] == 1
    assert orders_of(world, owner) == []


def test_telemetry_below_the_threshold_reorders_exactly_once(
    world: Platform, clock: SimulatedClock
) -> None:
    async def scenario(bridge: Bridge, device: Device) -> None:
        at = clock.now() - timedelta(minutes=4)
        for number, level in enumerate((0.9, 0.15, 0.1, 0.05, 0.05)):
            await device.level(f"m{number}", level, at + timedelta(minutes=number))
        await device.level("m4", 0.05, at + timedelta(minutes=4))  # a redelivery
        answer = await device.answer()
        assert answer["status"] == "ordered" and answer["press"] == "level-0"
        await until(lambda: bridge.stats()["processed_telemetry"] == 5)

    bridge, owner = run(world, DeviceKind.APPLIANCE, scenario)
    ((_, key),) = orders_of(world, owner)
    assert key.endswith(":main:level-0")
    assert bridge.stats()["reorders"] == 1 and bridge.stats()["rejected"]["duplicate"] == 1
