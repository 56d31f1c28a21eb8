"""Lifelong errands: each robot is handed its next errand as it finishes one.

The strategies are the 2023 start-kit's (``driver.cpp``): ``roundrobin`` gives robot ``k`` of
``n`` the errands ``k, k + n, k + 2n…`` of the task file, wrapping round at its end, so it never
runs dry; ``roundrobin_fixed`` the same without wrapping; ``greedy`` the next unassigned errand
of one shared queue to whichever robot finishes first (robot order breaks ties). With
``num_tasks_reveal`` above 1 a robot also sees its following errands; baro's planners steer to
the first only, so the count changes nothing here but is kept to describe the instance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

STRATEGIES = ("roundrobin", "roundrobin_fixed", "greedy")
NO_ERRAND = -1


class Errands:
    """The errand each robot is on (``goals``, a cell id or ``NO_ERRAND``) and those finished."""

    def __init__(
        self,
        tasks: npt.NDArray[np.integer],
        robots: int,
        strategy: str = "roundrobin",
        num_tasks_reveal: int = 1,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown task assignment strategy {strategy!r}; known: {STRATEGIES}")
        if robots < 1 or num_tasks_reveal < 1 or len(tasks) == 0:
            raise ValueError("errands need robots, a reveal of 1 or more and at least one task")
        self.strategy = strategy
        self.num_tasks_reveal = num_tasks_reveal
        self._tasks = np.asarray(tasks, dtype=np.int64)
        self._robots = robots
        self._taken = np.zeros(robots, dtype=np.int64)  # errands handed to each robot so far
        self._next_shared = 0  # greedy: the first errand of the queue not handed out
        self.finished = 0
        self.goals = np.full(robots, NO_ERRAND, dtype=np.int64)
        self._hand_out(np.arange(robots))

    def finish(self, arrived: npt.NDArray[np.bool_]) -> int:
        """Robots standing on their errand's cell finish it and get the next; how many did."""
        done = np.flatnonzero(arrived & (self.goals != NO_ERRAND))
        self.finished += done.size
        self._hand_out(done)
        return int(done.size)

    def _hand_out(self, robots: npt.NDArray[np.intp]) -> None:
        if not robots.size:
            return
        count = len(self._tasks)
        if self.strategy == "greedy":
            index = self._next_shared + np.arange(robots.size)
            self._next_shared += robots.size
        else:
            index = self._taken[robots] * self._robots + robots
            self._taken[robots] += 1
            if self.strategy == "roundrobin":
                index = index % count
        self.goals[robots] = np.where(index < count, self._tasks[np.minimum(index, count - 1)], -1)
