"""Where stock is and where it can go: the network as the planners see it, checked once.

Frames (ids are strings; quantities integers; money integer minor units):

- ``facilities``: facility_id, capacity_units (the most units it may hold, all products
  together; null for no limit).
- ``stock``: facility_id, product_id, units (free stock on hand, >= 0; one row per pair).
- ``catchment``: facility_id, region, transit_hours (facility to the region's customers),
  optional ship_cost_minor (that last leg's cost per unit, default 0). A region may be listed
  under several facilities; it is **served** by the nearest (fewest transit hours, then the
  lower cost, then the facility id), as the allocation chain ships from the nearest facility.
- ``lanes``: from_facility, to_facility, lead_hours, cost_minor (per unit moved).

A facility that serves no region (a hub, a seller's warehouse) can send stock, never receive
it from a plan. Bad input (a negative quantity, a facility the frames do not know, a pair
listed twice, a missing column) raises ``InvalidRequest`` with the rows at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from baro.core.errors import InvalidRequest

_SHOWN = 5  # rows an error message quotes


def require_columns(frame: pl.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidRequest(
            f"{name} lacks column(s) {', '.join(missing)} (it has: {', '.join(frame.columns)})",
            frame=name,
            missing=missing,
        )


def with_unit_value(
    frame: pl.DataFrame, name: str, unit_value_minor: int | None, worth: str
) -> pl.DataFrame:
    """``frame`` with a ``value_minor`` column: its own, else ``unit_value_minor`` on every
    row; neither is an error that says what the value stands for (``worth``)."""
    if "value_minor" in frame.columns:
        return frame
    if unit_value_minor is None:
        raise InvalidRequest(
            f"{name} has no value_minor column: pass unit_value_minor ({worth}, in minor units)"
        )
    return frame.with_columns(value_minor=pl.lit(unit_value_minor))


def _examples(frame: pl.DataFrame) -> str:
    rows = frame.head(_SHOWN).rows(named=True)
    more = f" and {frame.height - _SHOWN} more" if frame.height > _SHOWN else ""
    return "; ".join(", ".join(f"{k}={v}" for k, v in row.items()) for row in rows) + more


def refuse_rows(frame: pl.DataFrame, bad: pl.Expr, message: str, *, name: str) -> None:
    """Raise InvalidRequest quoting the rows where ``bad`` holds (nulls count as bad)."""
    rows = frame.filter(bad.fill_null(True))
    if rows.height:
        raise InvalidRequest(f"{name}: {message}: {_examples(rows)}", frame=name, rows=rows.height)


def refuse_duplicates(frame: pl.DataFrame, keys: list[str], *, name: str) -> None:
    twice = frame.group_by(keys).len().filter(pl.col("len") > 1).drop("len")
    if twice.height:
        raise InvalidRequest(
            f"{name}: each ({', '.join(keys)}) may appear once; repeated: {_examples(twice)}",
            frame=name,
            rows=twice.height,
        )


def refuse_nulls(frame: pl.DataFrame, columns: list[str], *, name: str) -> None:
    refuse_rows(
        frame,
        pl.any_horizontal([pl.col(c).is_null() for c in columns]),
        f"{', '.join(columns)} may not be empty",
        name=name,
    )


def _ids(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).cast(pl.String) for c in columns)


@dataclass(frozen=True)
class Sites:
    """The network's facilities, their stock, whom they serve and the lanes between them."""

    facilities: pl.DataFrame
    stock: pl.DataFrame
    catchment: pl.DataFrame
    lanes: pl.DataFrame

    def __post_init__(self) -> None:
        require_columns(self.facilities, "facilities", ["facility_id", "capacity_units"])
        require_columns(self.stock, "stock", ["facility_id", "product_id", "units"])
        require_columns(self.catchment, "catchment", ["facility_id", "region", "transit_hours"])
        require_columns(
            self.lanes, "lanes", ["from_facility", "to_facility", "lead_hours", "cost_minor"]
        )
        facilities = _ids(self.facilities, ["facility_id"]).with_columns(
            pl.col("capacity_units").cast(pl.Int64)
        )
        stock = _ids(self.stock, ["facility_id", "product_id"]).with_columns(
            pl.col("units").cast(pl.Int64)
        )
        catchment = _ids(self.catchment, ["facility_id", "region"]).with_columns(
            pl.col("transit_hours").cast(pl.Float64),
            (
                pl.col("ship_cost_minor")
                if "ship_cost_minor" in self.catchment.columns
                else pl.lit(0).alias("ship_cost_minor")
            ).cast(pl.Int64),
        )
        lanes = _ids(self.lanes, ["from_facility", "to_facility"]).with_columns(
            pl.col("lead_hours").cast(pl.Float64), pl.col("cost_minor").cast(pl.Int64)
        )
        _check(facilities, stock, catchment, lanes)
        object.__setattr__(self, "facilities", facilities)
        object.__setattr__(self, "stock", stock)
        object.__setattr__(self, "catchment", catchment)
        object.__setattr__(self, "lanes", lanes)

    def serving(self) -> pl.DataFrame:
        """region -> facility_id, transit_hours, ship_cost_minor: the facility that serves it."""
        return (
            self.catchment.sort("region", "transit_hours", "ship_cost_minor", "facility_id")
            .unique("region", keep="first", maintain_order=True)
            .select("region", "facility_id", "transit_hours", "ship_cost_minor")
        )

    def forward(self) -> set[str]:
        """Facilities that serve some region: the only ones a plan sends stock to."""
        return set(self.catchment["facility_id"].to_list())


def _check(
    facilities: pl.DataFrame, stock: pl.DataFrame, catchment: pl.DataFrame, lanes: pl.DataFrame
) -> None:
    refuse_nulls(facilities, ["facility_id"], name="facilities")
    refuse_duplicates(facilities, ["facility_id"], name="facilities")
    refuse_rows(
        facilities,
        pl.col("capacity_units").is_not_null() & (pl.col("capacity_units") < 0),
        "capacity_units must be >= 0 (null for no limit)",
        name="facilities",
    )
    known = set(facilities["facility_id"].to_list())

    refuse_nulls(stock, ["facility_id", "product_id", "units"], name="stock")
    refuse_rows(stock, pl.col("units") < 0, "units must be >= 0", name="stock")
    refuse_duplicates(stock, ["facility_id", "product_id"], name="stock")

    refuse_nulls(catchment, ["facility_id", "region", "transit_hours"], name="catchment")
    refuse_rows(
        catchment,
        (pl.col("transit_hours") < 0) | (pl.col("ship_cost_minor") < 0),
        "transit_hours and ship_cost_minor must be >= 0",
        name="catchment",
    )
    refuse_duplicates(catchment, ["facility_id", "region"], name="catchment")

    refuse_nulls(lanes, ["from_facility", "to_facility", "lead_hours", "cost_minor"], name="lanes")
    refuse_rows(
        lanes,
        (pl.col("lead_hours") < 0) | (pl.col("cost_minor") < 0),
        "lead_hours and cost_minor must be >= 0",
        name="lanes",
    )
    refuse_rows(
        lanes,
        pl.col("from_facility") == pl.col("to_facility"),
        "a lane must join two facilities",
        name="lanes",
    )
    refuse_duplicates(lanes, ["from_facility", "to_facility"], name="lanes")

    for frame, name, columns in (
        (stock, "stock", ["facility_id"]),
        (catchment, "catchment", ["facility_id"]),
        (lanes, "lanes", ["from_facility", "to_facility"]),
    ):
        for column in columns:
            unknown = sorted(set(frame[column].to_list()) - known)
            if unknown:
                raise InvalidRequest(
                    f"{name}.{column} names facilities that facilities does not list: "
                    f"{', '.join(unknown[:_SHOWN])}"
                    + (f" and {len(unknown) - _SHOWN} more" if len(unknown) > _SHOWN else ""),
                    frame=name,
                    unknown=unknown,
                )
