"""``baro``: the command line. Commands parse, call one service and render; no logic here."""

from __future__ import annotations

import typer
from sqlalchemy.exc import OperationalError

from baro.cli import (
    anticipate,
    bench,
    data,
    db,
    devices,
    events,
    fulfillment,
    jobs,
    orders,
    prime,
    recommend,
    replenish,
    report,
    search,
    serve,
    simulate,
    world,
)
from baro.cli._console import fail_message
from baro.cli._extras import missing_extra_message
from baro.core.db import SchemaOutOfDate

app = typer.Typer(
    name="baro",
    help="baro (바로): self-hostable commerce — 1-Click orders, fulfillment, delivery.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("simulate")(simulate.simulate)
app.add_typer(db.app, name="db")
app.add_typer(devices.app, name="devices")
app.add_typer(events.app, name="events")
app.add_typer(orders.app, name="orders")
app.add_typer(jobs.app, name="jobs")
app.add_typer(anticipate.app, name="anticipate")
app.add_typer(replenish.app, name="replenish")
app.add_typer(prime.app, name="prime")
app.add_typer(recommend.app, name="recommend")
app.add_typer(data.app, name="data")
app.add_typer(world.app, name="world")
app.add_typer(bench.app, name="bench")
app.add_typer(report.app, name="report")
app.add_typer(search.app, name="search")
app.add_typer(fulfillment.app, name="fulfillment")


def main() -> None:
    """The console script: a database that is unreachable or not migrated, or an extra that
    is not installed, is a message."""
    try:
        app()
    except ModuleNotFoundError as error:
        message = missing_extra_message(error)
        if message is None:
            raise
        raise SystemExit(fail_message(message)) from error
    except SchemaOutOfDate as error:
        raise SystemExit(fail_message(str(error))) from error
    except OperationalError as error:
        raise SystemExit(fail_message(f"the database did not answer: {error.orig}")) from error
