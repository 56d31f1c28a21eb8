"""Where to put K fulfillment centers: weighted k-medoids over customers' locations.

Medoids (real customer locations) rather than means keep every center on a place people
actually live, and the weights (orders per customer) pull centers towards demand. Written
here because the maintained k-medoids implementations (scikit-learn-extra) are unmaintained
and do not take sample weights; this alternating (Voronoi iteration) variant is ~30 lines.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def distances_km(
    lat: np.ndarray, lng: np.ndarray, lat0: np.ndarray, lng0: np.ndarray
) -> np.ndarray:
    """Great-circle distances between every point (rows) and every centre (columns)."""
    la, ln = np.radians(lat)[:, None], np.radians(lng)[:, None]
    lb, lm = np.radians(lat0)[None, :], np.radians(lng0)[None, :]
    a = np.sin((lb - la) / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin((lm - ln) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def weighted_k_medoids(
    lat: np.ndarray,
    lng: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    seed: int,
    iterations: int = 20,
) -> np.ndarray:
    """Indices of ``k`` medoids minimising the weighted distance of points to their medoid."""
    if not 1 <= k <= len(lat):
        raise ValueError(f"k must be between 1 and the number of points ({len(lat)}), got {k}")
    rng = np.random.default_rng(seed)
    probabilities = weights / weights.sum()
    medoids = [int(rng.choice(len(lat), p=probabilities))]
    while len(medoids) < k:  # k-means++ seeding: far, heavy points first
        nearest = distances_km(lat, lng, lat[medoids], lng[medoids]).min(axis=1)
        score = weights * nearest**2
        medoids.append(int(rng.choice(len(lat), p=score / score.sum())))
    chosen = np.array(medoids)
    for _ in range(iterations):
        assignment = distances_km(lat, lng, lat[chosen], lng[chosen]).argmin(axis=1)
        updated = chosen.copy()
        for cluster in range(k):
            members = np.flatnonzero(assignment == cluster)
            if len(members) == 0:
                continue
            cost = (
                distances_km(lat[members], lng[members], lat[members], lng[members])
                * weights[members, None]
            ).sum(axis=0)
            updated[cluster] = members[int(cost.argmin())]
        if np.array_equal(updated, chosen):
            break
        chosen = updated
    return chosen
