"""A lifelong run: the planner acts, the referee judges and moves the robots, errands follow.

As in the 2023 start-kit, robots start facing east, an errand is finished when its robot
stands on the errand's cell after a step, and a step the referee rejects is replaced by every
robot waiting (the run goes on; the rejection is counted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from baro.datasets import RobotRunnersProblem
from baro.fulfillment.robots.errands import Errands
from baro.fulfillment.robots.floor import EAST, WAIT, Floor
from baro.fulfillment.robots.planners import FleetPlanner
from baro.fulfillment.robots.referee import Referee


@dataclass(frozen=True, slots=True)
class Fleet:
    """A floor, its robots' start cells and the errands they will be handed."""

    floor: Floor
    starts: npt.NDArray[np.int64]
    tasks: npt.NDArray[np.int64]
    strategy: str = "roundrobin"
    num_tasks_reveal: int = 1

    @classmethod
    def from_problem(cls, problem: RobotRunnersProblem) -> Fleet:
        return cls(
            floor=Floor.from_grid(problem.grid),
            starts=np.asarray(problem.agent_starts[: problem.team_size], dtype=np.int64),
            tasks=np.asarray(problem.tasks, dtype=np.int64),
            strategy=problem.task_assignment_strategy,
            num_tasks_reveal=problem.num_tasks_reveal,
        )


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step as it happened, for whoever watches a run (a replay, a heatmap): the robots'
    ``actions`` (all waits if the referee rejected the step), their cells and orientations
    after it, the ``goals`` they were steering to and who ``arrived`` on theirs."""

    step: int
    actions: npt.NDArray[np.int8]
    locations: npt.NDArray[np.int64]
    orientations: npt.NDArray[np.int64]
    goals: npt.NDArray[np.int64]
    arrived: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one planner did in one run; ``plan_seconds`` has one entry per step."""

    planner: str
    robots: int
    steps: int
    finished: int
    setup_seconds: float
    plan_seconds: npt.NDArray[np.float64]
    illegal: int
    collisions: int
    rejected_steps: int
    problems: tuple[str, ...]


def run_lifelong(
    fleet: Fleet,
    planner: FleetPlanner,
    steps: int,
    on_step: Callable[[int, int], None] | None = None,
    watch: Callable[[StepRecord], None] | None = None,
) -> RunResult:
    """Run ``steps`` timesteps; ``on_step(step, finished so far)`` and ``watch(record)`` after
    each."""
    floor = fleet.floor
    errands = Errands(fleet.tasks, fleet.starts.size, fleet.strategy, fleet.num_tasks_reveal)
    locations = fleet.starts.copy()
    orientations = np.full(locations.size, EAST, dtype=np.int64)
    referee = Referee(floor.free.reshape(floor.height, floor.width))
    started = time.perf_counter()
    planner.setup(floor, locations, errands.goals)
    setup_seconds = time.perf_counter() - started
    plan_seconds = np.empty(steps, dtype=np.float64)
    rejected = 0
    for step in range(steps):
        started = time.perf_counter()
        actions = planner.plan(locations, orientations, errands.goals)
        plan_seconds[step] = time.perf_counter() - started
        check = referee.judge(locations, orientations, actions)
        if check.valid:
            locations, orientations = check.locations, check.orientations
        else:
            rejected += 1  # every robot waits: the locations and orientations stand
            actions = np.full(actions.shape, WAIT, dtype=np.int8)
        goals = errands.goals.copy()
        arrived = locations == goals
        errands.finish(arrived)
        if watch:
            watch(StepRecord(step + 1, actions, locations, orientations, goals, arrived))
        if on_step:
            on_step(step + 1, errands.finished)
    return RunResult(
        planner=planner.name,
        robots=int(locations.size),
        steps=steps,
        finished=errands.finished,
        setup_seconds=setup_seconds,
        plan_seconds=plan_seconds,
        illegal=referee.illegal,
        collisions=referee.collisions,
        rejected_steps=rejected,
        problems=tuple(referee.problems),
    )
