"""MovingAI maps and scenarios, parsed from tiny files written by the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from baro.datasets import (
    MAPF_SCENARIO_SCHEMA,
    DatasetCorrupt,
    list_mapf_maps,
    list_mapf_scenarios,
    load_mapf_map,
    load_mapf_scenario,
)

Put = Callable[[str, str], Path]
MAP = "type octile\nheight 3\nwidth 4\nmap\n..T.\n.@..\nGS..\n"
SCENARIO = (
    "version 1\n"
    "0\ttiny.map\t4\t3\t0\t0\t3\t2\t3.82842712\n"
    "1\ttiny.map\t4\t3\t3\t0\t0\t2\t4.41421356\n"
)


def test_a_map_marks_free_and_blocked_cells(put: Put, data_dir: Path) -> None:
    put("mapf_movingai/tiny.map", MAP)

    grid = load_mapf_map("tiny", data_dir)

    assert (grid.name, grid.height, grid.width) == ("tiny", 3, 4)
    assert grid.rows == ("..T.", ".@..", "GS..")
    assert grid.free.tolist() == [
        [True, True, False, True],
        [True, False, True, True],
        [True, True, True, True],
    ]
    assert not grid.free.flags.writeable


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (MAP.replace("width 4", "width 5"), "expected 3 lines of 5 cells"),
        (MAP.replace(".@..", ".@?."), "unknown cell character"),
        (MAP.replace("type octile", "type hex"), "type octile"),
        (MAP.replace("GS..\n", ""), "expected 3 lines"),
    ],
)
def test_a_malformed_map_is_corrupt(put: Put, data_dir: Path, broken: str, problem: str) -> None:
    put("mapf_movingai/tiny.map", broken)

    with pytest.raises(DatasetCorrupt, match=problem):
        load_mapf_map("tiny", data_dir)


def test_a_scenario_is_one_typed_row_per_agent_in_file_order(put: Put, data_dir: Path) -> None:
    put("mapf_movingai/scen/tiny-random-1.scen", SCENARIO)

    agents = load_mapf_scenario("tiny-random-1", data_dir)

    assert agents.schema == pl.Schema(MAPF_SCENARIO_SCHEMA)
    assert agents.select("start_x", "start_y", "goal_x", "goal_y").rows() == [
        (0, 0, 3, 2),
        (3, 0, 0, 2),
    ]
    assert agents["optimal_length"][0] == pytest.approx(3.82842712)


def test_a_scenario_without_its_version_line_is_corrupt(put: Put, data_dir: Path) -> None:
    put("mapf_movingai/scen/tiny-random-1.scen", SCENARIO.removeprefix("version 1\n"))

    with pytest.raises(DatasetCorrupt, match="version 1"):
        load_mapf_scenario("tiny-random-1", data_dir)


def test_maps_and_their_scenarios_are_listed_by_kind_then_number(put: Put, data_dir: Path) -> None:
    put("mapf_movingai/tiny.map", MAP)
    put("mapf_movingai/tiny-2.map", MAP)
    for name in ("tiny-random-10", "tiny-random-2", "tiny-even-1", "tiny-2-even-1"):
        put(f"mapf_movingai/scen/{name}.scen", SCENARIO)

    assert list_mapf_maps(data_dir) == ["tiny", "tiny-2"]
    assert list_mapf_scenarios("tiny", data_dir) == [
        "tiny-even-1",
        "tiny-random-2",
        "tiny-random-10",
    ]
