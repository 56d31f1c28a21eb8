"""The bridge's checks without a broker: parsing, the verifier (signature, window, dedupe),
answers, and a message through ``Bridge.receive`` into ``report_levels``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from baro.channels.devices import DeviceKind, Devices, Held, OnItsWay, SlotSpec
from baro.channels.devices.bridge import (
    ACCEPTED,
    BAD_SIGNATURE,
    DUPLICATE,
    MALFORMED,
    STALE,
    UNKNOWN_DEVICE,
    Bridge,
    Broker,
    Verifier,
    answer,
    parse,
)
from baro.channels.devices.protocol import (
    Malformed,
    command_payload,
    parse_press,
    parse_telemetry,
    press_payload,
    press_topic,
    read_command,
    signing_key,
    telemetry_payload,
    telemetry_topic,
)
from baro.cli.devices import parse_slot
from baro.core.clock import SimulatedClock
from baro.core.money import Money
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.conftest import START

KEY = signing_key("dev_secret")
NOW_MS = int(START.timestamp() * 1000)
WINDOW_MS = 300_000


def reading(message_id: str = "m1", at=START, key: str = KEY, level: float = 0.5):
    topic = telemetry_topic("dev_1", "main")
    return parse_telemetry(topic, telemetry_payload(key, "dev_1", "main", message_id, level, at))


def test_a_signed_reading_is_accepted_once_within_the_window() -> None:
    verifier = Verifier(WINDOW_MS, {"dev_1": KEY})
    assert verifier.check(reading(), NOW_MS) == ACCEPTED
    assert verifier.check(reading(), NOW_MS + 1_000) == DUPLICATE
    assert verifier.check(reading("m2"), NOW_MS + 1_000) == ACCEPTED


def test_a_message_is_rejected_for_each_reason_in_order() -> None:
    verifier = Verifier(WINDOW_MS, {"dev_1": KEY})
    assert verifier.check(reading(key=signing_key("other")), NOW_MS) == BAD_SIGNATURE
    assert Verifier(WINDOW_MS).check(reading(), NOW_MS) == UNKNOWN_DEVICE
    old = START - timedelta(seconds=301)
    assert verifier.check(reading(at=old), NOW_MS) == STALE
    ahead = START + timedelta(seconds=301)  # a clock far ahead is no better
    assert verifier.check(reading(at=ahead), NOW_MS) == STALE
    assert verifier.remembered == 0  # nothing rejected is remembered


def test_a_replay_after_the_window_is_stale_and_the_id_is_forgotten() -> None:
    verifier = Verifier(WINDOW_MS, {"dev_1": KEY})
    assert verifier.check(reading(), NOW_MS) == ACCEPTED
    later = NOW_MS + WINDOW_MS + 1
    assert verifier.check(reading(), later) == STALE
    assert verifier.remembered == 0
    fresh = START + timedelta(milliseconds=WINDOW_MS + 1)
    assert verifier.check(reading(at=fresh), later) == ACCEPTED  # a new message, same id


def test_a_message_moved_to_another_slot_fails_its_signature() -> None:
    payload = telemetry_payload(KEY, "dev_1", "main", "m1", 0.5, START)
    moved = parse_telemetry(telemetry_topic("dev_1", "rinse"), payload)
    assert Verifier(WINDOW_MS, {"dev_1": KEY}).check(moved, NOW_MS) == BAD_SIGNATURE


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("baro/dt/dev_1", b"{}"),
        ("baro/other/dev_1/main", b"{}"),
        ("baro/dt/dev 1/main", b"{}"),
        ("baro/dt/dev_1/main", b"not json"),
        ("baro/dt/dev_1/main", b"[1]"),
        ("baro/dt/dev_1/main", b'{"m": "x", "t": 1, "s": "' + b"0" * 64 + b'"}'),
        ("baro/dt/dev_1/main", b'{"m": "x", "t": 1, "l": "-1", "s": "' + b"0" * 64 + b'"}'),
        ("baro/dt/dev_1/main", b'{"m": "x", "t": 1, "l": "nan", "s": "' + b"0" * 64 + b'"}'),
        ("baro/dt/dev_1/main", b'{"m": "x", "t": 1.5, "l": "1", "s": "' + b"0" * 64 + b'"}'),
        ("baro/press/dev_1/main", b'{"m": "x", "t": 1, "s": "short"}'),
        ("baro/dt/dev_1/main", b"x" * 600),
    ],
)
def test_malformed_messages_are_refused_before_any_key_is_looked_up(
    topic: str, payload: bytes
) -> None:
    with pytest.raises(Malformed):
        parse(topic, payload)


def test_a_press_is_signed_with_its_press_id() -> None:
    payload = press_payload(KEY, "dev_1", "main", "p-7", START)
    press = parse_press(press_topic("dev_1", "main"), payload)
    assert press.message_id == "p-7" and press.verify(KEY)
    assert not press.verify(signing_key("other"))
    # A press's signature does not make a reading: the topic is signed.
    with pytest.raises(Malformed):
        parse_telemetry(telemetry_topic("dev_1", "main"), payload)


def test_answers_say_what_a_press_came_to_and_are_signed() -> None:
    held = Held(Money(5000, "BRL"), Money(2500, "BRL"))
    assert answer("p", "main", held)["status"] == "held_for_confirmation"
    assert answer("p", "main", OnItsWay("ord_1")) == {
        "press": "p",
        "slot": "main",
        "status": "already_on_its_way",
        "order_id": "ord_1",
    }
    assert answer("p", "main", RuntimeError("x"))["code"] == "internal_error"
    payload = command_payload(KEY, "baro/cmd/dev_1/order", {"status": "ordered"})
    assert read_command(KEY, "baro/cmd/dev_1/order", payload) == {"status": "ordered"}
    assert read_command(signing_key("other"), "baro/cmd/dev_1/order", payload) is None
    assert read_command(KEY, "baro/cmd/dev_2/order", payload) is None


def test_broker_urls_and_slot_options_are_checked() -> None:
    assert Broker.parse("mqtt://10.0.0.2") == Broker("10.0.0.2", 1883)
    with pytest.raises(ValueError, match="mqtt://"):
        Broker.parse("http://x")
    assert parse_slot("rinse=prd_1:2:0.5") == SlotSpec("rinse", "prd_1", 2, 0.5)
    assert parse_slot("main=prd_1") == SlotSpec("main", "prd_1", 1, 1.0)
    for bad in ("main", "main=", "main=prd:x", "main=a:1:2:3"):
        with pytest.raises(ValueError):
            parse_slot(bad)


def test_received_readings_reach_the_slot_and_rejections_are_counted(
    platform: Platform, clock: SimulatedClock
) -> None:
    """Through Bridge.receive (no broker): only the signed, fresh, new readings apply."""
    item = add_product(platform, sku="DET-1", price_minor=2500)
    stock(platform, add_facility(platform, "FC", SAO_PAULO), item.id, 10)
    devices = Devices.of(platform)
    new = devices.register(DeviceKind.APPLIANCE, "washer", [SlotSpec("main", item.id)])
    devices.claim(shopper(platform).customer_id, new.claim_code)
    device, key = new.device.id, signing_key(new.secret)
    bridge = Bridge(devices, clock, Broker("127.0.0.1", 1), reload_every_s=0)
    topic = telemetry_topic(device, "main")
    good = telemetry_payload(key, device, "main", "m1", 0.7, clock.now())

    async def scenario() -> list[str]:
        verdicts = [
            await bridge.receive(topic, good),
            await bridge.receive(topic, good),
            await bridge.receive(topic, telemetry_payload("0" * 64, device, "main", "f", 0, START)),
            await bridge.receive(topic, b"{"),
            await bridge.receive(telemetry_topic("dev_nobody", "main"), good),
        ]
        while bridge.stats()["processed_telemetry"] < 1:
            await asyncio.sleep(0.01)
        return verdicts

    try:
        verdicts = asyncio.run(scenario())
    finally:
        bridge.close()
    assert verdicts == [ACCEPTED, DUPLICATE, BAD_SIGNATURE, MALFORMED, UNKNOWN_DEVICE]
    assert bridge.stats()["rejected"] == {
        MALFORMED: 1,
        UNKNOWN_DEVICE: 1,
        BAD_SIGNATURE: 1,
        STALE: 0,
        DUPLICATE: 1,
    }
    (slot,) = devices.device(device, owner=None).slots
    assert slot.level == pytest.approx(0.7)
