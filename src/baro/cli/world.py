"""``baro world``: build a world to run baro on."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from baro.cli._console import domain_errors_as_messages, err, fail, out, progress_bar
from baro.cli._extras import has_extra, install_hint
from baro.cli.db import DbOption, database_url, safe
from baro.core.config import Settings
from baro.core.db import upgrade
from baro.platform import Platform
from baro.twin.world import CatalogueSource, WorldManifest, WorldSpec, seed_world

# More than any catalogue the data sets hold (Instacart's is 49,688): "all of them".
ALL_PRODUCTS = 10_000_000

app = typer.Typer(
    help="Worlds: seed a database with facilities, products and customers.", no_args_is_help=True
)


def build_world(url: str, spec: WorldSpec) -> WorldManifest:
    """Migrate ``url`` and seed it, with a progress bar on stderr."""
    spec = _without_olist_unless_installed(spec)
    upgrade(url)
    platform = Platform.start(Settings(database_url=url))
    try:
        with progress_bar() as bar:
            task = bar.add_task("customers", total=spec.customers)

            def report(stage: str, count: int) -> None:
                if stage == "customers":
                    bar.advance(task, count)
                else:
                    bar.console.print(f"  {stage}: {count}")

            with domain_errors_as_messages():
                try:
                    return seed_world(platform, spec, progress=report)
                except ValueError as error:
                    raise fail(str(error)) from error
                except Exception as error:
                    if _is_dataset_error(error):
                        raise fail(str(error)) from error
                    raise
    finally:
        platform.close()


def _without_olist_unless_installed(spec: WorldSpec) -> WorldSpec:
    """Olist worlds read the data sets with the twin extra's libraries; on a server install
    ``auto`` generates the world instead, and says so."""
    if spec.source is CatalogueSource.SYNTHETIC or has_extra("twin"):
        return spec
    if spec.source in (CatalogueSource.OLIST, CatalogueSource.INSTACART):
        raise fail(
            f"a world of {spec.source} products needs baro's twin extra: {install_hint('twin')}"
        )
    err.print(
        f"a generated world (for Olist's products and customers: {install_hint('twin')})",
        markup=False,
    )
    return replace(spec, source=CatalogueSource.SYNTHETIC)


def _is_dataset_error(error: Exception) -> bool:
    # Only the data set loaders raise it, so it is loaded when it is raised: importing it
    # up front would pull the twin extra into every ``baro world`` run.
    errors = sys.modules.get("baro.datasets.errors")
    return errors is not None and isinstance(error, errors.DatasetError)


@app.command("seed")
def seed(
    db: DbOption = None,
    products: Annotated[
        int | None,
        typer.Option(
            min=1, help="Products in the catalogue [default: 1,000; Instacart's: all of them]"
        ),
    ] = None,
    customers: Annotated[int, typer.Option(min=1, help="Customers with address and card")] = 100,
    facilities: Annotated[int, typer.Option(min=1, max=8, help="Fulfillment centers")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same world")] = 7,
    source: Annotated[
        CatalogueSource,
        typer.Option(
            "--catalogue",
            "--source",
            help="Catalogue: Olist's real products, Instacart's real product names, or "
            "generated (auto: Olist when its files are there)",
        ),
    ] = CatalogueSource.AUTO,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data sets folder (default BARO_DATA_DIR, ../shared/data)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print ids and API keys as JSON")] = False,
) -> None:
    """Create a world: products, stocked fulfillment centers, customers with keys."""
    url = database_url(db)
    if products is None:
        products = ALL_PRODUCTS if source is CatalogueSource.INSTACART else 1_000
    spec = WorldSpec(products, customers, facilities, seed=seed, source=source, data_dir=data_dir)
    manifest = build_world(url, spec)
    if as_json:
        out.print_json(json.dumps(manifest.to_json()))
    else:
        err.print(
            f"[green]seeded[/] {safe(url)}: {len(manifest.products)} products, "
            f"{len(manifest.facilities)} facilities, {len(manifest.customers)} customers; "
            f"admin key {manifest.admin_api_key}"
        )
