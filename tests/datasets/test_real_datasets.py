"""The loaders on the real ``shared/data``: checksums, stated row counts, benchmark invariants.

Skipped, with the reason, where the data directory is absent. Expectations come from the data
directory's own ``SOURCES.md`` and from the formats, never from the particular rows shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import baro.datasets as ds

pytestmark = pytest.mark.data

RowCount = Callable[[Path], int]


def height(loader: Callable[[Path], pl.DataFrame]) -> RowCount:
    return lambda data_dir: loader(data_dir).height


ROW_COUNTS: dict[str, RowCount] = {
    "olist/customers.csv.gz": height(ds.load_olist_customers),
    "olist/geolocation_one_row_per_prefix.csv.gz": height(ds.load_olist_geolocation),
    "olist/order_items.csv.gz": height(ds.load_olist_order_items),
    "olist/orders.csv.gz": height(ds.load_olist_orders),
    "olist/product_category_name_translation.csv": height(ds.load_olist_category_translation),
    "olist/products.csv.gz": height(ds.load_olist_products),
    "olist/sellers.csv": height(ds.load_olist_sellers),
    "olist_casestudy/customers.csv.gz": height(ds.load_olist_casestudy_customers),
    "olist_casestudy/geolocation.csv.gz": height(ds.load_olist_casestudy_geolocation),
    "olist_casestudy/order_items.csv.gz": height(ds.load_olist_casestudy_order_items),
    "olist_casestudy/order_payments.csv.gz": height(ds.load_olist_casestudy_payments),
    "olist_casestudy/order_reviews.csv.gz": height(ds.load_olist_casestudy_reviews),
    "olist_casestudy/orders.csv.gz": height(ds.load_olist_casestudy_orders),
    "instacart/aisles.csv": height(ds.load_instacart_aisles),
    "instacart/departments.csv": height(ds.load_instacart_departments),
    "instacart/order_products__prior.csv.gz": height(ds.load_instacart_order_products_prior),
    "instacart/orders.csv.gz": height(ds.load_instacart_orders),
    "instacart/products.csv.gz": height(ds.load_instacart_products),
    "online_retail/online_retail.csv.gz": height(ds.load_online_retail),
    "m5/calendar.csv": height(ds.load_m5_calendar),
    # The file has one row per series; the frame one per series and day.
    "m5/sales_train_validation_10series.csv": lambda d: ds.load_m5_sales(d)["id"].n_unique(),
    "m5/sell_prices_10items.csv": height(ds.load_m5_sell_prices),
    "cvrplib_x/bks.csv": lambda d: ds.load_vrp_bks("cvrplib_x", d).height,
    "solomon/bks.csv": lambda d: ds.load_vrp_bks("solomon", d).height,
    "robot_runners_2023/best_known_2023_test_round.csv": height(ds.load_robot_runners_best_known),
}


def row_count(relative: str, data_dir: Path) -> int:
    if relative.startswith("mapf_movingai/scen/"):
        return ds.load_mapf_scenario(Path(relative).stem, data_dir).height
    return ROW_COUNTS[relative](data_dir)


def test_every_file_has_the_sha256_sources_md_states(real_data_dir: Path) -> None:
    checks = ds.verify(real_data_dir)

    assert [str(check.entry.path) for check in checks if not check.ok] == []


def test_every_table_loads_with_the_row_count_sources_md_states(real_data_dir: Path) -> None:
    tables = [entry for entry in ds.read_manifest(real_data_dir) if entry.rows is not None]

    counted = {str(entry.path): row_count(str(entry.path), real_data_dir) for entry in tables}

    assert counted == {str(entry.path): entry.rows for entry in tables}


def test_best_known_routes_cost_what_bks_states_in_each_sets_convention(
    real_data_dir: Path,
) -> None:
    def nearest_integer(length: float) -> float:
        return math.floor(length + 0.5)

    def one_decimal_truncated(length: float) -> float:
        return math.floor(10 * length) / 10

    arc_length = {"cvrplib_x": nearest_integer, "solomon": one_decimal_truncated}
    wrong = []
    for set_name in ds.VRP_SETS:
        for name in ds.list_vrp_instances(set_name, real_data_dir):
            instance = ds.load_vrp_instance(set_name, name, real_data_dir)
            solution = ds.load_vrp_solution(set_name, name, real_data_dir)
            xy = instance.coordinates
            cost = sum(
                arc_length[set_name](math.dist(xy[a], xy[b]))
                for route in solution.routes
                for a, b in zip((0, *route), (*route, 0), strict=True)
            )
            loads = [int(instance.demands[list(route)].sum()) for route in solution.routes]
            if not (
                math.isclose(cost, solution.cost, abs_tol=1e-6)
                and solution.cost == instance.bks_cost
                and len(solution.routes) == instance.bks_routes
                and max(loads) <= instance.capacity
            ):
                wrong.append(name)

    assert wrong == []


def test_scenario_agents_start_and_end_on_free_cells_of_their_map(real_data_dir: Path) -> None:
    for map_name in ds.list_mapf_maps(real_data_dir):
        grid = ds.load_mapf_map(map_name, real_data_dir)
        for scenario in ds.list_mapf_scenarios(map_name, real_data_dir):
            agents = ds.load_mapf_scenario(scenario, real_data_dir)
            assert (agents["width"] == grid.width).all() and (agents["height"] == grid.height).all()
            for x, y in (("start_x", "start_y"), ("goal_x", "goal_y")):
                assert grid.free[agents[y].to_numpy(), agents[x].to_numpy()].all(), scenario


def test_every_robot_runners_problem_loads_with_its_team_on_free_cells(
    real_data_dir: Path,
) -> None:
    names = ds.list_robot_runners_problems(real_data_dir)

    for name in names:
        problem = ds.load_robot_runners_problem(name, real_data_dir)
        assert problem.team_size <= len(problem.agent_starts)
        assert problem.grid.free.ravel()[problem.tasks].all()
    best = set(ds.load_robot_runners_best_known(real_data_dir)["instance"])
    assert {name for name in names if name.startswith("TR23-")} <= best


def test_olist_references_resolve_and_customers_can_be_placed(real_data_dir: Path) -> None:
    orders = ds.load_olist_orders(real_data_dir)
    items = ds.load_olist_order_items(real_data_dir)
    customers = ds.load_olist_customers(real_data_dir)
    lookup = ds.load_olist_geolocation(real_data_dir)

    located = ds.add_coordinates(customers, lookup, "customer_zip_code_prefix")

    assert items.join(orders, on="order_id", how="anti").height == 0
    assert orders.join(customers, on="customer_id", how="anti").height == 0
    assert located.height == customers.height
    assert located["lat"].is_not_null().mean() > 0.95  # type: ignore[operator]
    assert (items["price_minor"] > 0).all()


def test_online_retail_cancellations_return_goods(real_data_dir: Path) -> None:
    lines = ds.load_online_retail(real_data_dir)

    cancellations = lines.filter(pl.col("is_cancellation"))

    assert cancellations.height > 0
    assert (cancellations["quantity"] < 0).all()
    assert lines["invoice_date"].dtype == pl.Datetime("us", "UTC")
    assert np.issubdtype(lines["unit_price_minor"].to_numpy().dtype, np.integer)
