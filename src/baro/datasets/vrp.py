"""Vehicle-routing benchmarks read with ``vrplib``: CVRPLIB X (``cvrplib_x/``) and Solomon
VRPTW (``solomon/vrplib/``), each with its best-known solutions (``bks.csv`` and ``*.sol``).

Node 0 is the depot in every instance here. Distances are not stored: they follow each set's
convention, Euclidean rounded to the nearest integer for X (``EUC_2D``), Euclidean truncated
to one decimal for Solomon (DIMACS), and the best-known costs are in those units.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import polars as pl
import vrplib

from baro.datasets._paths import data_file, resolve_data_dir
from baro.datasets._tables import Column, integer, read_table, real, schema, text
from baro.datasets.errors import DatasetCorrupt, DatasetMissing

VrpSet = Literal["cvrplib_x", "solomon"]
VRP_SETS: tuple[VrpSet, ...] = get_args(VrpSet)

_INSTANCE_FOLDER: Mapping[VrpSet, str] = {"cvrplib_x": "cvrplib_x", "solomon": "solomon/vrplib"}
_BKS_COLUMNS: Mapping[VrpSet, tuple[Column, ...]] = {
    "cvrplib_x": (
        text("instance"),
        integer("bks_routes", pl.Int32()),
        real("bks_cost"),
    ),
    "solomon": (
        text("instance"),
        integer("bks_routes", pl.Int32()),
        real("bks_distance", "bks_cost"),
    ),
}
VRP_BKS_SCHEMA = schema(_BKS_COLUMNS["cvrplib_x"])


@dataclass(frozen=True, slots=True, eq=False)
class VrpInstance:
    """One instance; arrays are read-only and indexed by node, the depot first.

    ``coordinates`` (n, 2) float64 x, y; ``demands`` (n,) int64 (0 at the depot);
    ``time_windows`` (n, 2) int64 earliest, latest start of service and ``service_times``
    (n,) int64, both only for Solomon (the depot's service time is 0); ``vehicles`` when the
    file states a fleet size; ``bks_cost`` and ``bks_routes`` from the set's ``bks.csv``.
    """

    set_name: VrpSet
    name: str
    capacity: int
    depot: int
    coordinates: npt.NDArray[np.float64]
    demands: npt.NDArray[np.int64]
    time_windows: npt.NDArray[np.int64] | None
    service_times: npt.NDArray[np.int64] | None
    vehicles: int | None
    bks_cost: float | None
    bks_routes: int | None

    @property
    def dimension(self) -> int:
        """Nodes, depot included."""
        return len(self.demands)


@dataclass(frozen=True, slots=True)
class VrpSolution:
    """A best-known solution: each route lists customer nodes (1..n-1), the depot implied."""

    routes: tuple[tuple[int, ...], ...]
    cost: float


def _check_set(set_name: str) -> VrpSet:
    for known in VRP_SETS:
        if set_name == known:
            return known
    raise ValueError(f"unknown VRP set {set_name!r}; choose one of {', '.join(VRP_SETS)}")


def _natural_key(name: str) -> tuple[str | int, ...]:
    """X-n101 before X-n1001: digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def list_vrp_instances(set_name: VrpSet, data_dir: Path | None = None) -> list[str]:
    """Names of the set's instances (``X-n101-k25``, ``C101``), in natural order."""
    folder = resolve_data_dir(data_dir)
    instances = folder / _INSTANCE_FOLDER[_check_set(set_name)]
    if not instances.is_dir():
        raise DatasetMissing(instances, data_dir=folder, what=f"{set_name} instances folder")
    return sorted((path.stem for path in instances.glob("*.vrp")), key=_natural_key)


def load_vrp_bks(set_name: VrpSet, data_dir: Path | None = None) -> pl.DataFrame:
    """The set's best-known solutions (``<set>/bks.csv``).

    instance: String, bks_routes: Int32 (vehicles used), bks_cost: Float64 (total distance in
    the set's convention; ``bks_distance`` in Solomon's file).
    """
    known = _check_set(set_name)
    path = data_file(data_dir, f"{known}/bks.csv", what=f"{known} best-known solutions")
    return read_table(path, _BKS_COLUMNS[known])


def load_vrp_instance(set_name: VrpSet, name: str, data_dir: Path | None = None) -> VrpInstance:
    """One instance by name, with its best-known cost (``None`` if ``bks.csv`` lacks it)."""
    known = _check_set(set_name)
    path = data_file(
        data_dir, f"{_INSTANCE_FOLDER[known]}/{name}.vrp", what=f"{known} instance {name}"
    )
    try:
        raw = vrplib.read_instance(path, compute_edge_weights=False)
    except (RuntimeError, ValueError, IndexError, KeyError) as error:
        raise DatasetCorrupt(path, f"is not a VRPLIB instance ({error})") from error
    best = load_vrp_bks(known, data_dir).filter(pl.col("instance") == name).to_dicts()
    bks = best[0] if best else {}
    try:
        return _instance(known, name, raw, path, bks.get("bks_cost"), bks.get("bks_routes"))
    except (ValueError, TypeError) as error:
        raise DatasetCorrupt(path, f"has a malformed header value ({error})") from error


def load_vrp_solution(set_name: VrpSet, name: str, data_dir: Path | None = None) -> VrpSolution:
    """The best-known solution of one instance (``<name>.sol`` beside the instance)."""
    known = _check_set(set_name)
    path = data_file(
        data_dir, f"{_INSTANCE_FOLDER[known]}/{name}.sol", what=f"{known} solution {name}"
    )
    try:
        raw = vrplib.read_solution(path)
    except (RuntimeError, ValueError, IndexError) as error:
        raise DatasetCorrupt(path, f"is not a VRPLIB solution ({error})") from error
    if "cost" not in raw or not raw.get("routes"):
        raise DatasetCorrupt(path, "needs 'Route #k:' lines and a 'Cost' line")
    routes = tuple(tuple(int(node) for node in route) for route in raw["routes"])
    return VrpSolution(routes=routes, cost=float(raw["cost"]))


def _instance(
    set_name: VrpSet,
    name: str,
    raw: dict[str, Any],
    path: Path,
    bks_cost: float | None,
    bks_routes: int | None,
) -> VrpInstance:
    if "dimension" not in raw or "capacity" not in raw:
        raise DatasetCorrupt(path, "needs DIMENSION and CAPACITY")
    size = int(raw["dimension"])
    depots = np.atleast_1d(np.asarray(raw.get("depot", [])))
    if depots.shape != (1,) or not 0 <= int(depots[0]) < size:
        raise DatasetCorrupt(path, f"expected one depot among the {size} nodes, found {depots}")
    depot = int(depots[0])
    service_times = None
    if "service_time" in raw:
        if np.ndim(raw["service_time"]) == 0:
            # One SERVICE_TIME for all: it is the customers' (Solomon's depot has none).
            service_times = np.full(size, int(raw["service_time"]), dtype=np.int64)
            service_times[depot] = 0
            service_times.setflags(write=False)
        else:
            service_times = _integers(raw, "service_time", (size,), path)
    return VrpInstance(
        set_name=set_name,
        name=name,
        capacity=int(raw["capacity"]),
        depot=depot,
        coordinates=_reals(raw, "node_coord", (size, 2), path),
        demands=_integers(raw, "demand", (size,), path),
        time_windows=_integers(raw, "time_window", (size, 2), path)
        if "time_window" in raw
        else None,
        service_times=service_times,
        vehicles=int(raw["vehicles"]) if "vehicles" in raw else None,
        bks_cost=bks_cost,
        bks_routes=bks_routes,
    )


def _reals(
    raw: dict[str, Any], key: str, shape: tuple[int, ...], path: Path
) -> npt.NDArray[np.float64]:
    if key not in raw:
        raise DatasetCorrupt(path, f"has no {key.upper()} section")
    try:
        values = np.asarray(raw[key], dtype=np.float64)
    except ValueError as error:
        raise DatasetCorrupt(path, f"{key.upper()} holds a value that is not a number") from error
    if values.shape != shape:
        raise DatasetCorrupt(path, f"{key.upper()} has shape {values.shape}, expected {shape}")
    values.setflags(write=False)
    return values


def _integers(
    raw: dict[str, Any], key: str, shape: tuple[int, ...], path: Path
) -> npt.NDArray[np.int64]:
    reals = _reals(raw, key, shape, path)
    if not np.array_equal(reals, np.floor(reals)):
        raise DatasetCorrupt(path, f"{key.upper()} holds a value that is not a whole number")
    values = reals.astype(np.int64)
    values.setflags(write=False)
    return values
