"""``baro fulfillment``: a fulfillment center's floor (``baro.fulfillment``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.jobs import release_to_floor
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


@app.command("release")
def release(
    order_ids: Annotated[list[str], typer.Argument(help="Allocated orders to pick, as one wave")],
    db: DbOption = None,
) -> None:
    """Put orders on their facility's pick list (a wave) and print the picker's walk: bin,
    pod and shelf, product, units. An order whose units are not all in bins waits."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            releases = release_to_floor(platform, order_ids)
            lists = sorted({r.pick_list_id for r in releases if r.pick_list_id})
            walks = {pick_list: platform.fulfillment.pick_list(pick_list) for pick_list in lists}
    finally:
        platform.close()
    for r in releases:
        outcome = f"on {r.pick_list_id}" if r.pick_list_id else f"[yellow]waits: {r.waiting}[/]"
        out.print(f"{r.request.order_id}: {outcome}")
    not_sent = sorted(set(order_ids) - {r.request.order_id for r in releases})
    for order_id in not_sent:
        out.print(f"{order_id}: [yellow]not sent (not allocated, or split over facilities)[/]")
    for pick_list, tasks in walks.items():
        table = Table("#", "Bin", "Pod", "Shelf", "Product", "Units", "Order", title=pick_list)
        for t in tasks:
            table.add_row(
                str(t.seq + 1),
                t.bin_id,
                t.pod or "",
                "" if t.shelf is None else str(t.shelf),
                t.product_id,
                str(t.units),
                t.order_id,
            )
        out.print(table)
