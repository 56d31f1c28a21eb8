"""``baro recommend``: train the home page's model, and show a customer's page with why."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, err, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(
    help="The personalised home page: train its model, explain a customer's page.",
    no_args_is_help=True,
)


@app.command("train")
def train_command(db: DbOption = None) -> None:
    """Fit the recommenders on every order that stood and make the result the model the
    home page serves (the previous one is replaced whole, in one step). Run on a schedule."""
    from baro.recommendations import train

    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            model = train(platform)
    finally:
        platform.close()
    out.print(
        f"model {model.version}: {model.customers:,} customers, {model.products:,} products, "
        f"trained in {model.train_s:.1f} s"
    )


@app.command("explain")
def explain(
    customer: Annotated[str, typer.Option("--customer", help="The customer's id (cus_…)")],
    db: DbOption = None,
) -> None:
    """The customer's home page, row by row, with why each row is there."""
    from baro.recommendations import HomePages

    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            platform.customers.get(customer)  # an unknown id says so, not an empty page
            address = next(
                (a for a in platform.customers.addresses(customer) if a.is_default), None
            )
            home = (address.lat, address.lng) if address else None
            page = HomePages(platform).page(customer, home)
    finally:
        platform.close()
    if page.model_version is None:
        err.print("no model trained yet (baro recommend train): trending is the best sellers")
    else:
        err.print(f"model {page.model_version}, built {page.built_at:%Y-%m-%d %H:%M} UTC")
    for row in page.rows:
        table = Table("#", "Product", "Title", "Price", "Available", title=row.title)
        table.columns[1].overflow = "fold"
        for number, card in enumerate(row.products, start=1):
            product = card.product
            table.add_row(
                str(number),
                product.id,
                product.title_en or product.title_ko,
                str(product.price),
                f"{card.available:,}",
            )
        out.print(table)
        out.print(f"[dim]why: {row.reason}[/]")
    if not page.rows:
        out.print("nothing to show yet: no orders, and nothing in stock")
