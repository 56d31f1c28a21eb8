"""``baro fulfillment``: a fulfillment center's floor (``baro.fulfillment``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(
    help="The fulfillment center's floor: bins, receiving, picking.", no_args_is_help=True
)


@app.command("status")
def status(
    facility: Annotated[str, typer.Option(help="The facility's id")],
    db: DbOption = None,
) -> None:
    """Bins and the units in them, units in receiving and packing, open inbounds, orders
    by stage, bad scans by kind, and whether the floor reconciles with ``on_hand``."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            floor = platform.fulfillment.status(facility)
            mismatches = platform.fulfillment.reconcile(facility)
    finally:
        platform.close()
    table = Table("What", "Count")
    table.add_row("bins", f"{floor.bins:,}")
    table.add_row("units in bins", f"{floor.units_in_bins:,}")
    table.add_row("units in receiving", f"{floor.receiving:,}")
    table.add_row("units in packing", f"{floor.packing:,}")
    table.add_row("open inbounds", f"{floor.open_inbounds:,}")
    for stage, count in sorted(floor.orders.items()):
        table.add_row(f"orders {stage}", f"{count:,}")
    for kind, count in sorted(floor.bad_scans.items()):
        table.add_row(f"bad scans: {kind}", f"{count:,}")
    out.print(table)
    if not mismatches:
        out.print("reconciled: every unit on hand is in a bin, receiving, packing or a parcel")
        return
    gaps = Table("Product", "On hand", "On the floor")
    for m in mismatches:
        gaps.add_row(m.product_id, f"{m.on_hand:,}", f"{m.on_floor:,}")
    out.print(f"[red]{len(mismatches)} products do not reconcile[/]")
    out.print(gaps)
    raise typer.Exit(1)
