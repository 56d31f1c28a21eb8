"""Where to put K fulfillment centers: weighted k-medoids over customers' locations.

Medoids (real customer locations) rather than means keep every center on a place people
actually live, and the weights (orders per customer) pull centers towards demand. Written
here because the maintained k-medoids implementations (scikit-learn-extra) are unmaintained
and do not take sample weights; this alternating (Voronoi iteration) variant is short.

Customers are first pooled into H3 cells (``SITING_RESOLUTION``, coarser when there are
more than ``MAX_CANDIDATE_CELLS`` of them): a cell's demand is the sum of its customers'
weights, sitting at their weighted centroid, and its candidate site is the real customer
nearest that centroid. The k-medoids then works on cells, so its cost grows with the number
of places rather than of customers (100,000 Olist customers live in ~7,000 resolution-6
cells), and every distance matrix is built in blocks of at most ``MAX_MATRIX_ELEMENTS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import h3
import numpy as np
import polars as pl

from baro.core.geo import h3_cell

EARTH_RADIUS_KM = 6371.0088
# ~36 km² hexagons, ~3.7 km across: a center sited on a cell's customer is off by a few km at
# most, which national siting cannot tell apart.
SITING_RESOLUTION = 6
# Past this many occupied cells (customers spread over a whole country), coarser cells are used
# so that one iteration stays well under a second.
MAX_CANDIDATE_CELLS = 8_000
# 2M float64 distances = 16 MB per block (a few such temporaries while computing it).
MAX_MATRIX_ELEMENTS = 2_000_000


def distances_km(
    lat: np.ndarray, lng: np.ndarray, lat0: np.ndarray, lng0: np.ndarray
) -> np.ndarray:
    """Great-circle distances between every point (rows) and every centre (columns)."""
    la, ln = np.radians(lat)[:, None], np.radians(lng)[:, None]
    lb, lm = np.radians(lat0)[None, :], np.radians(lng0)[None, :]
    a = np.sin((lb - la) / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin((lm - ln) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass(frozen=True)
class DemandCells:
    """Customers pooled by H3 cell, one entry per occupied cell.

    lat/lng: the weighted centroid of the cell's customers (where its demand sits);
    weight: their summed weight; representative: the row (in the customers given) of the
    customer nearest that centroid, whose location site_lat/site_lng is the cell's candidate
    site.
    """

    resolution: int
    lat: np.ndarray
    lng: np.ndarray
    weight: np.ndarray
    representative: np.ndarray
    site_lat: np.ndarray
    site_lng: np.ndarray

    def __len__(self) -> int:
        return len(self.weight)


def demand_cells(
    lat: np.ndarray,
    lng: np.ndarray,
    weights: np.ndarray,
    *,
    resolution: int = SITING_RESOLUTION,
    max_cells: int = MAX_CANDIDATE_CELLS,
) -> DemandCells:
    """Pool customers into H3 cells at ``resolution``, or coarser until at most ``max_cells``."""
    cells = [h3_cell(a, b, resolution) for a, b in zip(lat.tolist(), lng.tolist(), strict=True)]
    while len(set(cells)) > max_cells and resolution > 0:
        resolution -= 1
        parents = {c: h3.cell_to_parent(c, resolution) for c in set(cells)}
        cells = [parents[c] for c in cells]
    customers = pl.DataFrame(
        {"cell": cells, "lat": lat, "lng": lng, "weight": weights},
        schema={"cell": pl.String, "lat": pl.Float64, "lng": pl.Float64, "weight": pl.Float64},
    ).with_row_index("row")
    centroids = customers.group_by("cell", maintain_order=True).agg(
        c_lat=(pl.col("lat") * pl.col("weight")).sum() / pl.col("weight").sum(),
        c_lng=(pl.col("lng") * pl.col("weight")).sum() / pl.col("weight").sum(),
        weight=pl.col("weight").sum(),
    )
    # Within a cell a few km wide, degrees are distance enough to pick the nearest customer.
    nearest = (
        customers.join(centroids.select("cell", "c_lat", "c_lng"), on="cell")
        .with_columns(
            off=(pl.col("lat") - pl.col("c_lat")) ** 2 + (pl.col("lng") - pl.col("c_lng")) ** 2
        )
        .sort("off", "row")
        .group_by("cell")
        .agg(pl.col("row").first(), pl.col("lat").first(), pl.col("lng").first())
    )
    pooled = centroids.join(nearest, on="cell", maintain_order="left")
    return DemandCells(
        resolution=resolution,
        lat=pooled["c_lat"].to_numpy(),
        lng=pooled["c_lng"].to_numpy(),
        weight=pooled["weight"].to_numpy(),
        representative=pooled["row"].to_numpy().astype(np.int64),
        site_lat=pooled["lat"].to_numpy(),
        site_lng=pooled["lng"].to_numpy(),
    )


def weighted_k_medoids(
    lat: np.ndarray,
    lng: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    seed: int,
    iterations: int = 20,
) -> np.ndarray:
    """Rows (of the customers given) of the sites of up to ``k`` centers minimising the
    weighted distance of demand to its nearest center. Fewer than ``k`` when the customers
    occupy fewer than ``k`` cells: two centers in one cell would serve the same people."""
    if not 1 <= k <= len(lat):
        raise ValueError(f"k must be between 1 and the number of points ({len(lat)}), got {k}")
    cells = demand_cells(lat, lng, np.asarray(weights, dtype=np.float64))
    chosen = _k_medoids(cells, min(k, len(cells)), seed=seed, iterations=iterations)
    sites: np.ndarray = cells.representative[chosen]
    return sites


def _k_medoids(cells: DemandCells, k: int, *, seed: int, iterations: int) -> np.ndarray:
    """Indices of ``k`` medoid cells (each sited at its representative customer)."""
    rng = np.random.default_rng(seed)
    weights = cells.weight
    medoids = [int(rng.choice(len(cells), p=weights / weights.sum()))]
    nearest = np.full(len(cells), np.inf)
    while len(medoids) < k:  # k-means++ seeding: far, heavy cells first
        newest = [medoids[-1]]
        to_newest = distances_km(
            cells.lat, cells.lng, cells.site_lat[newest], cells.site_lng[newest]
        )
        nearest = np.minimum(nearest, to_newest[:, 0])
        score = weights * nearest**2
        score[medoids] = 0.0  # a centroid sits a little off its own site: never pick it twice
        medoids.append(int(rng.choice(len(cells), p=score / score.sum())))
    chosen = np.array(medoids)
    for _ in range(iterations):
        to_centers = distances_km(
            cells.lat, cells.lng, cells.site_lat[chosen], cells.site_lng[chosen]
        )
        assignment = to_centers.argmin(axis=1)
        updated = chosen.copy()
        for cluster in range(k):
            members = np.flatnonzero(assignment == cluster)
            if len(members) == 0:
                continue
            updated[cluster] = members[int(_cost_of_each_site(cells, members).argmin())]
        if np.array_equal(updated, chosen):
            break
        chosen = updated
    return chosen


def _cost_of_each_site(cells: DemandCells, members: np.ndarray) -> np.ndarray:
    """For each member cell's site: the weighted distance of all members' demand to it."""
    cost = np.empty(len(members))
    for block in _blocks(len(members), max(1, MAX_MATRIX_ELEMENTS // len(members))):
        sites = members[block]
        distance = distances_km(
            cells.lat[members], cells.lng[members], cells.site_lat[sites], cells.site_lng[sites]
        )
        cost[block] = cells.weight[members] @ distance
    return cost


def _blocks(total: int, size: int) -> Iterator[slice]:
    for start in range(0, total, size):
        yield slice(start, min(start + size, total))
