"""``baro orders``: operator tasks on orders."""

from __future__ import annotations

import typer

from baro.cli._console import err, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(help="Orders: operator tasks.", no_args_is_help=True)


@app.command("recover")
def recover(db: DbOption = None) -> None:
    """Finish orders whose server process died between reserving stock and paying
    (older than BARO_ABANDONED_AFTER_SECONDS); safe to run on a schedule."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        finished = platform.orders.recover_abandoned()
    finally:
        platform.close()
    for order in finished:
        out.print(f"{order.id}  {order.status.value}")
    err.print(f"{len(finished)} abandoned orders finished")
