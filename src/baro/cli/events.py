"""``baro events``: the outbox, delivered."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from baro.cli._console import out
from baro.cli.db import DbOption, database_url
from baro.core.clock import SystemClock
from baro.core.db import Database
from baro.core.events import OutboxRelay, StoredEvent

app = typer.Typer(help="Domain events from the transactional outbox.", no_args_is_help=True)


def _print(event: StoredEvent) -> None:
    out.print_json(
        json.dumps(
            {
                "seq": event.seq,
                "event_id": event.event_id,
                "type": event.event_type,
                "aggregate_id": event.aggregate_id,
                "occurred_at": event.occurred_at.isoformat(),
                "data": dict(event.data),
            }
        ),
        indent=None,
    )


@app.command("relay")
def relay(
    db: DbOption = None,
    follow: Annotated[bool, typer.Option(help="Keep polling for new events")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between polls")] = 1.0,
) -> None:
    """Deliver unpublished events, in order, as JSON lines on stdout (at least once)."""
    database = Database.connect(database_url(db))
    relay = OutboxRelay(database, _print, SystemClock().now)
    try:
        relay.drain()
        while follow:
            time.sleep(interval)
            relay.drain()
    finally:
        database.dispose()
