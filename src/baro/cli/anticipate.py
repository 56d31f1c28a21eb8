"""``baro anticipate``: stock sent toward the regions that will buy it (``baro.anticipation``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from baro.cli._console import err, fail_message, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.core.errors import DomainError
from baro.platform import Platform

if TYPE_CHECKING:
    from baro.anticipation import AnticipationSettings, Run

app = typer.Typer(
    help="Acting on the demand forecast: transfers that put stock where it will sell.",
    no_args_is_help=True,
)


def _report(run: Run, names: dict[str, str]) -> None:
    if run.dispatch.transfers and not run.dispatch.replayed:
        table = Table("Product", "From", "To", "Units", "Arrives (UTC)", title="Sent")
        for t in run.dispatch.transfers:
            table.add_row(
                t.product_id,
                names.get(t.from_facility, t.from_facility),
                names.get(t.to_facility, t.to_facility),
                f"{t.quantity:,}",
                t.arrives_at.strftime("%Y-%m-%d %H:%M"),
            )
        err.print(table)
    plan = run.dispatch.plan.summary
    if plan.expected_fill_before is not None and plan.expected_fill_after is not None:
        err.print(
            f"expected local fill {plan.expected_fill_before:.0%} -> "
            f"{plan.expected_fill_after:.0%} of {plan.expected_demand or 0:,.0f} units forecast"
        )
    for note in run.notes:
        err.print(f"  {escape(note)}")
    out.print(escape(run.summary()), soft_wrap=True)


def _one(platform: Platform, settings: AnticipationSettings) -> bool:
    """One run with its progress on stderr; False when it failed (the message is printed)."""
    from baro.anticipation import run_once

    try:
        with err.status("anticipating") as status:
            run = run_once(platform, settings, progress=lambda step: status.update(step))
    except DomainError as error:
        fail_message(f"{error.message} ({error.code})")
        return False
    _report(run, {f.id: f.name for f in platform.network.facilities()})
    return True


@app.command("run")
def run(
    db: DbOption = None,
    once: Annotated[bool, typer.Option(help="One run, then exit (for cron)")] = False,
    every: Annotated[
        float, typer.Option(min=60, max=7 * 86400, help="Seconds between runs")
    ] = 3600.0,
    horizon_days: Annotated[
        int, typer.Option(min=1, max=366, help="Days of demand the stock is placed for")
    ] = 7,
    period: Annotated[
        str, typer.Option(help="Forecast by 'day' or by 'week' (from Monday)")
    ] = "day",
    budget_units: Annotated[
        int | None,
        typer.Option(min=0, help="Most units the centres may hold after a plan (default: no cap)"),
    ] = None,
    unit_value_minor: Annotated[
        int,
        typer.Option(min=0, help="What a unit sold from the centre serving its buyer is worth"),
    ] = 500,
    lead_hours: Annotated[
        float, typer.Option(min=0, max=720, help="Hours ahead the stock must be in place by")
    ] = 24.0,
) -> None:
    """Forecast demand per centre's catchment from the orders in the database, plan the
    transfers that fill more of it locally, send them (once per plan), and land the ones due.
    Too little order history is a message and no transfers, not an error."""
    from baro.anticipation import AnticipationSettings

    if period not in ("day", "week"):
        raise typer.BadParameter("choose 'day' or 'week'", param_hint="--period")
    chosen: Literal["day", "week"] = "day" if period == "day" else "week"
    settings = AnticipationSettings(
        horizon_days=horizon_days,
        period=chosen,
        budget_units=budget_units,
        unit_value_minor=unit_value_minor,
        lead_hours=lead_hours,
    )
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        ok = _one(platform, settings)
        while not once:
            time.sleep(every)
            _one(platform, settings)
    except KeyboardInterrupt:
        pass
    finally:
        platform.close()
    if once and not ok:
        raise typer.Exit(code=1)
