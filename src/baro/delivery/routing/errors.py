"""Why a wave cannot be routed. Each says which stops and by how much, never a broken plan."""

from __future__ import annotations

from baro.core.errors import Conflict, InvalidRequest


class InvalidWave(InvalidRequest):
    """The request itself is wrong: no vans, a wave that ends before it starts, a negative
    weight, an order twice."""

    code = "invalid_wave"


class UnreachableStop(InvalidRequest):
    """No van can serve these stops: no road from or back to the depot, or a window that
    closes before a van leaving at the wave's start can arrive (a window in the past), or
    one that leaves no time to be back before the wave ends. ``context['stops']`` lists each
    with its reason."""

    code = "unreachable_stop"


class OverCapacityStop(InvalidRequest):
    """A single stop weighs more than the largest van carries (split the order, or send a
    bigger van). ``context['stops']`` lists them; ``context['largest_van']`` the limit."""

    code = "over_capacity_stop"


class FleetTooSmall(Conflict):
    """All the stops together weigh more than all the vans carry in one wave."""

    code = "fleet_too_small"


class NoFeasibleRoutes(Conflict):
    """Every stop is reachable on its own, but the solver found no plan that serves them all
    within capacity and windows in the time it had (too few vans for the windows, most
    often). ``context`` says what the best plan it found still broke."""

    code = "no_feasible_routes"
