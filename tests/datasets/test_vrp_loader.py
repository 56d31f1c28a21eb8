"""CVRPLIB X and Solomon loaders (via vrplib) on tiny instances written by the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from baro.datasets import (
    DatasetCorrupt,
    DatasetMissing,
    list_vrp_instances,
    load_vrp_bks,
    load_vrp_instance,
    load_vrp_solution,
)

Put = Callable[[str, str], Path]

CVRP = """NAME : X-n4-k2
COMMENT : "tiny"
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 -3 4
4 0 10
DEMAND_SECTION
1 0
2 6
3 5
4 4
DEPOT_SECTION
1
-1
EOF
"""
SOLOMON = """NAME : C1
TYPE : CVRPTW
DIMENSION : 3
VEHICLES : 2
CAPACITY : 200
SERVICE_TIME : 90
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 40 50
2 45 68
3 45 70
DEMAND_SECTION
1 0
2 10
3 30
TIME_WINDOW_SECTION
1 0 1236
2 912 967
3 825 870
DEPOT_SECTION
1
-1
EOF
"""
X_BKS_HEADER = "instance,dimension,capacity,bks_routes,bks_cost\n"


@pytest.fixture
def cvrp(put: Put) -> None:
    put("cvrplib_x/X-n4-k2.vrp", CVRP)
    put("cvrplib_x/X-n4-k2.sol", "Route #1: 1 3\nRoute #2: 2\nCost 36\n")
    put("cvrplib_x/bks.csv", X_BKS_HEADER + "X-n4-k2,4,10,2,36\n")


def test_a_cvrp_instance_has_nodes_demands_capacity_and_its_best_known_cost(
    cvrp: None, data_dir: Path
) -> None:
    instance = load_vrp_instance("cvrplib_x", "X-n4-k2", data_dir)

    assert instance.dimension == 4
    assert instance.depot == 0
    assert instance.capacity == 10
    assert instance.coordinates.tolist() == [[0, 0], [3, 4], [-3, 4], [0, 10]]
    assert instance.coordinates.dtype == np.float64
    assert instance.demands.tolist() == [0, 6, 5, 4]
    assert instance.time_windows is None and instance.service_times is None
    assert (instance.bks_cost, instance.bks_routes) == (36.0, 2)


def test_instance_arrays_are_read_only(cvrp: None, data_dir: Path) -> None:
    instance = load_vrp_instance("cvrplib_x", "X-n4-k2", data_dir)

    with pytest.raises(ValueError, match="read-only"):
        instance.demands[1] = 0


def test_a_solution_lists_customer_routes_and_the_cost(cvrp: None, data_dir: Path) -> None:
    solution = load_vrp_solution("cvrplib_x", "X-n4-k2", data_dir)

    assert solution.routes == ((1, 3), (2,))
    assert solution.cost == 36


def test_solomon_has_time_windows_and_service_times_but_none_at_the_depot(
    put: Put, data_dir: Path
) -> None:
    put("solomon/vrplib/C1.vrp", SOLOMON)
    put("solomon/bks.csv", "instance,bks_routes,bks_distance\nC1,1,827.3\n")

    instance = load_vrp_instance("solomon", "C1", data_dir)

    assert instance.time_windows is not None and instance.service_times is not None
    assert instance.time_windows.tolist() == [[0, 1236], [912, 967], [825, 870]]
    assert instance.service_times.tolist() == [0, 90, 90]
    assert instance.vehicles == 2
    assert instance.bks_cost == 827.3
    assert load_vrp_bks("solomon", data_dir).columns == ["instance", "bks_routes", "bks_cost"]


def test_an_instance_missing_from_bks_has_no_best_known_cost(put: Put, data_dir: Path) -> None:
    put("cvrplib_x/X-n4-k2.vrp", CVRP)
    put("cvrplib_x/bks.csv", X_BKS_HEADER)

    instance = load_vrp_instance("cvrplib_x", "X-n4-k2", data_dir)

    assert instance.bks_cost is None and instance.bks_routes is None


def test_instances_are_listed_in_natural_order(put: Put, data_dir: Path) -> None:
    for name in ("X-n1001-k43", "X-n101-k25", "X-n95-k3"):
        put(f"cvrplib_x/{name}.vrp", CVRP)

    assert list_vrp_instances("cvrplib_x", data_dir) == ["X-n95-k3", "X-n101-k25", "X-n1001-k43"]


def test_an_unknown_instance_is_missing_and_an_unknown_set_is_refused(
    cvrp: None, data_dir: Path
) -> None:
    with pytest.raises(DatasetMissing, match=r"X-n9-k1\.vrp"):
        load_vrp_instance("cvrplib_x", "X-n9-k1", data_dir)
    with pytest.raises(ValueError, match="unknown VRP set 'golden'"):
        load_vrp_instance("golden", "G1", data_dir)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (CVRP.replace("2 3 4", "2 x 4"), "not a number"),
        (CVRP.replace("4 0 10\n", ""), "NODE_COORD has shape"),
        (CVRP.replace("2 6", "2 6.5"), "not a whole number"),
        (CVRP.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n7\n"), "one depot"),
        ("this is not VRPLIB\n", "VRPLIB"),
    ],
)
def test_a_malformed_instance_is_corrupt(
    put: Put, data_dir: Path, broken: str, problem: str
) -> None:
    put("cvrplib_x/X-n4-k2.vrp", broken)
    put("cvrplib_x/bks.csv", X_BKS_HEADER)

    with pytest.raises(DatasetCorrupt, match=problem):
        load_vrp_instance("cvrplib_x", "X-n4-k2", data_dir)


def test_a_solution_without_cost_is_corrupt(put: Put, data_dir: Path) -> None:
    put("cvrplib_x/X-n4-k2.sol", "Route #1: 1 3\n")

    with pytest.raises(DatasetCorrupt, match="Cost"):
        load_vrp_solution("cvrplib_x", "X-n4-k2", data_dir)
