"""``baro fulfillment``: a fulfillment center's floor (``baro.fulfillment``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, fail, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.jobs import release_to_floor
from baro.platform import Platform

if TYPE_CHECKING:
    from baro.fulfillment.robots import Recording

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


REPLAY_PLANNERS = ("baro", "plain_pibt")
RECORDING_SUFFIX = ".replay.json"
DEFAULT_REPLAY_STEPS = 200


@app.command("replay")
def replay(
    file: Annotated[
        str,
        typer.Argument(
            help="A Robot Runners problem (its .json config, or a name such as "
            f"EI23-warehouse_small_50 looked up in the data folder), or a *{RECORDING_SUFFIX} "
            "this command wrote"
        ),
    ],
    start: Annotated[
        int, typer.Option("--from", min=0, help="Steps run before the recorded stretch")
    ] = 0,
    steps: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=5_000,
            help=f"Steps to record (default {DEFAULT_REPLAY_STEPS}; of a recording, all it holds "
            "from --from on)",
        ),
    ] = None,
    planner: Annotated[
        str, typer.Option(help=f"Fleet planner: {' or '.join(REPLAY_PLANNERS)}")
    ] = "baro",
    seed: Annotated[int, typer.Option(help="Random seed of the planner's tie-breaks")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the files written")] = Path(
        "out/replay"
    ),
    data_dir: Annotated[Path | None, typer.Option(help="Data sets folder")] = None,
) -> None:
    """Run (or read) a stretch of robot movement and write it as an HTML player (one file that
    works offline), a congestion heatmap (PNG: robot-steps spent waiting on each cell) and the
    recording (JSON, which this command replays too)."""
    from baro.fulfillment.robots import congestion_heatmap, write_player  # the robots extra

    recording = _recording(file, start, steps, planner, seed, data_dir)
    last = recording.first_step + recording.steps
    stem = f"{recording.source}-{recording.first_step + 1}-{last}"
    try:
        player = write_player(recording, out_dir / f"{stem}.html")
        heatmap = congestion_heatmap(recording.floor, recording.waits, out_dir / f"{stem}.png")
        saved = out_dir / f"{stem}{RECORDING_SUFFIX}"
        saved.write_text(json.dumps(recording.to_json(), separators=(",", ":")))
    except OSError as error:
        raise fail(f"cannot write to {out_dir}: {error}") from error
    out.print(f"player: {player}\ncongestion heatmap: {heatmap}\nrecording: {saved}")


def _recording(
    file: str, start: int, steps: int | None, planner: str, seed: int, data_dir: Path | None
) -> Recording:
    """The stretch asked for: read from a recording, or run on a problem."""
    from baro.datasets import (
        DatasetError,
        load_robot_runners_problem,
        read_robot_runners_problem,
    )
    from baro.fulfillment.robots import (
        BaroPlanner,
        Fleet,
        PlainPibt,
        read_recording,
        record_lifelong,
    )

    if planner not in REPLAY_PLANNERS:
        raise fail(f"unknown planner {planner!r}; known: {', '.join(REPLAY_PLANNERS)}")
    path = Path(file)
    try:
        if file.endswith(RECORDING_SUFFIX):
            if not path.is_file():
                raise fail(f"no recording at {path}")
            recording = read_recording(path)
            first = start or recording.first_step
            return recording.stretch(first, steps or recording.first_step + recording.steps - first)
        problem = (
            read_robot_runners_problem(path)
            if file.endswith(".json")
            else load_robot_runners_problem(file, data_dir)
        )
    except (DatasetError, ValueError) as error:
        raise fail(str(error)) from error
    fleet_planner = BaroPlanner(seed=seed) if planner == "baro" else PlainPibt(seed=seed)
    try:
        fleet = Fleet.from_problem(problem)
        length = steps or DEFAULT_REPLAY_STEPS
        return record_lifelong(fleet, fleet_planner, start=start, steps=length, source=problem.name)
    except MemoryError as error:
        raise fail(str(error)) from error
