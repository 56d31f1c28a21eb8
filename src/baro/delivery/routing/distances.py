"""Distances and driving times between points, behind a Protocol.

:class:`HaversineRoadMatrix` estimates roads from the great circle (× a road factor, at an
average speed); a road-network provider (OSRM, Valhalla, a routing API) replaces it by
satisfying :class:`DistanceMatrix`. A pair with no road between them is ``inf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from baro.core.geo import EARTH_RADIUS_KM


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass(frozen=True)
class Legs:
    """Square matrices over the points asked for: ``metres[i, j]`` and ``seconds[i, j]`` from
    point ``i`` to point ``j``; ``inf`` where there is no way from ``i`` to ``j``."""

    metres: np.ndarray
    seconds: np.ndarray

    def __post_init__(self) -> None:
        if self.metres.shape != self.seconds.shape or self.metres.ndim != 2:
            raise ValueError("metres and seconds must be square matrices of the same shape")
        if self.metres.shape[0] != self.metres.shape[1]:
            raise ValueError(f"legs must be square, got {self.metres.shape}")
        if (self.metres < 0).any() or (self.seconds < 0).any():
            raise ValueError("a leg cannot be negative")


class DistanceMatrix(Protocol):
    """Whatever tells the router how far apart, and how long to drive between, points."""

    def legs(self, points: Sequence[Point]) -> Legs:
        """Every ordered pair of ``points``; ``inf`` where a point cannot be reached."""
        ...


class HaversineRoadMatrix:
    """Great-circle distance × ``road_factor`` (roads are not straight; 1.3 is typical of
    cities), driven at ``speed_kmh`` on average (stops, lights and parking included)."""

    def __init__(self, road_factor: float = 1.3, speed_kmh: float = 30.0) -> None:
        if road_factor < 1.0:
            raise ValueError(f"a road is never shorter than the great circle ({road_factor=})")
        if speed_kmh <= 0:
            raise ValueError(f"vans must move ({speed_kmh=})")
        self.road_factor = road_factor
        self.speed_kmh = speed_kmh

    def legs(self, points: Sequence[Point]) -> Legs:
        lat = np.radians([p.lat for p in points])
        lng = np.radians([p.lng for p in points])
        dlat = lat[None, :] - lat[:, None]
        dlng = lng[None, :] - lng[:, None]
        cosines = np.cos(lat[:, None]) * np.cos(lat[None, :])
        a = np.sin(dlat / 2) ** 2 + cosines * np.sin(dlng / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        metres = km * 1000.0 * self.road_factor
        return Legs(metres=metres, seconds=metres / (self.speed_kmh / 3.6))
