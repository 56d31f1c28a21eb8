"""Distances and cells on the earth."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

import h3

EARTH_RADIUS_KM = 6371.0088
DEFAULT_H3_RESOLUTION = 7  # ~5 km² hexes: a neighbourhood, fine enough for demand maps
REGION_H3_RESOLUTION = 4  # ~1,800 km² hexes: a city and its surroundings ("near you")


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres."""
    dlat = radians(lat2 - lat1)
    dlng = radians(lng2 - lng1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a))


def h3_cell(lat: float, lng: float, resolution: int = DEFAULT_H3_RESOLUTION) -> str:
    return str(h3.latlng_to_cell(lat, lng, resolution))


def region_of(cell: str) -> str:
    """The region (``REGION_H3_RESOLUTION``) a finer cell lies in."""
    return str(h3.cell_to_parent(cell, REGION_H3_RESOLUTION))


def region_at(lat: float, lng: float) -> str:
    """The region (``REGION_H3_RESOLUTION``) a point lies in."""
    return h3_cell(lat, lng, REGION_H3_RESOLUTION)


def check_coordinates(lat: float, lng: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        raise ValueError(f"({lat}, {lng}) is not a valid latitude/longitude")
