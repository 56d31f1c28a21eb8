"""Weighted k-medoids puts centers on real customers, pulled towards demand, and pools
customers by H3 cell so that memory does not grow with the square of the customers."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from baro.twin import facility_siting
from baro.twin.facility_siting import (
    SITING_RESOLUTION,
    demand_cells,
    distances_km,
    weighted_k_medoids,
)


def test_two_far_clusters_get_one_center_each() -> None:
    rng = np.random.default_rng(1)
    lat = np.concatenate([rng.normal(-23.5, 0.1, 50), rng.normal(-8.0, 0.1, 50)])
    lng = np.concatenate([rng.normal(-46.6, 0.1, 50), rng.normal(-34.9, 0.1, 50)])

    centers = weighted_k_medoids(lat, lng, np.ones(100), 2, seed=3)

    assert sorted(int(c) // 50 for c in centers) == [0, 1]


def test_weights_pull_the_medoid_towards_demand() -> None:
    lat = np.array([0.0, 0.0, 0.0])
    lng = np.array([0.0, 1.0, 2.0])
    [center] = weighted_k_medoids(lat, lng, np.array([1.0, 1.0, 100.0]), 1, seed=0)
    assert center == 2


def test_distances_are_great_circle_kilometres() -> None:
    [[km]] = distances_km(
        np.array([-23.5505]), np.array([-46.6333]), np.array([-22.9068]), np.array([-43.1729])
    )
    assert km == pytest.approx(361, abs=2)  # São Paulo to Rio de Janeiro


def test_k_is_checked() -> None:
    with pytest.raises(ValueError, match="k must be"):
        weighted_k_medoids(np.zeros(2), np.zeros(2), np.ones(2), 3, seed=0)


def recording_distances(
    monkeypatch: pytest.MonkeyPatch,
) -> list[int]:
    """Record the size of every distance matrix the siting builds."""
    sizes: list[int] = []

    def recorded(
        lat: np.ndarray, lng: np.ndarray, lat0: np.ndarray, lng0: np.ndarray
    ) -> np.ndarray:
        sizes.append(len(lat) * len(lat0))
        return distances_km(lat, lng, lat0, lng0)

    monkeypatch.setattr(facility_siting, "distances_km", recorded)
    return sizes


def test_customers_are_pooled_into_one_candidate_per_h3_cell() -> None:
    """The k-medoids sees one point per occupied cell, however many customers live there."""
    rng = np.random.default_rng(5)
    lat, lng = rng.normal(-23.55, 0.1, 5_000), rng.normal(-46.63, 0.1, 5_000)

    cells = demand_cells(lat, lng, np.ones(5_000))

    occupied = {h3.latlng_to_cell(a, b, SITING_RESOLUTION) for a, b in zip(lat, lng, strict=True)}
    assert cells.resolution == SITING_RESOLUTION
    assert len(cells) == len(occupied) < 5_000
    assert cells.weight.sum() == 5_000
    # Each candidate site is a real customer of its cell.
    assert np.array_equal(cells.site_lat, lat[cells.representative])
    assert {
        h3.latlng_to_cell(lat[r], lng[r], SITING_RESOLUTION) for r in cells.representative
    } == occupied


def test_siting_builds_no_matrix_quadratic_in_customers(monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 customers in one city: every distance matrix stays under the block size, where
    a customer-by-customer matrix would hold 25 million distances."""
    sizes = recording_distances(monkeypatch)
    rng = np.random.default_rng(6)
    lat, lng = rng.normal(-23.55, 0.1, 5_000), rng.normal(-46.63, 0.1, 5_000)

    [site] = weighted_k_medoids(lat, lng, np.ones(5_000), 1, seed=0)

    assert max(sizes) <= facility_siting.MAX_MATRIX_ELEMENTS
    assert max(sizes) <= len(demand_cells(lat, lng, np.ones(5_000))) ** 2
    assert 0 <= site < 5_000


def test_blocked_costs_choose_the_same_sites_as_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cutting the cost matrix into blocks changes how much memory is used, not the answer."""
    rng = np.random.default_rng(8)
    lat = np.concatenate([rng.normal(-23.5, 0.3, 400), rng.normal(-22.9, 0.3, 400)])
    lng = np.concatenate([rng.normal(-46.6, 0.3, 400), rng.normal(-43.2, 0.3, 400)])
    weights = rng.integers(1, 5, 800).astype(float)
    whole = weighted_k_medoids(lat, lng, weights, 2, seed=1)

    monkeypatch.setattr(facility_siting, "MAX_MATRIX_ELEMENTS", 1_000)
    sizes = recording_distances(monkeypatch)
    blocked = weighted_k_medoids(lat, lng, weights, 2, seed=1)

    assert np.array_equal(whole, blocked)
    assert max(sizes) <= 1_000 + len(demand_cells(lat, lng, weights))  # a block, or n × 1


def test_spread_out_customers_are_pooled_in_coarser_cells() -> None:
    """More occupied cells than the candidate limit: coarser cells, never more candidates."""
    rng = np.random.default_rng(9)
    lat, lng = rng.uniform(-30, -5, 3_000), rng.uniform(-60, -35, 3_000)

    cells = demand_cells(lat, lng, np.ones(3_000), max_cells=500)

    assert len(cells) <= 500 and cells.resolution < SITING_RESOLUTION


def test_fewer_occupied_cells_than_centers_gives_one_center_per_cell() -> None:
    lat, lng = np.array([-23.55, -23.55, -22.91]), np.array([-46.63, -46.63, -43.17])
    sites = weighted_k_medoids(lat, lng, np.ones(3), 3, seed=0)
    assert sorted(lat[sites].tolist()) == [-23.55, -22.91]
