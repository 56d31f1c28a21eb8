"""``baro jobs``: the platform's own work on a clock (see ``baro.jobs``)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from baro.cli._console import err, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.jobs import Jobs, Tick
from baro.platform import Platform

app = typer.Typer(help="The platform's own work: lockers, drones, recovery.", no_args_is_help=True)


def _report(tick: Tick) -> None:
    if not tick.ran:
        err.print("another process is running a tick; skipped")
        return
    done = {what: count for what, count in tick.counts().items() if count}
    out.print("  ".join(f"{what}={count}" for what, count in done.items()) or "nothing to do")
    for order_id, why in tick.waiting.items():
        err.print(f"  drone order {order_id} waits: {why}")


@app.command("run")
def run(
    db: DbOption = None,
    once: Annotated[bool, typer.Option(help="One tick, then exit (for cron)")] = False,
    every: Annotated[float, typer.Option(min=0.1, max=3600, help="Seconds between ticks")] = 5.0,
) -> None:
    """Return uncollected locker parcels and refund them, assign and fly drone sorties, and
    finish placements and refunds a dead process left halfway. Safe beside `baro serve`'s
    own ticks: on PostgreSQL one process runs a tick at a time."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    jobs = Jobs(platform)
    try:
        _report(jobs.tick())
        while not once:
            time.sleep(every)
            _report(jobs.tick())
    except KeyboardInterrupt:
        pass
    finally:
        platform.close()
