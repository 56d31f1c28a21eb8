"""Timing a data set's steps in a bench, with the progress bar on the step under way."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

Progress = Callable[[str, int, int], None]  # what is under way, steps done, of how many


class Laps:
    """Times one data set's ``steps`` (call it with each step's name as it ends) and moves
    the progress bar to the next step."""

    def __init__(
        self, name: str, steps: Sequence[str], done: int, total: int, progress: Progress
    ) -> None:
        self.name, self.steps = name, tuple(steps)
        self.done, self.total, self.progress = done, total, progress
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()
        progress(f"{name}: {self.steps[0]}", done, total)

    def __call__(self, what: str) -> float:
        now = time.perf_counter()
        elapsed, self.started = now - self.started, now
        self.seconds[what] = round(elapsed, 1)
        if len(self.seconds) < len(self.steps):
            step = self.steps[len(self.seconds)]
            self.progress(f"{self.name}: {step}", self.done + len(self.seconds), self.total)
        return elapsed
