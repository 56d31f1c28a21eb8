"""``baro serve`` and ``baro demo``."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.cli._console import err, fail
from baro.cli.db import DbOption, database_url, safe
from baro.cli.world import build_world
from baro.core.config import Settings
from baro.core.db import check_schema, make_engine
from baro.platform import Platform
from baro.twin.demo import (
    NO_FLOOR_EXTRAS,
    DemoAccounts,
    DemoFloor,
    add_demo_accounts,
    add_demo_delivery,
    add_demo_floors,
)
from baro.twin.floor_crew import FloorCrew
from baro.twin.traffic import ShopperTraffic
from baro.twin.world import WorldManifest, WorldSpec

JobsEvery = Annotated[
    float,
    typer.Option(
        "--jobs-every",
        min=0,
        max=3600,
        help="Seconds between the platform's own ticks (locker returns and refunds, drone "
        "sorties, recovery); 0: none (run `baro jobs run` elsewhere)",
    ),
]


def run_server(url: str, host: str, port: int, workers: int, jobs_every: float) -> None:
    # The web app (FastAPI, its routes and pages: 0.7 s to import) only for the commands
    # that serve it, so that every other command starts that much sooner.
    from baro.channels.web import ServerOptions, WorkersCannotStart
    from baro.channels.web import serve as serve_api

    # Workers are separate processes that read their settings from the environment.
    os.environ["BARO_DATABASE_URL"] = url
    os.environ["BARO_JOBS_INTERVAL_SECONDS"] = str(jobs_every)
    options = ServerOptions(host=host, port=port, workers=workers)
    missing = options.missing_speedups()
    if missing:
        err.print(
            f"[yellow]note:[/] {' and '.join(missing)} not installed: serving on plain "
            "asyncio / h11, which is much slower (pip install 'uvicorn[standard]')"
        )
    try:
        serve_api(options)
    except (OSError, WorkersCannotStart) as error:
        raise fail(str(error)) from error


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes")] = 1,
    jobs_every: JobsEvery = 5.0,
) -> None:
    """Serve the API (uvicorn + uvloop + httptools; each worker its own socket)."""
    url = database_url(db)
    engine = make_engine(url)
    try:
        check_schema(engine)  # fail here, with a message, not in every worker
    finally:
        engine.dispose()
    err.print(f"baro on http://{host}:{port} (docs /docs) — database {safe(url)}")
    run_server(url, host, port, workers, jobs_every)


def demo(
    path: Annotated[Path, typer.Option("--path", help="SQLite file (replaced)")] = Path(
        "baro-demo.db"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated world")] = 7,
    traffic: Annotated[
        bool,
        typer.Option(
            help="Keep simulated shoppers ordering and a simulated floor crew picking and "
            "packing, so the console is alive"
        ),
    ] = False,
    traffic_rate: Annotated[
        float, typer.Option(min=0.01, max=50, help="Simulated orders per second")
    ] = 0.5,
    jobs_every: JobsEvery = 5.0,
) -> None:
    """Generate a fresh world on embedded SQLite and serve it: the storefront, the operations
    console and the API."""
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    manifest = build_world(url, WorldSpec(seed=seed))
    people, gadgets, floors = _demo_accounts(url, manifest, seed)
    credentials = path.with_suffix(".json")
    credentials.write_text(
        json.dumps(
            {**manifest.to_json(), "web": people.to_json(), "devices": gadgets.to_json()},
            indent=2,
            ensure_ascii=False,
        )
    )
    credentials.chmod(0o600)  # passwords and keys
    customer = manifest.customers[0]
    product = manifest.products[0]
    base = f"http://{host}:{port}"
    err.print(
        f"""
[bold green]baro demo[/] — {len(manifest.products)} products, {len(manifest.facilities)} \
fulfillment centers, {len(manifest.customers)} customers on {path}

  Storefront  [bold]{base}/[/]
              shopper  {people.shopper_email}  password [bold]{people.shopper_password}[/]
  Console     [bold]{base}/ops[/]
              operator {people.operator_email}  password [bold]{people.operator_password}[/]
  API docs    {base}/docs
              customer {customer["id"]}  key [bold]{customer["api_key"]}[/]
              operator admin key [bold]{manifest.admin_api_key}[/]
  All of it   {credentials} (the `baro world seed --json` manifest, and the web accounts)

  Floors      {base}/ops/fulfillment — {_floors_line(floors)}

  Devices     a Dash button the shopper owns (press it as the device would):
                curl -s -X POST {base}/v1/device/slots/main/press \\
                  -H 'Authorization: Bearer {gadgets.button_secret}' \\
                  -H 'Content-Type: application/json' -d '{{"press_id": "demo-press-1"}}'
              a washing machine to claim at {base}/account/devices with code \
[bold]{gadgets.appliance_claim_code}[/]

  Try 1-Click from the API:
    curl -s -X POST {base}/v1/orders/one-click \\
      -H 'Authorization: Bearer {customer["api_key"]}' \\
      -H 'Idempotency-Key: demo-1' -H 'Content-Type: application/json' \\
      -d '{{"product_id": "{product["id"]}", "quantity": 1}}'
""",
        soft_wrap=True,
    )
    shoppers, crew, crew_platform = None, None, None
    if traffic:
        shoppers = ShopperTraffic(base, manifest, orders_per_s=traffic_rate, seed=seed)
        shoppers.start()
        # The crew drives the WMS in this process, beside the server, on its own connections.
        crew_platform = Platform.start(Settings(database_url=url))
        crew = FloorCrew(crew_platform)
        crew.start()
        err.print(
            f"  Simulated shoppers order about {traffic_rate:g} times a second; a simulated "
            "floor crew picks, packs and hands off their orders.\n"
        )
    try:
        run_server(url, host, port, workers=1, jobs_every=jobs_every)
    finally:
        if shoppers is not None:
            shoppers.stop()
        if crew is not None and crew_platform is not None:
            crew.stop()
            crew_platform.close()


def _demo_accounts(
    url: str, manifest: WorldManifest, seed: int
) -> tuple[DemoAccounts, DemoDevices, list[DemoFloor]]:
    platform = Platform.start(Settings(database_url=url))
    try:
        add_demo_delivery(platform, manifest, seed)
        floors = add_demo_floors(platform, manifest)
        people = add_demo_accounts(platform, manifest)
        return people, _demo_devices(platform, manifest, people.shopper_customer_id), floors
    finally:
        platform.close()


def _floors_line(floors: list[DemoFloor]) -> str:
    if not floors:
        return f"no robot floors ({NO_FLOOR_EXTRAS})"
    first = floors[0]
    units = sum(f.units for f in floors)
    return (
        f"a robot floor in each of {len(floors)} centres ({first.pods} pods, "
        f"{first.stations} stations), {units:,} units stowed"
    )


@dataclass(frozen=True)
class DemoDevices:
    button_id: str
    button_secret: str
    appliance_id: str
    appliance_claim_code: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def _demo_devices(platform: Platform, manifest: WorldManifest, shopper: str) -> DemoDevices:
    """A Dash button the demo shopper owns, and a washing machine left for them to claim
    (the storefront's devices page shows both ends)."""
    devices = Devices.of(platform)
    first, second = (str(p["id"]) for p in manifest.products[:2])
    button = devices.register(DeviceKind.BUTTON, "Dash button", [SlotSpec("main", first)])
    devices.claim(shopper, button.claim_code)
    washer = devices.register(
        DeviceKind.APPLIANCE, "Washing machine", [SlotSpec("detergent", second)]
    )
    return DemoDevices(button.device.id, button.secret, washer.device.id, washer.claim_code)
