"""Replays of robot movement: the recording, the HTML player, the congestion heatmap and
``baro fulfillment replay``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from baro.cli import app
from baro.datasets import read_robot_runners_problem
from baro.fulfillment.robots import (
    Fleet,
    PlainPibt,
    Recording,
    congestion_heatmap,
    read_recording,
    record_lifelong,
    write_player,
)
from baro.fulfillment.robots.replay import STATES, WAITING
from tests.fulfillment.test_robots_bench import _write_problem

PROBLEM = "robot_runners_2023/test_round/tiny.domain/TR23-tiny.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    data = tmp_path_factory.mktemp("data")
    _write_problem(data)
    fleet = Fleet.from_problem(read_robot_runners_problem(data / PROBLEM))
    return record_lifelong(fleet, PlainPibt(), start=5, steps=30)


def _embedded(page: str) -> dict[str, object]:
    block = re.search(r'<script type="application/json" id="replay-data">(.*?)</script>', page)
    assert block, "no recording in the page"
    loaded: dict[str, object] = json.loads(block.group(1))
    return loaded


def test_a_recording_keeps_each_step_of_the_stretch(recording: Recording) -> None:
    assert recording.first_step == 5 and recording.steps == 30
    assert recording.locations.shape == recording.states.shape == (30, 3)
    assert set(np.unique(recording.states)) <= set(range(len(STATES)))
    # every robot-step spent waiting is counted on the cell it waited on
    assert recording.waits.sum() == (recording.states == WAITING).sum()
    assert recording.waits.shape == (recording.floor.cells,)


def test_the_player_is_one_offline_page_with_one_frame_per_step(
    recording: Recording, tmp_path: Path
) -> None:
    page = write_player(recording, tmp_path / "replay.html").read_text()

    data = _embedded(page)
    frames = data["frames"]
    assert isinstance(frames, list) and len(frames) == 30
    assert data["first_step"] == 5
    assert frames[0]["locations"] == recording.locations[0].tolist()
    assert "<canvas" in page and 'id="play"' in page and 'type="range"' in page
    assert "<script src" not in page and "http" not in page.lower().replace("http-equiv", "")


def test_a_floor_name_cannot_end_the_script_block(recording: Recording, tmp_path: Path) -> None:
    odd = Recording(
        recording.source,
        "</script><b>",
        recording.rows,
        recording.planner,
        recording.first_step,
        recording.locations,
        recording.orientations,
        recording.states,
    )
    page = write_player(odd, tmp_path / "odd.html").read_text()
    assert _embedded(page)["floor"] == {"name": "</script><b>", "rows": list(recording.rows)}


def test_the_heatmap_is_a_png(recording: Recording, tmp_path: Path) -> None:
    path = congestion_heatmap(recording.floor, recording.waits, tmp_path / "heat.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_the_heatmap_wants_one_count_per_cell(recording: Recording, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one non-negative count per cell"):
        congestion_heatmap(recording.floor, [1, 2, 3], tmp_path / "heat.png")


def test_a_recording_reads_back_and_cuts_to_a_shorter_stretch(
    recording: Recording, tmp_path: Path
) -> None:
    path = tmp_path / "run.replay.json"
    path.write_text(json.dumps(recording.to_json()))

    again = read_recording(path)
    part = again.stretch(10, 5)

    assert np.array_equal(again.locations, recording.locations)
    assert again.rows == recording.rows and again.planner == recording.planner
    assert part.first_step == 10 and part.steps == 5
    assert np.array_equal(part.states, recording.states[5:10])
    with pytest.raises(ValueError, match="holds steps 6…35, not 31…40"):
        again.stretch(30, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data.update(format="something else"), "not a robot replay"),
        (lambda data: data.pop("planner"), "a malformed robot replay"),
        (lambda data: data["frames"][0]["locations"].__setitem__(0, 10_000), "off its floor"),
        (lambda data: data["frames"][1]["states"].pop(), "a malformed robot replay"),
        (lambda data: [frame["states"].pop() for frame in data["frames"]], "one robot count"),
    ],
)
def test_a_broken_recording_is_refused_with_what_is_wrong(
    recording: Recording, tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = recording.to_json()
    change(data)
    path = tmp_path / "broken.replay.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        read_recording(path)


def test_the_command_writes_player_heatmap_and_recording_and_replays_it(tmp_path: Path) -> None:
    _write_problem(tmp_path / "data")
    out = tmp_path / "out"

    first = CliRunner().invoke(
        app,
        [
            *("fulfillment", "replay", str(tmp_path / "data" / PROBLEM), "--steps", "12"),
            *("--from", "3", "--planner", "plain_pibt", "--out", str(out)),
        ],
    )

    assert first.exit_code == 0, first.output
    player = out / "TR23-tiny-4-15.html"
    assert len(_embedded(player.read_text())["frames"]) == 12  # type: ignore[arg-type]
    assert (out / "TR23-tiny-4-15.png").read_bytes()[:8] == PNG_SIGNATURE
    saved = out / "TR23-tiny-4-15.replay.json"

    again = CliRunner().invoke(
        app,
        ["fulfillment", "replay", str(saved), "--from", "5", "--steps", "4", "--out", str(out)],
    )

    rest = CliRunner().invoke(
        app, ["fulfillment", "replay", str(saved), "--from", "10", "--out", str(out)]
    )

    assert again.exit_code == 0, again.output
    assert len(_embedded((out / "TR23-tiny-6-9.html").read_text())["frames"]) == 4  # type: ignore[arg-type]
    # without --steps, a recording is replayed to its end
    assert rest.exit_code == 0, rest.output
    assert len(_embedded((out / "TR23-tiny-11-15.html").read_text())["frames"]) == 5  # type: ignore[arg-type]


def test_a_problem_named_is_looked_up_in_the_data_folder(tmp_path: Path) -> None:
    _write_problem(tmp_path / "data")
    result = CliRunner().invoke(
        app,
        [
            *("fulfillment", "replay", "TR23-tiny", "--steps", "3"),
            *("--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "TR23-tiny-1-3.html").is_file()


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["missing.json"], 1, "Robot Runners problem file not found"),
        (["missing.replay.json"], 1, "no recording at missing.replay.json"),
        (["TR23-none", "--data-dir", "."], 1, "Robot Runners folder not found"),
        (["x.json", "--steps", "0"], 2, "--steps"),
        (["x.json", "--from", "-1"], 2, "--from"),
        (["x.json", "--planner", "astar"], 1, "unknown planner 'astar'"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(
    arguments: list[str], code: int, message: str
) -> None:
    result = CliRunner().invoke(app, ["fulfillment", "replay", *arguments])
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_stretch_the_recording_does_not_hold_is_a_message(
    recording: Recording, tmp_path: Path
) -> None:
    path = tmp_path / "run.replay.json"
    path.write_text(json.dumps(recording.to_json()))
    result = CliRunner().invoke(
        app, ["fulfillment", "replay", str(path), "--from", "100", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1 and "the recording holds steps 6…35" in result.output


def test_without_numba_the_command_names_the_extra_to_install() -> None:
    from baro.cli._extras import missing_extra_message

    missing = ModuleNotFoundError("No module named 'numba'", name="numba")
    assert missing_extra_message(missing) == (
        "this needs baro's robots extra (numba is not installed): pip install 'baro[robots]'"
    )
