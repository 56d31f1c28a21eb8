"""The region a forecast is made for: any string key. An H3 cell at a chosen resolution (from
the customer's point, ``h3_regions``), a facility's catchment (join a frame of key -> facility
to the demand), or a country where that is all the data has (Online Retail)."""

from __future__ import annotations

import polars as pl

from baro.core.geo import DEFAULT_H3_RESOLUTION, h3_cell


def h3_regions(
    frame: pl.DataFrame,
    *,
    lat: str = "lat",
    lng: str = "lng",
    resolution: int = DEFAULT_H3_RESOLUTION,
) -> pl.DataFrame:
    """``frame`` with ``region``: the H3 cell (at ``resolution``) of each row's point; null
    where the point is missing."""
    points = frame.select(lat, lng).rows()
    cells = [None if a is None or b is None else h3_cell(a, b, resolution) for a, b in points]
    return frame.with_columns(region=pl.Series(cells, dtype=pl.String))
