"""``baro search``: why a query's results come in their order, and indexing old products."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from baro.cli._console import domain_errors_as_messages, err, out
from baro.cli.db import DbOption, database_url
from baro.core.config import Settings
from baro.platform import Platform

app = typer.Typer(
    help="Product search: explain a query's ranking, index products made before 0016.",
    no_args_is_help=True,
)


@app.command("explain")
def explain(
    query: Annotated[str, typer.Argument(help="The words, as a shopper types them")],
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Results to show")] = 10,
    home: Annotated[
        str | None,
        typer.Option(help="The shopper's home as LAT,LNG: stock near it ranks first"),
    ] = None,
) -> None:
    """Each result's text score, sales score, stock factor and final score (the weights
    are ``RankingWeights``: docs/search.md)."""
    from baro.commerce.catalog import RankingWeights

    where = _coordinates(home) if home is not None else None
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        with domain_errors_as_messages():
            found = platform.catalog.find(query, limit=limit, home=where)
    finally:
        platform.close()
    weights = RankingWeights()
    err.print(
        f"final = ({weights.text} x text + {weights.sales} x sales + {weights.category} x "
        f"category) x stock; category = share of the words its category has; sales = units "
        f"in {weights.sales_days} days / (units + {weights.sales_half_units}); "
        f"out of stock x {weights.out_of_stock}"
        + (
            f"; none within {weights.near_km:g} km of home x {weights.only_far}"
            if where is not None
            else ""
        )
    )
    if found.did_you_mean:
        err.print(
            f"did you mean: [bold]{found.did_you_mean}[/] (the words as typed found too little)"
        )
    if found.truncated:
        err.print("the query was cut to its first 200 characters or 8 words")
    table = Table(
        "#", "Product", "Title", "Text", "Sales (units)", "Category", "Stock (free)", "Final"
    )
    table.columns[1].overflow = "fold"
    for number, (item, score) in enumerate(zip(found.items, found.scores, strict=True), 1):
        product = item.product
        table.add_row(
            str(number),
            product.id,
            product.title_en or product.title_ko,
            f"{score.text:.3f} ({score.relevance:.3g})",
            f"{score.sales:.3f} ({score.units_sold:,})",
            f"{score.category:.2f}",
            f"{score.stock:.2f} ({score.available:,}"
            + (f", {score.near:,} near)" if score.near is not None else ")"),
            f"{score.final:.3f}",
        )
    out.print(table)
    out.print(f"{found.total or 0:,} matches ranked" if found.items else "no matches")
    if found.facets is not None and found.facets.arrives_by:
        out.print(
            "can arrive by: "
            + ", ".join(f"{a.by:%Y-%m-%d} {a.count:,}" for a in found.facets.arrives_by)
        )


@app.command("reindex")
def reindex(db: DbOption = None) -> None:
    """Analyse the products that have no search terms yet (made before revision 0016);
    ``baro db upgrade`` runs it. Safe to run again."""
    platform = Platform.start(Settings(database_url=database_url(db)))
    try:
        done = platform.catalog.reindex()
    finally:
        platform.close()
    err.print(f"{done:,} products indexed")


def _coordinates(text: str) -> tuple[float, float]:
    """``-23.55,-46.63`` as (lat, lng); anything else is a usage error, not a traceback."""
    from baro.core.geo import check_coordinates

    try:
        lat, lng = (float(part) for part in text.split(","))
        check_coordinates(lat, lng)
    except ValueError as error:
        raise typer.BadParameter(
            f"{text!r} is not LAT,LNG ({error})", param_hint="--home"
        ) from None
    return lat, lng
