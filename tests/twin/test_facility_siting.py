"""Weighted k-medoids puts centers on real customers, pulled towards demand."""

from __future__ import annotations

import numpy as np
import pytest

from baro.twin.facility_siting import distances_km, weighted_k_medoids


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
