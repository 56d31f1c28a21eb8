"""``baro prime``: the membership plans, and the renewal run (``baro.commerce.prime``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, moment, out
from baro.cli.db import DbOption, database_url
from baro.commerce.prime import RenewalReport, RenewalResult
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(help="Prime membership: plans and renewals.", no_args_is_help=True)

STYLE = {
    RenewalResult.RENEWED: "green",
    RenewalResult.SKIPPED: "yellow",
    RenewalResult.FAILED: "red",
    RenewalResult.LAPSED: "red",
}


@app.command("plans")
def plans(db: DbOption = None) -> None:
    """Each plan, its price in every currency it is sold in, and changes announced."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        offers = platform.prime.plans()
    finally:
        platform.close()
    table = Table("Plan", "Period", "Trial (days)", "Household", "Prices", "Announced")
    for offer in offers:
        table.add_row(
            offer.plan.id,
            offer.plan.period.value,
            str(offer.plan.trial_days),
            str(offer.plan.household_max),
            ", ".join(p.format() for p in offer.prices),
            ", ".join(
                f"{p.amount.format()} from {p.effective_from:%Y-%m-%d}" for p in offer.upcoming
            ),
        )
    out.print(table)


def _report(report: RenewalReport) -> None:
    if not report.renewals:
        out.print(f"nothing due by {report.at:%Y-%m-%d %H:%M} UTC")
        return
    table = Table("Membership", "Period", "Result", "Charged", "Next charge (UTC)")
    table.columns[0].overflow = "fold"
    for r in report.renewals:
        table.add_row(
            r.membership_id,
            str(r.period),
            f"[{STYLE[r.result]}]{r.result.value}[/]",
            r.charged.format() if r.charged else "",
            f"{r.next_charge_at:%Y-%m-%d %H:%M}" if r.next_charge_at else "",
        )
    out.print(table)
    for r in report.renewals:
        if r.reason:
            out.print(f"  {r.membership_id} {r.result.value}: {escape(r.reason)}", soft_wrap=True)
    out.print("  ".join(f"{result.value}={len(report.of(result))}" for result in RenewalResult))


@app.command("renew")
def renew(
    db: DbOption = None,
    now: Annotated[
        str | None,
        typer.Option(help="Renew what is due by this ISO time (default: now), e.g. for a test"),
    ] = None,
) -> None:
    """Renew every membership whose charge is due, once per period (safe to run twice, or
    from two hosts at once; the platform's ticks run it too), and say what it did: renewed,
    declined (retried on its day), lapsed after the last retry, or skipped."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            report = platform.prime.renew(moment(now))
    finally:
        platform.close()
    _report(report)
