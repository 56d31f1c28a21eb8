"""The appliance scenario's household model (pure), and a short run against the platform's
devices service directly (the MQTT path is tested with the broker, in tests/integration)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

pytest.importorskip("simpy")

import simpy

from baro.channels.devices import DeviceKind, Devices, LevelReading, SlotSpec
from baro.core.config import Settings
from baro.platform import Platform
from baro.twin.appliances import (
    DAY,
    ApplianceScenario,
    Household,
    run_appliances,
    seed_consumables,
)
from baro.twin.clock import SimPyClock
from baro.twin.world import CatalogueSource, WorldSpec, seed_world


def test_a_spare_on_the_shelf_goes_in_when_the_one_in_use_runs_dry() -> None:
    home = Household("dev", days_per_unit=10, level=0.5, shelf=[1 * DAY])
    home.use(0, 10 * DAY, 1.0)  # 0.1 a day: dry on day 5, the spare arrived on day 1
    assert home.dry_days == 0 and home.earliness == [pytest.approx(4.0)]
    assert home.level == pytest.approx(0.5)


def test_without_a_spare_the_days_until_one_arrives_are_dry_and_it_arrived_late() -> None:
    home = Household("dev", days_per_unit=10, level=0.2)
    home.use(0, 4 * DAY, 0.4)  # dry after 2 days, nothing on the shelf
    assert home.dry_days == pytest.approx(2.0) and home.dry_since == pytest.approx(2 * DAY)
    home.shelf.append(5 * DAY)
    home.use(4 * DAY, 6 * DAY, 0.2)  # it arrives on day 5: one more dry day, 3 days late
    assert home.dry_days == pytest.approx(3.0)
    assert home.earliness == [pytest.approx(-3.0)]


class DirectLink:
    """Readings straight to the devices service (no broker): the scenario's logic alone."""

    def __init__(self, devices: Devices) -> None:
        self.devices = devices

    def enrol(self, homes: Sequence[tuple[str, str]]) -> list[str]:
        ids = []
        for customer, product in homes:
            new = self.devices.register(DeviceKind.APPLIANCE, "A", [SlotSpec("main", product)])
            self.devices.claim(customer, new.claim_code)
            ids.append(new.device.id)
        return ids

    def report(self, readings: Sequence[tuple[str, float, datetime]]) -> None:
        self.devices.report_levels([LevelReading(d, "main", lvl, at) for d, lvl, at in readings])

    def open_orders(self, device_ids: Sequence[str]) -> dict[str, str]:
        return self.devices.open_orders(device_ids)


def test_a_season_of_appliances_reorders_before_they_run_dry(database_url: str) -> None:
    env = simpy.Environment()
    clock = SimPyClock(env, datetime(2026, 1, 5, tzinfo=UTC))
    platform = Platform.start(Settings(database_url=database_url), clock=clock)
    try:
        manifest = seed_world(
            platform,
            WorldSpec(products=1, customers=5, facilities=1, source=CatalogueSource.SYNTHETIC),
        )
        products = seed_consumables(platform)
        result = run_appliances(
            platform,
            env,
            DirectLink(Devices.of(platform)),
            ApplianceScenario(devices=10, days=120, seed=3),
            [str(c["id"]) for c in manifest.customers],
            products,
        )
    finally:
        platform.close()
    metrics = result.metrics()
    assert metrics["telemetry_messages"] == 10 * 120
    assert metrics["orders"] >= 10  # every appliance used at least one consumable
    assert metrics["consumables_used"] > 0
    assert metrics["never_dry_share"] >= 0.8
