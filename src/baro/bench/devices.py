"""``baro bench devices``: the MQTT bridge on a real broker, as appliances would load it.

On a throwaway database: a synthetic world (products, stock, customers with an address and a
card), N appliances of one slot each and P buttons, registered and claimed. The bridge runs
in a child process of its own (as ``baro devices bridge`` does: its own interpreter and
GIL) on the broker at ``mqtt_url``; this process publishes with paho:

1. M telemetry messages at QoS 1, as fast as paho sends them: each appliance's level falls
   from full to 5 % (one reorder per slot is due), with a share of duplicates (a message
   re-sent with its id), forged messages (signed with another key) and stale ones (a
   signed timestamp older than the window). Measured: the messages a second the bridge
   sustained (accepted readings / from the first publish to the last batch applied),
   lost (valid readings never applied; and slots whose stored level is not their last
   reading), double-acted (a slot with more than one reorder, from the orders table),
   and the rejections by reason against what was sent.
2. P presses, one after another: each publish to the order answer on ``baro/cmd/…/order``
   (latency p50 / p95 / p99), and exactly one order per press in the orders table.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import paho.mqtt.client as paho
from sqlalchemy import text
from sqlalchemy.engine import make_url

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.channels.devices.bridge import REASONS, Bridge, Broker
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
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.core.scratch import scratch_database
from baro.platform import Platform
from baro.twin.world import CatalogueSource, WorldSpec, seed_world

Progress = Callable[[str, int, int], None]
TARGET_MESSAGES_PER_S = 2_000
TARGET_PRESS_P95_MS = 100.0
WINDOW_S = 300
SLOT = "main"


@dataclass(frozen=True)
class DevicesBenchConfig:
    db: str | None = None  # a PostgreSQL server URL, or None for a temporary SQLite file
    mqtt_url: str = "mqtt://127.0.0.1:1883"
    devices: int = 200
    messages: int = 20_000
    presses: int = 200
    duplicate_share: float = 0.1
    forged_share: float = 0.02
    stale_share: float = 0.02
    seed: int = 7

    def __post_init__(self) -> None:
        if self.devices < 1 or self.presses < 0:
            raise ValueError("need at least one device, and presses >= 0")
        shares = self.duplicate_share + self.forged_share + self.stale_share
        if min(self.duplicate_share, self.forged_share, self.stale_share) < 0 or shares >= 0.9:
            raise ValueError("the duplicate, forged and stale shares are fractions below 0.9")
        if self.valid_messages < 2 * self.devices:
            raise ValueError(
                f"{self.messages} messages leave fewer than two valid readings for each of "
                f"{self.devices} devices: send more messages or use fewer devices"
            )

    @property
    def valid_messages(self) -> int:
        shares = self.duplicate_share + self.forged_share + self.stale_share
        return round(self.messages * (1 - shares))


@dataclass(frozen=True)
class Fleet:
    appliances: list[tuple[str, str]]  # (device id, signing key)
    buttons: list[tuple[str, str]]


@dataclass(frozen=True)
class Traffic:
    messages: list[tuple[str, bytes]]  # in publishing order
    valid: int
    sent: dict[str, int]  # what was sent on purpose to be rejected, by reason
    last_level: dict[str, float]  # each appliance's last valid reading


def run(config: DevicesBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    report = progress or (lambda _step, _done, _total: None)
    broker = Broker.parse(config.mqtt_url)
    with scratch_database(config.db, "baro_bench_devices") as url:
        upgrade(url)
        report("seed", 0, 1)
        fleet = _seed(url, config)
        report("seed", 1, 1)
        with _bridge_process(url, broker) as bridge:
            traffic = _traffic(fleet, config)
            telemetry = _publish_telemetry(broker, traffic, bridge, report)
            latencies, answers = _press(broker, fleet, config.presses, report)
            final = bridge.stats()
        audit = _audit(url, fleet, traffic, config.presses)
    return _result(config, url, traffic, telemetry, final, latencies, answers, audit)


# the world ---------------------------------------------------------------------------------


def _seed(url: str, config: DevicesBenchConfig) -> Fleet:
    platform = Platform.start(Settings(database_url=url))
    try:
        spec = WorldSpec(
            products=20,
            customers=config.devices,
            facilities=1,
            stock_range=(100_000, 100_000),
            seed=config.seed,
            source=CatalogueSource.SYNTHETIC,
        )
        manifest = seed_world(platform, spec)
        products = [str(p["id"]) for p in manifest.products]
        customers = [str(c["id"]) for c in manifest.customers]
        devices = Devices.of(platform)

        def claimed(number: int, kind: DeviceKind) -> tuple[str, str]:
            product = products[number % len(products)]
            new = devices.register(kind, f"bench {kind.value} {number}", [SlotSpec(SLOT, product)])
            devices.claim(customers[number % len(customers)], new.claim_code)
            return new.device.id, signing_key(new.secret)

        return Fleet(
            [claimed(n, DeviceKind.APPLIANCE) for n in range(config.devices)],
            [claimed(n, DeviceKind.BUTTON) for n in range(config.presses)],
        )
    finally:
        platform.close()


def _traffic(fleet: Fleet, config: DevicesBenchConfig) -> Traffic:
    """The messages, signed now: each appliance's readings in time order, round robin over
    the appliances; duplicates a little after their original; forged and stale anywhere."""
    rng = random.Random(config.seed)
    now = datetime.now(UTC)
    start = now - timedelta(seconds=60)
    count = len(fleet.appliances)
    per = [
        config.valid_messages // count + (n < config.valid_messages % count) for n in range(count)
    ]
    placed: list[tuple[float, str, bytes]] = []
    last_level: dict[str, float] = {}
    for number, (device, key) in enumerate(fleet.appliances):
        readings = per[number]
        for step in range(readings):
            level = round(1.0 - 0.95 * step / (readings - 1), 6)
            at = start + timedelta(milliseconds=10 * step)
            payload = telemetry_payload(key, device, SLOT, f"m{step}", level, at)
            placed.append((step * count + number, telemetry_topic(device, SLOT), payload))
            last_level[device] = level
    valid = len(placed)
    span = float(valid)
    sent = dict.fromkeys(REASONS, 0)
    sent["duplicate"] = round(config.messages * config.duplicate_share)
    sent["bad_signature"] = round(config.messages * config.forged_share)
    sent["stale"] = round(config.messages * config.stale_share)
    extra: list[tuple[float, str, bytes]] = []
    for _ in range(sent["duplicate"]):
        position, topic, payload = placed[rng.randrange(valid)]
        extra.append((position + 0.5 + rng.random() * 50, topic, payload))
    for _ in range(sent["bad_signature"]):
        device, _key = rng.choice(fleet.appliances)
        forged = telemetry_payload("0" * 64, device, SLOT, f"f{len(extra)}", 0.0, now)
        extra.append((rng.random() * span, telemetry_topic(device, SLOT), forged))
    for _ in range(sent["stale"]):
        device, key = rng.choice(fleet.appliances)
        old = now - timedelta(seconds=2 * WINDOW_S)
        stale = telemetry_payload(key, device, SLOT, f"s{len(extra)}", 0.0, old)
        extra.append((rng.random() * span, telemetry_topic(device, SLOT), stale))
    ordered = sorted(placed + extra, key=lambda item: item[0])
    return Traffic([(t, p) for _, t, p in ordered], valid, sent, last_level)


# the bridge, in a process of its own ------------------------------------------------------


class BridgeProcess:
    """The bench's handle on the child: ask for its stats, stop it."""

    def __init__(self, process: multiprocessing.process.BaseProcess, pipe: Connection) -> None:
        self._process = process
        self._pipe = pipe
        self._lock = threading.Lock()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._pipe.send("stats")
            if not self._pipe.poll(30):
                raise RuntimeError("the bridge process did not answer")
            answer: dict[str, Any] = self._pipe.recv()
            return answer

    def stop(self) -> None:
        with self._lock:
            self._pipe.send("stop")
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()


class _bridge_process:  # noqa: N801 - used as a context manager, like a function
    def __init__(self, url: str, broker: Broker) -> None:
        self._url = url
        self._broker = broker

    def __enter__(self) -> BridgeProcess:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_bridge_main, args=(self._url, str(self._broker), theirs), daemon=True
        )
        process.start()
        if not ours.poll(60):
            process.kill()
            raise RuntimeError("the bridge process did not start within 60 s")
        first = ours.recv()
        if first != "ready":
            process.join(5)
            raise RuntimeError(f"the bridge did not start: {first}")
        self._handle = BridgeProcess(process, ours)
        return self._handle

    def __exit__(self, *_: object) -> None:
        self._handle.stop()


def _bridge_main(url: str, mqtt_url: str, pipe: Connection) -> None:
    """The child: a platform on the bench's database and one bridge, until told to stop."""
    platform = Platform.start(Settings(database_url=url))
    bridge = Bridge(
        Devices.of(platform),
        platform.clock,
        Broker.parse(mqtt_url),
        window_s=WINDOW_S,
        client_id=f"baro-bench-bridge-{os.getpid()}",
        clean_session=True,
        reconnect=False,
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def commands() -> None:  # a thread: the pipe blocks, the event loop must not
            while True:
                command = pipe.recv()
                if command == "stats":
                    pipe.send(bridge.stats())
                else:
                    loop.call_soon_threadsafe(bridge.stop)
                    return

        def ready() -> None:
            pipe.send("ready")
            threading.Thread(target=commands, daemon=True).start()

        await bridge.run(ready=ready)

    try:
        asyncio.run(main())
    except Exception as error:  # the bench reports it; the child has no console of its own
        pipe.send(f"{type(error).__name__}: {error}")
    finally:
        platform.close()


# publishing --------------------------------------------------------------------------------


def _client(broker: Broker, name: str) -> paho.Client:
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2, client_id=f"{name}-{os.getpid()}", clean_session=True
    )
    client.max_inflight_messages_set(1_000)
    client.connect(broker.host, broker.port)
    # As a device should: a small packet leaves at once (paho leaves Nagle on).
    client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client


def _publish_telemetry(
    broker: Broker, traffic: Traffic, bridge: BridgeProcess, report: Progress
) -> dict[str, Any]:
    client = _client(broker, "baro-bench-publisher")
    acked = threading.Semaphore(0)
    client.on_publish = lambda *_args: acked.release()
    client.loop_start()
    total = len(traffic.messages)
    try:
        started = time.monotonic()
        for topic, payload in traffic.messages:
            client.publish(topic, payload, qos=1)
        for _ in range(total):
            if not acked.acquire(timeout=60):
                raise RuntimeError("the broker stopped acknowledging the bench's messages")
        published = time.monotonic()
        expected_rejections = sum(traffic.sent.values())
        stats = bridge.stats()
        idle_since = time.monotonic()
        seen = -1
        while True:  # until everything is accounted for, or nothing moves for 5 s
            handled = stats["processed_telemetry"] + sum(stats["rejected"].values())
            report("telemetry", handled, total)
            if stats["processed_telemetry"] >= traffic.valid and handled >= total:
                break
            if handled != seen:
                seen, idle_since = handled, time.monotonic()
            elif time.monotonic() - idle_since > 5:
                break
            time.sleep(0.05)
            stats = bridge.stats()
    finally:
        client.loop_stop()
        client.disconnect()
    last = stats["last_processed_monotonic"] or time.monotonic()
    return {
        "published": total,
        "publish_s": round(published - started, 3),
        "span_s": last - started,
        "expected_rejections": expected_rejections,
        "stats": stats,
    }


def _press(
    broker: Broker, fleet: Fleet, presses: int, report: Progress
) -> tuple[list[float], list[dict[str, object]]]:
    """Each press published after the last one's answer came: publish -> answer, in ms."""
    keys = dict(fleet.buttons)
    client = _client(broker, "baro-bench-presser")
    answered: dict[str, tuple[float, dict[str, object] | None]] = {}
    arrived = threading.Condition()

    def on_message(_client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        device = message.topic.split("/")[2]
        body = read_command(keys.get(device, ""), message.topic, message.payload)
        with arrived:
            press = str(body["press"]) if body else f"unreadable-{len(answered)}"
            answered[press] = (time.perf_counter(), body)
            arrived.notify_all()

    client.on_message = on_message
    client.loop_start()
    latencies: list[float] = []
    bodies: list[dict[str, object]] = []
    try:
        subscribed = client.subscribe(command_topic("+", ORDER_ANSWER), qos=1)
        if subscribed[0] != paho.MQTT_ERR_SUCCESS:
            raise RuntimeError("could not subscribe to the answers")
        time.sleep(0.2)  # the SUBACK
        for number, (device, key) in enumerate(fleet.buttons[:presses]):
            press_id = f"bench-{number}"
            payload = press_payload(key, device, SLOT, press_id, datetime.now(UTC))
            sent = time.perf_counter()
            client.publish(press_topic(device, SLOT), payload, qos=1)
            with arrived:
                if not arrived.wait_for(lambda p=press_id: p in answered, timeout=10):
                    raise RuntimeError(f"no answer to press {press_id} within 10 s")
                at, body = answered[press_id]
            latencies.append((at - sent) * 1000)
            bodies.append(body or {})
            report("presses", number + 1, presses)
    finally:
        client.loop_stop()
        client.disconnect()
    return latencies, bodies


# checking ----------------------------------------------------------------------------------


def _audit(url: str, fleet: Fleet, traffic: Traffic, presses: int) -> dict[str, Any]:
    platform = Platform.start(Settings(database_url=url))
    try:
        with platform.db.read() as session:
            keys = [
                row[0]
                for row in session.execute(
                    text("SELECT idempotency_key FROM orders WHERE idempotency_key LIKE 'device:%'")
                )
            ]
            levels = dict(
                session.execute(
                    text("SELECT device_id, level FROM device_slots WHERE slot = :slot"),
                    {"slot": SLOT},
                ).all()
            )
    finally:
        platform.close()
    per_slot = Counter(key.rsplit(":", 1)[0] for key in keys if ":level-" in key)
    per_press = Counter(key for key in keys if ":level-" not in key)
    appliances = [device for device, _ in fleet.appliances]
    return {
        "reorders_in_db": sum(per_slot.values()),
        "slots_reordered": sum(1 for d in appliances if per_slot[f"device:{d}:{SLOT}"]),
        "double_acted": sum(n - 1 for n in per_slot.values() if n > 1),
        "levels_not_latest": sum(
            1
            for device in appliances
            if levels.get(device) is None or abs(levels[device] - traffic.last_level[device]) > 1e-9
        ),
        "press_orders": sum(per_press.values()),
        "presses_without_one_order": sum(
            1
            for number, (device, _) in enumerate(fleet.buttons[:presses])
            if per_press[f"device:{device}:{SLOT}:bench-{number}"] != 1
        ),
    }


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return round(ordered[index], 2)


def _result(
    config: DevicesBenchConfig,
    url: str,
    traffic: Traffic,
    telemetry: dict[str, Any],
    final: dict[str, Any],
    latencies: list[float],
    answers: list[dict[str, object]],
    audit: dict[str, Any],
) -> dict[str, Any]:
    stats = telemetry["stats"]
    processed = stats["processed_telemetry"]
    span = telemetry["span_s"]
    rate = round(processed / span, 1) if span > 0 else None
    lost = traffic.valid - processed
    p95 = _percentile(latencies, 95)
    return {
        "db": make_url(url).get_backend_name(),
        "broker": config.mqtt_url,
        "cores": os.cpu_count(),
        "devices": config.devices,
        "messages": len(traffic.messages),
        "valid_messages": traffic.valid,
        "sent_to_be_rejected": {k: v for k, v in traffic.sent.items() if v},
        "publish_s": telemetry["publish_s"],
        "publish_per_s": round(len(traffic.messages) / telemetry["publish_s"], 1),
        "span_s": round(span, 3),
        "messages_per_s": rate,
        "handled_per_s": round((processed + sum(stats["rejected"].values())) / span, 1)
        if span > 0
        else None,
        "processed": processed,
        "lost": lost,
        "levels_not_latest": audit["levels_not_latest"],
        "rejected": stats["rejected"],
        "telemetry_batches": stats["telemetry_batches"],
        "telemetry_apply_s": stats["telemetry_apply_s"],
        "mean_batch": round(processed / stats["telemetry_batches"], 1)
        if stats["telemetry_batches"]
        else None,
        "reorders": final["reorders"],
        "reorders_in_db": audit["reorders_in_db"],
        "slots_reordered": audit["slots_reordered"],
        "double_acted": audit["double_acted"],
        "presses": len(latencies),
        "press_statuses": dict(Counter(str(a.get("status")) for a in answers)),
        "press_orders": audit["press_orders"],
        "presses_without_one_order": audit["presses_without_one_order"],
        "press_p50_ms": _percentile(latencies, 50),
        "press_p95_ms": p95,
        "press_p99_ms": _percentile(latencies, 99),
        "press_mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "targets": {
            "messages_per_s": _target(
                rate,
                f">= {TARGET_MESSAGES_PER_S}",
                rate is not None and rate >= TARGET_MESSAGES_PER_S,
            ),
            "lost": _target(lost, "0", lost == 0 and audit["levels_not_latest"] == 0),
            "double_acted": _target(audit["double_acted"], "0", audit["double_acted"] == 0),
            "press_p95_ms": _target(
                p95, f"<= {TARGET_PRESS_P95_MS:g}", p95 is not None and p95 <= TARGET_PRESS_P95_MS
            ),
        },
    }


def _target(value: object, target: str, met: bool) -> dict[str, object]:
    return {"value": value, "target": target, "met": met}
