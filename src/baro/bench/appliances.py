"""``baro simulate --scenario appliances``: the twin's appliance year (``baro.twin.appliances``)
wired to the real device path. Each appliance is registered and claimed through the devices
service; its morning readings are signed with its own key and published at QoS 1 to the
MQTT broker; the platform's bridge (``baro.channels.devices.Bridge``, in this process on a
thread of its own, on the scenario's SimPy clock) verifies them and reorders through the
spine's 1-Click path. Each morning waits until the bridge has applied every reading sent.

Writes ``appliances.json`` (the figures, with the targets) and ``appliances.png`` (when
consumables arrived, relative to when they were needed; dry days per appliance).
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.channels.devices.bridge import Bridge, Broker
from baro.channels.devices.protocol import signing_key, telemetry_payload, telemetry_topic
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.core.ids import new_id
from baro.core.scratch import scratch_database
from baro.platform import Platform

SLOT = "main"
EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
WAIT_S = 60.0  # a morning's readings not applied by then: the bridge is stuck
FOREIGN = frozenset({"unknown_device", "malformed"})


class BridgeStuck(RuntimeError):
    """The bridge did not apply a morning's readings in time (its log says why)."""


@dataclass(frozen=True)
class AppliancesRequest:
    devices: int
    days: int
    seed: int
    out_dir: Path
    mqtt_url: str
    database_url: str | None = None


class MqttLink:
    """The scenario's ``ApplianceLink`` over the broker: readings are signed MQTT messages.
    The bridge starts once the appliances are enrolled, so that it knows every key (it
    reloads keys on an unknown device only every few seconds: a flood of forged ids must
    not become a flood of reads)."""

    def __init__(self, devices: Devices, broker: Broker, bridge: Bridge) -> None:
        self._devices = devices
        self._bridge = bridge
        self._running = _Running(bridge)
        self._keys: dict[str, str] = {}
        self._sent = 0
        self._client = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=new_id("twin"), clean_session=True
        )
        self._client.connect(broker.host, broker.port)
        self._client.loop_start()

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()
        self._running.stop()

    def enrol(self, homes: Sequence[tuple[str, str]]) -> list[str]:
        ids = []
        for number, (customer, product) in enumerate(homes, start=1):
            new = self._devices.register(
                DeviceKind.APPLIANCE, f"Appliance {number}", [SlotSpec(SLOT, product)]
            )
            self._devices.claim(customer, new.claim_code)
            self._keys[new.device.id] = signing_key(new.secret)
            ids.append(new.device.id)
        self._running.start()
        return ids

    def report(self, readings: Sequence[tuple[str, float, datetime]]) -> None:
        sent = []
        for device, level, at in readings:
            payload = telemetry_payload(self._keys[device], device, SLOT, new_id("m"), level, at)
            sent.append(self._client.publish(telemetry_topic(device, SLOT), payload, qos=1))
        for message in sent:
            message.wait_for_publish(WAIT_S)
        self._sent += len(readings)
        self._wait_applied()

    def _wait_applied(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while True:
            stats = self._bridge.stats()
            done = stats["processed_telemetry"] + stats["failed_telemetry"]
            # Rejections of this run's devices count as handled (and show in the figures);
            # another client's telemetry on a shared broker is an unknown device here.
            done += sum(n for why, n in stats["rejected"].items() if why not in FOREIGN)
            if done >= self._sent:
                return
            if time.monotonic() > deadline:
                raise BridgeStuck(
                    f"the bridge applied {done} of {self._sent} readings in {WAIT_S:.0f} s"
                )
            time.sleep(0.002)

    def open_orders(self, device_ids: Sequence[str]) -> dict[str, str]:
        return self._devices.open_orders(device_ids)


def simulate_appliances(
    request: AppliancesRequest, progress: Callable[[str, int, int], None]
) -> dict[str, Any]:
    import simpy

    from baro.twin.appliances import ApplianceScenario, run_appliances, seed_consumables
    from baro.twin.clock import SimPyClock
    from baro.twin.world import CatalogueSource, WorldSpec, seed_world

    scenario = ApplianceScenario(devices=request.devices, days=request.days, seed=request.seed)
    broker = Broker.parse(request.mqtt_url)
    env = simpy.Environment()
    clock = SimPyClock(env, EPOCH)
    with scratch_database(request.database_url, "baro_twin_appliances") as url:
        upgrade(url)
        settings = Settings(database_url=url, argon2_memory_kib=32, argon2_time_cost=1)
        platform = Platform.start(settings, clock=clock)
        try:
            homes = min(request.devices, 1_000)
            manifest = seed_world(
                platform,
                WorldSpec(
                    products=1, customers=homes, seed=request.seed, source=CatalogueSource.SYNTHETIC
                ),
                progress=lambda stage, n: progress(stage, n, homes),
            )
            products = seed_consumables(platform)
            devices = Devices.of(platform)
            bridge = Bridge(
                devices,
                clock,
                broker,
                clean_session=True,
                reconnect=False,
                client_id=new_id("twin-bridge"),
            )
            link = MqttLink(devices, broker, bridge)
            try:
                started = time.perf_counter()
                result = run_appliances(
                    platform,
                    env,
                    link,
                    scenario,
                    [str(c["id"]) for c in manifest.customers],
                    products,
                    progress=lambda day: progress("days", day, scenario.days),
                )
                wall = time.perf_counter() - started
            finally:
                link.close()
            stats = bridge.stats()
        finally:
            platform.close()
    metrics = result.metrics() | {
        "wall_s": round(wall, 1),
        "bridge": {
            "accepted_telemetry": stats["accepted_telemetry"],
            "rejected": stats["rejected"],
            "reorders": stats["reorders"],
        },
        "mqtt_url": request.mqtt_url,
        "seed": request.seed,
    }
    request.out_dir.mkdir(parents=True, exist_ok=True)
    (request.out_dir / "appliances.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (request.out_dir / "appliances.png").write_bytes(_figure(result))
    return metrics


class _Running:
    """The bridge on a thread with its own event loop, from ``start`` to ``stop``."""

    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge
        self._ready = threading.Event()
        self._failed: list[BaseException] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._main, name="twin-bridge", daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            await self._bridge.run(ready=self._ready.set)

        try:
            asyncio.run(main())
        except BaseException as error:  # handed to the scenario's thread
            self._failed.append(error)
            self._ready.set()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(WAIT_S) or self._failed:
            reason = self._failed[0] if self._failed else "no answer"
            raise BridgeStuck(f"the bridge could not start: {reason}")

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._bridge.stop)
        if self._thread.is_alive():
            self._thread.join(WAIT_S)


def _figure(result: Any) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    early = [e for h in result.households for e in h.earliness]
    dry = [h.dry_days for h in result.households]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    left.hist(early, bins=40, color="#3b6ea8")
    left.axvline(0, color="#b03a2e", linewidth=1)
    left.axvline(7, color="#777777", linewidth=1, linestyle="--")
    left.set_title("Consumables: days between arrival and need")
    left.set_xlabel("days early (negative: the appliance ran dry first)")
    left.set_ylabel("consumables")
    right.hist(dry, bins=30, color="#5b8c5a")
    right.set_title("Dry days per appliance over the run")
    right.set_xlabel("days without the consumable")
    right.set_ylabel("appliances")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()
