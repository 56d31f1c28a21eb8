"""MovingAI grid maps and MAPF scenarios (``mapf_movingai/``), the benchmark of Stern et al.

A map file::

    type octile
    height 63
    width 161
    map
    .....TTTT....      (height lines of width characters)

``.``, ``G``, ``S`` (and ``E``, used by the Robot Runners maps) are free; ``@``, ``O``, ``T``
and ``W`` are blocked. A scenario file is ``version 1`` and then one tab-separated agent per
line: bucket, map, width, height, start_x, start_y, goal_x, goal_y, optimal_length, where x is
the column and y the row (0-based, from the top-left).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from baro.datasets._paths import data_file, resolve_data_dir
from baro.datasets._tables import integer, parse_columns, read_text_table, real, schema, text
from baro.datasets.errors import DatasetCorrupt, DatasetMissing

FOLDER = "mapf_movingai"
FREE = frozenset(".GSE")
BLOCKED = frozenset("@OTW")

_SCENARIO_COLUMNS = (
    integer("bucket", pl.Int32()),
    text("map"),
    integer("width", pl.Int32()),
    integer("height", pl.Int32()),
    integer("start_x", pl.Int32()),
    integer("start_y", pl.Int32()),
    integer("goal_x", pl.Int32()),
    integer("goal_y", pl.Int32()),
    real("optimal_length"),
)
MAPF_SCENARIO_SCHEMA = schema(_SCENARIO_COLUMNS)


@dataclass(frozen=True, slots=True, eq=False)
class GridMap:
    """A grid: ``rows`` as written (row 0 at the top), ``free`` (height, width) bool, read-only.

    Cell (x, y) is ``free[y, x]``; its linear id, as Robot Runners numbers cells, is
    ``y * width + x``.
    """

    name: str
    height: int
    width: int
    rows: tuple[str, ...]
    free: npt.NDArray[np.bool_]


def _parse_grid_map(text: str, *, name: str, path: Path) -> GridMap:
    """The map in ``text`` (MovingAI format); ``DatasetCorrupt`` citing ``path`` if malformed."""
    lines = text.splitlines()
    header = dict(_header_line(line, path) for line in lines[:3])
    if (
        header.get("type") != "octile"
        or lines[3:4] != ["map"]
        or not {"height", "width"} <= set(header)
    ):
        raise DatasetCorrupt(path, "expected 'type octile', 'height H', 'width W', then 'map'")
    try:
        height, width = int(header["height"]), int(header["width"])
    except ValueError as error:
        raise DatasetCorrupt(path, "height and width must be whole numbers") from error
    rows = tuple(lines[4 : 4 + height])
    if len(rows) != height or any(len(row) != width for row in rows):
        raise DatasetCorrupt(path, f"expected {height} lines of {width} cells after 'map'")
    unknown = set("".join(rows)) - FREE - BLOCKED
    if unknown:
        raise DatasetCorrupt(path, f"unknown cell character(s) {''.join(sorted(unknown))!r}")
    cells = np.array([list(row) for row in rows], dtype="<U1").reshape(height, width)
    free = np.isin(cells, list(FREE))
    free.setflags(write=False)
    return GridMap(name=name, height=height, width=width, rows=rows, free=free)


def _header_line(line: str, path: Path) -> tuple[str, str]:
    key, _, value = line.partition(" ")
    if not value:
        raise DatasetCorrupt(path, f"expected a 'key value' header line, found {line!r}")
    return key, value.strip()


def read_grid_map(path: Path) -> GridMap:
    """The map file at ``path`` (named after the file, without ``.map``)."""
    try:
        content = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetCorrupt(path, f"cannot be read as a text map ({error})") from error
    return _parse_grid_map(content, name=path.stem, path=path)


def list_mapf_maps(data_dir: Path | None = None) -> list[str]:
    """Names of the maps (``warehouse-10-20-10-2-1``), sorted."""
    folder = _folder(data_dir)
    return sorted(path.stem for path in folder.glob("*.map"))


def list_mapf_scenarios(map_name: str, data_dir: Path | None = None) -> list[str]:
    """Names of the map's scenarios (``<map>-even-1``…, ``<map>-random-1``…), by kind, then
    number."""
    pattern = re.compile(rf"{re.escape(map_name)}-(?P<kind>[a-z]+)-(?P<number>\d+)")
    stems = (path.stem for path in (_folder(data_dir) / "scen").glob("*.scen"))
    found = [match for stem in stems if (match := pattern.fullmatch(stem))]
    return [match.string for match in sorted(found, key=lambda m: (m["kind"], int(m["number"])))]


def load_mapf_map(name: str, data_dir: Path | None = None) -> GridMap:
    """One map by name (``mapf_movingai/<name>.map``)."""
    return read_grid_map(data_file(data_dir, f"{FOLDER}/{name}.map", what=f"MAPF map {name}"))


def load_mapf_scenario(name: str, data_dir: Path | None = None) -> pl.DataFrame:
    """One scenario by name (``mapf_movingai/scen/<name>.scen``), one row per agent in file
    order (a MAPF instance with k agents takes the first k rows).

    bucket: Int32, map: String (the map's file name), width: Int32, height: Int32, start_x,
    start_y, goal_x, goal_y: Int32 (column, row), optimal_length: Float64 (octile distance,
    moves of cost 1 and √2, ignoring other agents).
    """
    path = data_file(data_dir, f"{FOLDER}/scen/{name}.scen", what=f"MAPF scenario {name}")
    return _read_scenario(path)


def _read_scenario(path: Path) -> pl.DataFrame:
    try:
        with path.open(encoding="ascii", errors="replace") as handle:
            version = handle.readline().split()
    except OSError as error:
        raise DatasetCorrupt(path, f"cannot be read ({error})") from error
    if version[:1] != ["version"] or version[1:2] not in (["1"], ["1.0"]):
        raise DatasetCorrupt(path, "expected a MovingAI scenario starting with 'version 1'")
    header = [column.source for column in _SCENARIO_COLUMNS]
    raw = read_text_table(path, separator="\t", header=header, skip_lines=1)
    return parse_columns(raw, _SCENARIO_COLUMNS, path)


def _folder(data_dir: Path | None) -> Path:
    root = resolve_data_dir(data_dir)
    folder = root / FOLDER
    if not folder.is_dir():
        raise DatasetMissing(folder, data_dir=root, what="MAPF benchmark folder")
    return folder
