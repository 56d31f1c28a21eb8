"""``baro replenish``: place the subscription orders due, and show a customer's suggestions
(``baro.commerce.replenishment``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, err, moment, out
from baro.cli._extras import install_hint
from baro.cli.db import DbOption, database_url
from baro.commerce.replenishment import CycleModelUnavailable, Result, RunReport
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(
    help="Products that arrive when needed: the subscription orders due, and suggestions.",
    no_args_is_help=True,
)

STYLE = {Result.PLACED: "green", Result.SKIPPED: "yellow", Result.FAILED: "red"}


def _report(report: RunReport) -> None:
    if not report.outcomes:
        out.print(f"nothing due by {report.at:%Y-%m-%d %H:%M} UTC")
        return
    table = Table("Subscription", "Result", "Order", "Total", "Next due (UTC)")
    for column in table.columns:  # ids are copied from here: folded, never cut short
        column.overflow = "fold"
    for o in report.outcomes:
        table.add_row(
            o.subscription.id,
            f"[{STYLE[o.result]}]{o.result.value}[/]",
            o.order_id or "",
            str(o.total) if o.total else "",
            f"{o.next_due_at:%Y-%m-%d %H:%M}" if o.next_due_at else "",
        )
    out.print(table)
    for o in report.outcomes:
        if o.reason:
            why = f"{o.reason} ({o.code})" if o.code else o.reason
            out.print(f"  {o.subscription.id} {o.result.value}: {escape(why)}", soft_wrap=True)
    out.print("  ".join(f"{r.value}={len(report.of(r))}" for r in Result))
    if any(o.code == CycleModelUnavailable.code for o in report.outcomes):
        err.print(
            "purchase-cycle subscriptions need baro's intelligence extra: "
            + escape(install_hint("intelligence"))
        )


@app.command("run")
def run(
    db: DbOption = None,
    now: Annotated[
        str | None,
        typer.Option(help="Place what is due by this ISO time (default: now), e.g. for a test"),
    ] = None,
) -> None:
    """Place one order for every active subscription due, once per cycle (safe to run twice,
    or from two hosts at once), and say what was placed, skipped and failed. A failure
    (out of stock, a declined card) stays due and is tried at the next run. Exits 1 when
    any failed."""
    at = moment(now)
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            report = platform.replenishment.run(at)
    finally:
        platform.close()
    _report(report)
    if report.of(Result.FAILED):
        raise typer.Exit(code=1)


@app.command("suggest")
def suggest(
    customer: Annotated[str, typer.Option("--customer", help="The customer's id (cus_…)")],
    db: DbOption = None,
) -> None:
    """The products a customer buys on a regular cycle and does not subscribe to, with the
    expected next date and its 80 % range. Nothing is ordered."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            platform.customers.get(customer)
            suggestions = platform.replenishment.suggestions(customer)
    finally:
        platform.close()
    if not suggestions:
        out.print(f"no regular purchase cycle to suggest for {escape(customer)}")
        return
    table = Table("Product", "Title", "Price", "Bought", "Every (days)", "Expected", "80 % range")
    table.columns[0].overflow = "fold"
    for s in suggestions:
        c = s.cycle
        table.add_row(
            s.product_id,
            escape(s.title),
            str(s.price),
            f"{c.purchases}×",
            f"{c.interval_days:.1f}",
            f"{c.expected_next}",
            f"{c.earliest} – {c.latest}",
        )
    out.print(table)
