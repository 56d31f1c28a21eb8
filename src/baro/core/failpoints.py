"""Named points on the order path where a test makes the process pause, fail or die.

A race or a crash is tested by stopping one request at a named point (``failpoint("placement.
written")``) while another runs, or by killing the process there, the same on every run
(no sleeps). With nothing armed, a point is one dictionary lookup.

In-process, tests arm a point with :func:`armed` and any callable. A server process arms
points from ``BARO_FAILPOINTS`` at start, e.g. ``BARO_FAILPOINTS=cancel.refunded=kill``:
the worker SIGKILLs itself when it reaches the point, as a crash or an OOM kill would
(for crash tests of real server processes; never set it in production).

Owner of the table of armed points: whoever arms them, before the code under test runs;
the code only reads it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ENVIRONMENT_VARIABLE = "BARO_FAILPOINTS"

_armed: dict[str, Callable[[], None]] = {}


def failpoint(name: str) -> None:
    """Run what is armed at ``name``, if anything."""
    action = _armed.get(name)
    if action is not None:
        action()


@contextmanager
def armed(name: str, action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` whenever the code passes ``name``, inside the block."""
    _armed[name] = action
    try:
        yield
    finally:
        _armed.pop(name, None)


def kill_this_process() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


ACTIONS: dict[str, Callable[[], None]] = {"kill": kill_this_process}


def arm_from_environment(environment: dict[str, str] | None = None) -> list[str]:
    """Arm the points named in ``BARO_FAILPOINTS`` (``point=action,…``); the names armed."""
    spec = (environment if environment is not None else dict(os.environ)).get(
        ENVIRONMENT_VARIABLE, ""
    )
    names = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, action = item.partition("=")
        if action not in ACTIONS:
            raise ValueError(f"{ENVIRONMENT_VARIABLE}: unknown action {action!r} in {item!r}")
        _armed[name] = ACTIONS[action]
        names.append(name)
    return names
