"""The robot floor: a grid of fiducial markers, pods on storage cells, pick stations.

A cell's marker id is its linear id ``row * width + column`` (as the League of Robot Runners
numbers cells). A robot stands on one cell facing east, south, west or north; it moves forward
one cell, turns a quarter in place, or waits (the 2023 start-kit's action model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from baro.datasets import MAPF_BLOCKED_CELLS, MAPF_FREE_CELLS, GridMap

# Orientations and the moves they face, in the start-kit's order: 0 east, 1 south, 2 west, 3 north.
EAST, SOUTH, WEST, NORTH = 0, 1, 2, 3
# Actions, in the start-kit's order: forward, clockwise, counter-clockwise, wait.
FORWARD, CLOCKWISE, COUNTER_CLOCKWISE, WAIT = 0, 1, 2, 3
_STORAGE = "S"
_STATION = "E"


@dataclass(frozen=True, slots=True, eq=False)
class Floor:
    """A floor's cells, read-only arrays indexed by marker id.

    ``neighbour[cell, orientation]`` is the marker a robot on ``cell`` facing ``orientation``
    reaches by moving forward, or -1 (a wall, an obstacle or the edge of the floor).
    ``pods`` are the storage cells (``S`` on a Robot Runners map), ``stations`` the pick
    stations (``E``).
    """

    name: str
    height: int
    width: int
    free: npt.NDArray[np.bool_]
    neighbour: npt.NDArray[np.int32]
    pods: npt.NDArray[np.int32]
    stations: npt.NDArray[np.int32]

    @property
    def cells(self) -> int:
        return self.height * self.width

    @classmethod
    def from_grid(cls, grid: GridMap) -> Floor:
        return cls.from_rows(grid.rows, name=grid.name)

    @classmethod
    def from_rows(cls, rows: Sequence[str], *, name: str = "floor") -> Floor:
        """A floor drawn as text: ``.`` free, ``S`` a pod's storage cell, ``E`` a pick
        station, ``@``/``T`` blocked."""
        height, width = len(rows), len(rows[0]) if rows else 0
        if not height or not width or any(len(row) != width for row in rows):
            raise ValueError("a floor needs rows of equal, non-zero width")
        unknown = set("".join(rows)) - MAPF_FREE_CELLS - MAPF_BLOCKED_CELLS
        if unknown:
            raise ValueError(f"unknown cell character(s) {''.join(sorted(unknown))!r}")
        flat = np.array(list("".join(rows)), dtype="<U1")
        free = np.isin(flat, list(MAPF_FREE_CELLS))
        neighbour = _neighbours(free, height, width)
        for array in (free, neighbour):
            array.setflags(write=False)
        return cls(
            name=name,
            height=height,
            width=width,
            free=free,
            neighbour=neighbour,
            pods=_read_only(np.flatnonzero(flat == _STORAGE)),
            stations=_read_only(np.flatnonzero(flat == _STATION)),
        )


def _neighbours(free: npt.NDArray[np.bool_], height: int, width: int) -> npt.NDArray[np.int32]:
    cell = np.arange(height * width)
    row, column = cell // width, cell % width
    neighbour = np.full((height * width, 4), -1, dtype=np.int32)
    for orientation, (d_row, d_column) in enumerate(((0, 1), (1, 0), (0, -1), (-1, 0))):
        to_row, to_column = row + d_row, column + d_column
        inside = (to_row >= 0) & (to_row < height) & (to_column >= 0) & (to_column < width)
        target = np.where(inside, to_row * width + to_column, 0)
        neighbour[:, orientation] = np.where(inside & free[target] & free, target, -1)
    return neighbour


def _read_only(array: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    result = array.astype(np.int32)
    result.setflags(write=False)
    return result
