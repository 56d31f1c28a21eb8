"""``baro bench siting``: time and peak memory of siting centers over many customers.

The customers are drawn (seeded) from Olist's zip-prefix points, each moved by up to ~2 km so
that no two share an address, with 1 to 5 orders each; without the data set, uniformly over
Brazil (the worst case: demand everywhere). The siting runs in a fresh child process, so its
peak resident memory (``ru_maxrss``) is the siting's own plus the interpreter's, nothing left
over from the parent.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from baro.datasets import DatasetMissing, load_olist_geolocation

BRAZIL_LAT = (-33.7, 5.2)
BRAZIL_LNG = (-73.9, -34.8)
JITTER_DEG = 0.02  # ~2 km


def customers(count: int, seed: int, data_dir: Path | None) -> tuple[np.ndarray, ...]:
    """lat, lng, weights of ``count`` customers, and where the points came from."""
    rng = np.random.default_rng(seed)
    try:
        points = load_olist_geolocation(data_dir)
    except DatasetMissing:
        source = "uniform over Brazil (no Olist geolocation found)"
        lat = rng.uniform(*BRAZIL_LAT, count)
        lng = rng.uniform(*BRAZIL_LNG, count)
    else:
        source = "Olist zip-prefix points, ±2 km"
        inside = points.filter(
            points["lat"].is_between(*BRAZIL_LAT) & points["lng"].is_between(*BRAZIL_LNG)
        )
        picked = rng.integers(0, inside.height, count)
        lat = inside["lat"].to_numpy()[picked] + rng.uniform(-JITTER_DEG, JITTER_DEG, count)
        lng = inside["lng"].to_numpy()[picked] + rng.uniform(-JITTER_DEG, JITTER_DEG, count)
    weights = rng.integers(1, 6, count).astype(np.float64)
    return lat, lng, weights, np.array(source)


def run(count: int, centers: int, *, seed: int = 7, data_dir: Path | None = None) -> dict[str, Any]:
    """Site ``centers`` centers over ``count`` customers in a child process and measure it."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measure, (count, centers, seed, data_dir))


def _measure(count: int, centers: int, seed: int, data_dir: Path | None) -> dict[str, Any]:
    from baro.twin.facility_siting import demand_cells, weighted_k_medoids

    lat, lng, weights, source = customers(count, seed, data_dir)
    before_mb = _peak_rss_mb()
    started = time.perf_counter()
    sites = weighted_k_medoids(lat, lng, weights, centers, seed=seed)
    wall_s = time.perf_counter() - started
    peak_mb = _peak_rss_mb()
    cells = demand_cells(lat, lng, weights)
    return {
        "customers": count,
        "centers": centers,
        "sites_found": len(sites),
        "customer_points": str(source),
        "candidate_cells": len(cells),
        "h3_resolution": cells.resolution,
        "wall_s": round(wall_s, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "peak_rss_before_siting_mb": round(before_mb, 1),
        "seed": seed,
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
