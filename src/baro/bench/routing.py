"""``baro bench routing``: baro's dispatch solver beside raw PyVRP and Google OR-Tools.

Each instance (CVRPLIB ``X`` or Solomon, VRPLIB files read with ``vrplib``) is solved three
times, one after the other with the same time limit:

- **baro**: the instance becomes a :class:`~baro.delivery.routing.RoutingProblem` and goes
  through :func:`baro.delivery.routing.solve`, the code path every van wave takes;
- **pyvrp**: plain ``pyvrp.read`` + ``pyvrp.solve``, same seed (so any loss in baro's layer
  shows);
- **ortools**: OR-Tools' routing library in its usual best setup for these problems
  (:data:`ORTOOLS_SETUP`: savings on CVRP, parallel cheapest insertion with time windows,
  then guided local search).

Every solution is then checked by :func:`check`, which uses neither solver nor baro's
conversion: it re-reads the coordinates, recomputes each leg with the instance's rounding
convention, and checks that each customer is visited once, loads, windows and the fleet
limit, and the cost. Conventions: X uses TSPLIB's ``nint`` of the Euclidean distance;
Solomon the DIMACS one of the best-known solutions in ``data/solomon`` (distances and
durations truncated to one decimal, time = distance, cost = total distance).
"""

from __future__ import annotations

import itertools
import math
import os
import platform
import re
import statistics
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import vrplib

from baro.core.errors import DomainError
from baro.delivery.routing import OPEN, RoutingProblem, VanType
from baro.delivery.routing import solve as dispatch

SOLVERS = ("baro", "pyvrp", "ortools")
TARGET_GAP_PCT = {"X": 1.0, "solomon": 1.5}
FLEET_SLACK = 1.2  # OR-Tools gets k + 20 % vans on X (k: the instance's minimum, in its name)

ORTOOLS_SETUP: dict[str, Any] = {
    "X": {
        "first_solution_strategy": "SAVINGS",
        "local_search_metaheuristic": "GUIDED_LOCAL_SEARCH",
        "fleet": "ceil(1.2 k), k from the instance name (X-n101-k25: 30 vans)",
    },
    "solomon": {
        # Insertion copes with tight windows: PATH_CHEAPEST_ARC found no first solution at
        # all on R101 and RC101 in 30 s (docs/benchmarks.md, first run).
        "first_solution_strategy": "PARALLEL_CHEAPEST_INSERTION",
        "local_search_metaheuristic": "GUIDED_LOCAL_SEARCH",
        "fleet": "the instance's VEHICLES (25)",
    },
    "common": "arc costs and transits from a precomputed integer matrix registered in C++ "
    "(RegisterTransitMatrix, RegisterUnaryTransitVector: no Python callback per arc); "
    "capacity dimension; Solomon: a time dimension (service + travel, waiting allowed) "
    "with every customer's window and the depot's on each van's start and end; "
    "cost = distance only",
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Instance:
    name: str
    family: str  # "X" or "solomon"
    path: Path
    data: dict[str, Any]  # as vrplib reads it
    bks: float | None

    @property
    def scale(self) -> int:
        """Integer units per unit of cost: Solomon's tenths, X's whole units."""
        return 10 if self.family == "solomon" else 1

    @property
    def customers(self) -> int:
        return int(self.data["dimension"]) - 1

    @property
    def has_windows(self) -> bool:
        return "time_window" in self.data


@dataclass(frozen=True)
class Check:
    """What the independent checker found: the cost recomputed from the coordinates and
    every broken rule (empty: feasible)."""

    cost: float
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations


def find_instances(patterns: Iterable[str], data_dir: Path) -> list[Path]:
    """``.vrp`` files matching the globs; relative ones are under ``data_dir``."""
    found: list[Path] = []
    for pattern in patterns:
        base = Path(pattern)
        if base.is_absolute():
            matches = sorted(Path(base.anchor).glob(str(base.relative_to(base.anchor))))
        else:
            matches = sorted(data_dir.glob(pattern))
        found.extend(m for m in matches if m.suffix == ".vrp" and m not in found)
    return found


def load(path: Path) -> Instance:
    data = vrplib.read_instance(path)
    if data.get("edge_weight_type") != "EUC_2D" or int(np.atleast_1d(data["depot"])[0]) != 0:
        raise ValueError(f"{path.name}: only EUC_2D instances with one depot (node 1) are benched")
    family = "solomon" if "time_window" in data else "X"
    solution = path.with_suffix(".sol")
    bks = float(vrplib.read_solution(solution)["cost"]) if solution.exists() else None
    return Instance(path.stem, family, path, data, bks)


def gap_pct(cost: float | None, bks: float | None) -> float | None:
    """How far above the best known solution, in percent (negative: a new best)."""
    if cost is None or not bks:
        return None
    return 100.0 * (cost - bks) / bks


# -- the convention's integer data (what the solvers get) ------------------------------------


def integer_distances(instance: Instance) -> np.ndarray:
    coords = np.asarray(instance.data["node_coord"], dtype=np.float64)
    euclid = np.sqrt(((coords[:, None, :] - coords[None, :, :]) ** 2).sum(axis=2))
    if instance.family == "solomon":
        legs: np.ndarray = np.floor(10 * euclid + 1e-9).astype(np.int64)  # DIMACS: tenths
    else:
        legs = np.floor(euclid + 0.5).astype(np.int64)  # TSPLIB nint
    return legs


def _service(instance: Instance) -> np.ndarray:
    size = int(instance.data["dimension"])
    service = np.broadcast_to(np.asarray(instance.data.get("service_time", 0)), (size,)).copy()
    service[0] = 0
    return (service * instance.scale).astype(np.int64)


def _windows(instance: Instance) -> list[tuple[int, int]]:
    size = int(instance.data["dimension"])
    if not instance.has_windows:
        return [(0, OPEN)] * size
    tw = np.asarray(instance.data["time_window"]) * instance.scale
    return [(int(a), int(b)) for a, b in tw]


def _vehicles(instance: Instance) -> int:
    return int(instance.data.get("vehicles", instance.customers))


def to_problem(instance: Instance) -> RoutingProblem:
    """The instance as baro's dispatch solver takes it (same fleet as PyVRP's reader)."""
    distances = integer_distances(instance)
    return RoutingProblem(
        names=[str(i) for i in range(int(instance.data["dimension"]))],
        distances=distances,
        durations=distances,
        demands=[int(d) for d in instance.data["demand"]],
        service=[int(s) for s in _service(instance)],
        windows=_windows(instance),
        fleet=[VanType(_vehicles(instance), int(instance.data["capacity"]))],
        coordinates=[(float(x), float(y)) for x, y in instance.data["node_coord"]],
    )


# -- the three solvers: each returns routes as lists of customers (node numbers) ----------------


def solve_baro(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    result = dispatch(to_problem(instance), time_limit_s=time_limit_s, seed=seed)
    return [route.nodes for route in result.routes]


def solve_pyvrp(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    rounding = "dimacs" if instance.family == "solomon" else "round"
    data = pyvrp.read(instance.path, round_func=rounding)
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    if not result.best.is_feasible():
        return []
    clients = data.clients()
    return [
        [clients[a.idx].location for a in route.schedule() if a.is_client()]
        for route in result.best.routes()
    ]


def ortools_fleet(instance: Instance) -> int:
    if instance.family == "solomon":
        return _vehicles(instance)
    named = re.search(r"-k(\d+)$", instance.name)
    if named is None:  # no minimum in the name: as many vans as customers
        return instance.customers
    return math.ceil(FLEET_SLACK * int(named.group(1)))


def solve_ortools(instance: Instance, time_limit_s: float, seed: int) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    del seed  # OR-Tools' routing search is deterministic
    distances = integer_distances(instance)
    size, vans = len(distances), ortools_fleet(instance)
    manager = pywrapcp.RoutingIndexManager(size, vans, 0)
    model = pywrapcp.RoutingModel(manager)
    arcs = model.RegisterTransitMatrix(distances.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(arcs)
    demand = model.RegisterUnaryTransitVector([int(d) for d in instance.data["demand"]])
    model.AddDimensionWithVehicleCapacity(
        demand, 0, [int(instance.data["capacity"])] * vans, True, "load"
    )
    setup = ORTOOLS_SETUP[instance.family]
    if instance.has_windows:
        windows = _windows(instance)
        horizon = windows[0][1]
        transit = model.RegisterTransitMatrix((distances + _service(instance)[:, None]).tolist())
        model.AddDimension(transit, horizon, horizon, False, "time")
        clock = model.GetDimensionOrDie("time")
        for node in range(1, size):
            clock.CumulVar(manager.NodeToIndex(node)).SetRange(*windows[node])
        for van in range(vans):
            clock.CumulVar(model.Start(van)).SetRange(*windows[0])
            clock.CumulVar(model.End(van)).SetRange(*windows[0])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, str(setup["first_solution_strategy"])
    )
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, str(setup["local_search_metaheuristic"])
    )
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return []
    routes = []
    for van in range(vans):
        index, route = solution.Value(model.NextVar(model.Start(van))), []
        while not model.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(model.NextVar(index))
        if route:
            routes.append(route)
    return routes


SOLVE: dict[str, Callable[[Instance, float, int], list[list[int]]]] = {
    "baro": solve_baro,
    "pyvrp": solve_pyvrp,
    "ortools": solve_ortools,
}


# -- the independent checker ------------------------------------------------------------------


def leg(instance: Instance, a: int, b: int) -> int:
    """One leg in the convention's integer units, from the raw coordinates."""
    (xa, ya), (xb, yb) = instance.data["node_coord"][a], instance.data["node_coord"][b]
    d = math.hypot(float(xa) - float(xb), float(ya) - float(yb))
    if instance.family == "solomon":
        return math.floor(10 * d + 1e-9)
    return math.floor(d + 0.5)


def check(instance: Instance, routes: Sequence[Sequence[int]]) -> Check:
    """Cost and broken rules of ``routes`` (customers' node numbers, depot left out)."""
    data = instance.data
    customers = range(1, int(data["dimension"]))
    violations: list[str] = []
    if not routes:
        return Check(math.inf, ("no solution",))
    seen: dict[int, int] = {}
    for route in routes:
        for node in route:
            seen[node] = seen.get(node, 0) + 1
    if twice := sorted(n for n, k in seen.items() if k > 1):
        violations.append(f"visited more than once: {twice[:10]}")
    if missing := [n for n in customers if n not in seen]:
        violations.append(f"never visited: {missing[:10]} ({len(missing)})")
    if strange := sorted(n for n in seen if n not in customers):
        violations.append(f"not customers: {strange[:10]}")
    if "vehicles" in data and len(routes) > int(data["vehicles"]):
        violations.append(f"{len(routes)} routes, {data['vehicles']} vehicles")
    total = 0
    capacity = int(data["capacity"])
    scale = instance.scale
    for number, route in enumerate(routes, start=1):
        nodes = [n for n in route if n in customers]
        load = sum(int(data["demand"][n]) for n in nodes)
        if load > capacity:
            violations.append(f"route {number} carries {load} > {capacity}")
        path = [0, *nodes, 0]
        total += sum(leg(instance, a, b) for a, b in itertools.pairwise(path))
        if instance.has_windows:
            violations.extend(_late(instance, number, nodes, scale))
    return Check(total / scale, tuple(violations))


def _late(instance: Instance, number: int, nodes: list[int], scale: int) -> list[str]:
    windows = instance.data["time_window"]
    service = instance.data.get("service_time", 0)
    found = []
    t, here = int(windows[0][0]) * scale, 0
    for node in nodes:
        t = max(t + leg(instance, here, node), int(windows[node][0]) * scale)
        if t > int(windows[node][1]) * scale:
            found.append(f"route {number} reaches {node} at {t / scale} > {windows[node][1]}")
        service_here = service if np.ndim(service) == 0 else service[node]
        t += int(service_here) * scale
        here = node
    back = t + leg(instance, here, 0)
    if back > int(windows[0][1]) * scale:
        found.append(f"route {number} is back at {back / scale} > {windows[0][1]}")
    return found


# -- the run ----------------------------------------------------------------------------------


def run(
    paths: Sequence[Path],
    *,
    time_limit_s: float,
    seed: int = 1,
    solvers: Sequence[str] = SOLVERS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Every instance by every solver, checked; per instance and in aggregate per family."""
    results = []
    for path in paths:
        instance = load(path)
        row: dict[str, Any] = {
            "instance": instance.name,
            "family": instance.family,
            "customers": instance.customers,
            "bks": instance.bks,
            "solvers": {},
        }
        for solver in solvers:
            if progress:
                progress(f"{instance.name} · {solver}")
            row["solvers"][solver] = _measure(instance, solver, time_limit_s, seed)
        results.append(row)
    load_after = os.getloadavg()
    return {
        "time_limit_s": time_limit_s,
        "seed": seed,
        "versions": {name: version(name) for name in ("pyvrp", "ortools", "vrplib")},
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "loadavg_at_end": [round(x, 2) for x in load_after],
        },
        "ortools_setup": ORTOOLS_SETUP,
        "conventions": {
            "X": "TSPLIB EUC_2D: nint of the Euclidean distance; cost = total distance",
            "solomon": "DIMACS: distances and times truncated to one decimal (solved in "
            "integer tenths), time = distance, cost = total distance; the fleet limit is "
            "the instance's VEHICLES",
        },
        "instances": results,
        "aggregate": aggregate(results, solvers),
    }


def _measure(instance: Instance, solver: str, time_limit_s: float, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    error = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyVRP's penalty warnings on hard instances
            routes = SOLVE[solver](instance, time_limit_s, seed)
    except DomainError as refused:
        routes, error = [], f"{refused.code}: {refused.message}"
    runtime = time.perf_counter() - started
    found = check(instance, routes)
    cost = round(found.cost, 1) if found.feasible else None
    gap = gap_pct(cost, instance.bks)
    return {
        "cost": cost,
        "gap_pct": None if gap is None else round(gap, 3),
        "runtime_s": round(runtime, 2),
        "routes": len(routes),
        "feasible": found.feasible,
        "violations": list(found.violations) + ([error] if error else []),
    }


def aggregate(results: Sequence[dict[str, Any]], solvers: Sequence[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for family in sorted({r["family"] for r in results}):
        rows = [r for r in results if r["family"] == family]
        per_solver: dict[str, Any] = {}
        for solver in solvers:
            runs = [r["solvers"][solver] for r in rows]
            gaps = [x["gap_pct"] for x in runs if x["gap_pct"] is not None]
            all_ok = all(x["feasible"] for x in runs) and len(gaps) == len(runs)
            per_solver[solver] = {
                "instances": len(runs),
                "feasible": sum(x["feasible"] for x in runs),
                "mean_gap_pct": round(statistics.fmean(gaps), 3) if all_ok else None,
                "mean_runtime_s": round(statistics.fmean(x["runtime_s"] for x in runs), 2),
            }
        family_summary: dict[str, Any] = {"solvers": per_solver}
        baro = per_solver.get("baro", {}).get("mean_gap_pct")
        target = TARGET_GAP_PCT[family]
        family_summary["target_gap_pct"] = target
        if baro is not None:
            family_summary["baro_meets_target"] = baro <= target
            if (ortools := per_solver.get("ortools", {}).get("mean_gap_pct")) is not None:
                family_summary["baro_below_ortools"] = baro < ortools
            if (raw := per_solver.get("pyvrp", {}).get("mean_gap_pct")) is not None:
                family_summary["baro_minus_pyvrp_gap_pct"] = round(baro - raw, 3)
        summary[family] = family_summary
    return summary
