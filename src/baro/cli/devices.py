"""``baro devices``: register appliances and buttons, and run the MQTT bridge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import aiomqtt
import typer
from rich.table import Table

from baro.channels.devices import DeviceKind, Devices, SlotSpec
from baro.channels.devices.bridge import Bridge, Broker
from baro.cli._console import domain_errors_as_messages, err, fail, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(help="Devices: Dash buttons and appliances, and their MQTT bridge.")


def parse_slot(text: str) -> SlotSpec:
    """``name=product_id[:quantity[:capacity]]``; raises ValueError with what is wrong."""
    name, equals, rest = text.partition("=")
    fields = rest.split(":") if equals else []
    if not name or not fields or not fields[0] or len(fields) > 3:
        raise ValueError(f"a slot is name=product_id[:quantity[:capacity]], got {text!r}")
    try:
        quantity = int(fields[1]) if len(fields) > 1 else 1
        capacity = float(fields[2]) if len(fields) > 2 else 1.0
    except ValueError:
        raise ValueError(
            f"slot {name}: the quantity is a whole number, the capacity a number"
        ) from None
    return SlotSpec(name, fields[0], quantity, capacity)


@app.command("register")
def register(
    label: Annotated[str, typer.Option(help="What the owner will see, e.g. 'Kitchen washer'")],
    slot: Annotated[
        list[str],
        typer.Option(
            help="name=product_id[:quantity[:capacity]], once per slot (a button has one)"
        ),
    ],
    kind: Annotated[DeviceKind, typer.Option(help="button or appliance")] = DeviceKind.APPLIANCE,
    db: DbOption = None,
) -> None:
    """A maker's new device. Prints its id, its secret (flash it into the device) and its
    claim code (print it in the box): both are shown this once, and kept only hashed."""
    try:
        specs = [parse_slot(text) for text in slot]
    except ValueError as error:
        raise fail(str(error)) from error
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            new = Devices.of(platform).register(kind, label, specs)
    finally:
        platform.close()
    table = Table(title=f"{kind.value} {label!r} registered (the secret and code are shown once)")
    table.add_column("field")
    table.add_column("value", overflow="fold")
    table.add_row("device id", new.device.id)
    table.add_row("secret", new.secret)
    table.add_row("claim code", new.claim_code)
    for spec in specs:
        table.add_row(
            f"slot {spec.slot}", f"{spec.product_id} ×{spec.quantity}, capacity {spec.capacity:g}"
        )
    out.print(table)


@app.command("bridge")
def bridge(
    mqtt_url: Annotated[
        str | None,
        typer.Option(help="The broker, mqtt://host[:port] (default: BARO_MQTT_URL)"),
    ] = None,
    db: DbOption = None,
    client_id: Annotated[
        str, typer.Option(help="MQTT client id: the broker keeps its session while it is away")
    ] = "baro-bridge",
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Serve Prometheus metrics on 127.0.0.1:PORT"),
    ] = None,
) -> None:
    """Verify appliances' signed telemetry and presses, reorder and place them, and answer
    each device on baro/cmd/<device>/order. Run one bridge per database (it is the one
    writer of slot levels). Stops cleanly on Ctrl-C or SIGTERM."""
    settings = Settings(database_url=database_url(db))
    url = mqtt_url or settings.mqtt_url
    if not url:
        raise fail("no broker: pass --mqtt-url mqtt://host:port or set BARO_MQTT_URL")
    try:
        broker = Broker.parse(url)
    except ValueError as error:
        raise fail(str(error)) from error
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if metrics_port:
        from prometheus_client import start_http_server

        try:
            start_http_server(metrics_port, addr="127.0.0.1")
        except OSError as error:
            raise fail(f"cannot serve metrics on 127.0.0.1:{metrics_port}: {error}") from error
    platform = Platform.start(settings)
    try:
        runner = Bridge(
            Devices.of(platform),
            platform.clock,
            broker,
            window_s=settings.device_message_window_seconds,
            client_id=client_id,
        )
        asyncio.run(_serve(runner))
    finally:
        platform.close()
    stats = runner.stats()
    err.print(
        f"bridge stopped: {stats['accepted_telemetry']} readings, {stats['accepted_presses']} "
        f"presses accepted; rejected {stats['rejected']}; {stats['reorders']} reorders"
    )


async def _serve(runner: Bridge) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, runner.stop)
    err.print(f"[green]bridge on {runner.broker}[/] (Ctrl-C stops it)")
    try:
        await runner.run()
    except aiomqtt.MqttError as error:  # not retried: the bridge was asked not to
        raise fail(f"the MQTT broker at {runner.broker} failed: {error}") from error
