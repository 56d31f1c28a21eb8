"""A stretch of robot movement, kept to be seen again: a recording of a lifelong run's steps,
and the congestion on the floor while they ran.

A recording holds, for each recorded step, every robot's cell and orientation after it and
its state in it (``STATES``). It is written as JSON (``format`` ``baro-robot-replay/1``) so a
run can be replayed without running it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from baro.fulfillment.robots.errands import NO_ERRAND
from baro.fulfillment.robots.floor import FORWARD, WAIT, Floor
from baro.fulfillment.robots.planners import FleetPlanner
from baro.fulfillment.robots.simulate import Fleet, StepRecord, run_lifelong

FORMAT = "baro-robot-replay/1"
# A robot's state in a step, the index into this tuple.
STATES = ("moving", "turning", "waiting", "arrived", "idle")
MOVING, TURNING, WAITING, ARRIVED, IDLE = range(len(STATES))


@dataclass(frozen=True, slots=True, eq=False)
class Recording:
    """Steps ``first_step + 1 … first_step + steps`` of a run of ``source`` (a problem's name)
    on ``floor``: arrays of shape (steps, robots); ``waits[cell]`` counts the robot-steps
    spent waiting on each cell."""

    source: str
    floor_name: str
    rows: tuple[str, ...]
    planner: str
    first_step: int
    locations: npt.NDArray[np.int64]
    orientations: npt.NDArray[np.int64]
    states: npt.NDArray[np.int8]

    @property
    def steps(self) -> int:
        return int(self.locations.shape[0])

    @property
    def floor(self) -> Floor:
        return Floor.from_rows(self.rows, name=self.floor_name)

    @property
    def waits(self) -> npt.NDArray[np.int64]:
        height, width = len(self.rows), len(self.rows[0])
        waiting = self.locations[self.states == WAITING]
        return np.bincount(waiting, minlength=height * width).astype(np.int64)

    def stretch(self, start: int, steps: int) -> Recording:
        """The recorded steps ``start + 1 … start + steps`` (run step numbers); ``ValueError``
        if the recording does not hold them all."""
        offset = start - self.first_step
        if offset < 0 or steps < 1 or offset + steps > self.steps:
            raise ValueError(
                f"the recording holds steps {self.first_step + 1}…{self.first_step + self.steps}"
                f", not {start + 1}…{start + steps}"
            )
        window = slice(offset, offset + steps)
        return Recording(
            source=self.source,
            floor_name=self.floor_name,
            rows=self.rows,
            planner=self.planner,
            first_step=start,
            locations=self.locations[window],
            orientations=self.orientations[window],
            states=self.states[window],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "source": self.source,
            "floor": {"name": self.floor_name, "rows": list(self.rows)},
            "planner": self.planner,
            "first_step": self.first_step,
            "states": list(STATES),
            "frames": [
                {"locations": cells, "orientations": facing, "states": states}
                for cells, facing, states in zip(
                    self.locations.tolist(),
                    self.orientations.tolist(),
                    self.states.tolist(),
                    strict=True,
                )
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> Recording:
        """A recording written by ``to_json``; ``ValueError`` saying what is wrong otherwise."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a robot replay (expected format {FORMAT!r})")
        try:
            frames = data["frames"]
            rows = tuple(data["floor"]["rows"])
            recording = cls(
                source=str(data["source"]),
                floor_name=str(data["floor"]["name"]),
                rows=rows,
                planner=str(data["planner"]),
                first_step=int(data["first_step"]),
                locations=np.array([f["locations"] for f in frames], dtype=np.int64),
                orientations=np.array([f["orientations"] for f in frames], dtype=np.int64),
                states=np.array([f["states"] for f in frames], dtype=np.int8),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"a malformed robot replay ({error!r})") from error
        floor = recording.floor
        shapes = {recording.locations.shape, recording.orientations.shape, recording.states.shape}
        if not frames or len(shapes) != 1 or recording.locations.ndim != 2:
            raise ValueError("a robot replay needs frames of one robot count")
        if ((recording.locations < 0) | (recording.locations >= floor.cells)).any():
            raise ValueError("a robot replay puts a robot off its floor")
        return recording


def read_recording(path: Path) -> Recording:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} cannot be read as JSON ({error})") from error
    return Recording.from_json(data)


def record_lifelong(
    fleet: Fleet, planner: FleetPlanner, *, start: int, steps: int, source: str = ""
) -> Recording:
    """Run ``start + steps`` steps of ``fleet`` and record the last ``steps``; ``source``
    names the problem (the floor's name if not given)."""
    if start < 0 or steps < 1:
        raise ValueError("record from step 0 or later, at least one step")
    robots = fleet.starts.size
    locations = np.empty((steps, robots), dtype=np.int64)
    orientations = np.empty((steps, robots), dtype=np.int64)
    states = np.empty((steps, robots), dtype=np.int8)

    def keep(record: StepRecord) -> None:
        frame = record.step - start - 1
        if frame < 0:
            return
        locations[frame] = record.locations
        orientations[frame] = record.orientations
        states[frame] = _states(record)

    run_lifelong(fleet, planner, start + steps, watch=keep)
    floor = fleet.floor
    rows = floor_rows(floor)
    return Recording(
        source or floor.name, floor.name, rows, planner.name, start, locations, orientations, states
    )


def _states(record: StepRecord) -> npt.NDArray[np.int8]:
    state = np.where(record.actions == FORWARD, MOVING, TURNING)
    state = np.where(record.actions == WAIT, WAITING, state)
    state = np.where(record.goals == NO_ERRAND, IDLE, state)
    return np.where(record.arrived, ARRIVED, state).astype(np.int8)


def floor_rows(floor: Floor) -> tuple[str, ...]:
    """The floor drawn as text again: ``.`` free, ``S`` pod, ``E`` station, ``@`` blocked."""
    cells = np.where(floor.free, ".", "@")
    cells[floor.pods] = "S"
    cells[floor.stations] = "E"
    grid = cells.reshape(floor.height, floor.width)
    return tuple("".join(row) for row in grid)


def congestion_heatmap(
    floor: Floor, waits: npt.ArrayLike, path: Path, *, title: str | None = None
) -> Path:
    """Write a PNG of the floor with each cell coloured by ``waits[cell]`` (robot-steps spent
    waiting there; a log scale, so a few jammed cells do not wash the rest out), blocked cells
    grey. Needs matplotlib (the ``twin`` extra)."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display here or on a server
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FuncFormatter

    counts = np.asarray(waits, dtype=np.float64)
    if counts.shape != (floor.cells,) or (counts < 0).any():
        raise ValueError("one non-negative count per cell of the floor")
    grid = np.ma.masked_where(counts == 0, counts).reshape(floor.height, floor.width)
    blocked = np.ma.masked_where(floor.free, np.ones(floor.cells)).reshape(
        floor.height, floor.width
    )
    scale = 8 / max(floor.height, floor.width)
    figure, axes = plt.subplots(
        figsize=(max(4.0, floor.width * scale + 1.5), max(3.0, floor.height * scale + 0.8))
    )
    axes.imshow(blocked, cmap="Greys", vmin=0, vmax=2, interpolation="nearest")
    peak = max(float(counts.max()), 1.0)
    image = axes.imshow(
        grid, cmap="inferno_r", norm=LogNorm(vmin=1, vmax=max(peak, 2.0)), interpolation="nearest"
    )
    bar = figure.colorbar(image, ax=axes, label="robot-steps waiting on the cell")
    plain = FuncFormatter(lambda value, _position: f"{value:g}")  # 2, not 2×10⁰
    bar.ax.yaxis.set_major_formatter(plain)
    bar.ax.yaxis.set_minor_formatter(plain)
    axes.set_title(title or f"{floor.name}: where robots waited ({int(counts.sum()):,} in all)")
    axes.set_xticks([])
    axes.set_yticks([])
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path
