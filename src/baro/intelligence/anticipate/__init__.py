"""Anticipation: plans that move stock toward demand before the orders come.

Pure: Polars frames in, frames (in frozen dataclasses) out; no database, no clock (``now``
and ``need_by`` are arguments); ``network`` and the twin act on the plans.

- ``Sites`` (``sites``): facilities, stock, catchments and lanes, checked on construction.
- ``plan_transfers`` -> ``TransferPlan`` (``positioning``): pre-positioning from a forecast.
- ``speculate`` -> ``SpeculativePlan`` (``speculative``): units toward likely buyers;
  ``count_outcomes``: how many of them were assigned and how many wasted.
- ``synthetic_problem`` (``synthetic``): seeded inputs of any size, for benches and tests.

Bad input (a negative quantity, a facility the frames do not know, a missing column, a naive
datetime) raises ``baro.core.errors.InvalidRequest`` naming the frame and the rows at fault.
What is not an error is reported in a plan's ``notes`` and frames: a region no facility
serves (``unserved``), a product without forecast (nothing moves for it), a zero budget, a
lane too slow for ``need_by``.

The pre-positioning model
-------------------------
Region ``r`` is served by ``s(r)``, its nearest facility in the catchment; ``F`` are the
facilities that serve some region. For product ``p`` at ``f`` in ``F``:

- demand ``D_pf``: the forecast over the rows given (the horizon), summed over the regions
  ``f`` serves; each row Normal(mean, std) censored at zero, rows independent, so means and
  variances add (``demand``: std from ``std``, or from ``hi_80``/``hi_95`` as
  ``(hi_L - mean) / z_L``; none: certain);
- ``v_pf``: value of a unit filled there, the demand-weighted mean over those regions of
  ``value_minor`` less the last leg's ``ship_cost_minor`` (integer minor units).

Variables: ``t_pl`` >= 0, integer, units of ``p`` on lane ``l = (i -> j)``, for lanes into
``F`` that arrive by ``need_by`` from a facility holding ``p``. Stock after:
``S_pf = stock_pf + in_pf - out_pf``.

Objective: maximise ``sum v_pf * E[min(D_pf, S_pf)] - sum cost_l * t_pl``, the value of
expected local fill less what moving costs. ``E[min(D, S)]`` is concave in ``S`` and entered
as its piecewise-linear interpolation between integer breakpoints (exact at them; at most 24
per node), so the LP fills the steepest segments first without binaries.

Constraints: ``out_pi <= stock_pi`` (a unit moves once); ``sum_p S_pf <= max(cap_f,
held_f)`` (capacity; a facility already over it may still send); ``sum_(p, f in F) S_pf <=
max(budget, held in F)`` (the inventory budget: units the serving facilities hold after the
plan; a plan moves stock and never destroys it, so stock already forward beyond the budget
stays, and the plan only moves units between serving facilities).

This is the newsvendor under a budget: at the optimum each node's last unit has
``P(D_pf > S_pf) * v_pf`` equal to its lane's cost plus the budget's shadow price, the
critical fractile ``P(D_pf <= S_pf) = 1 - (cost + price) / v_pf``; the service level per
facility x product is an outcome of value, cost and budget, reported as
``in_stock_probability``. HiGHS solves it as a MIP (``solver``; relative gap 1e-6).

Not modelled: demand not filled locally is assumed filled from afar (it is the ``1 - fill``
the objective gives up); transfers are one hop and arrive by ``need_by``; stock comes only
from the facilities in ``stock`` (hubs and sellers included), not from new purchases.
"""

from baro.intelligence.anticipate.positioning import TransferPlan as TransferPlan
from baro.intelligence.anticipate.positioning import plan_transfers as plan_transfers
from baro.intelligence.anticipate.sites import Sites as Sites
from baro.intelligence.anticipate.speculative import SpeculativePlan as SpeculativePlan
from baro.intelligence.anticipate.speculative import count_outcomes as count_outcomes
from baro.intelligence.anticipate.speculative import speculate as speculate
from baro.intelligence.anticipate.synthetic import Problem as Problem
from baro.intelligence.anticipate.synthetic import synthetic_problem as synthetic_problem

__all__ = [
    "Problem",
    "Sites",
    "SpeculativePlan",
    "TransferPlan",
    "count_outcomes",
    "plan_transfers",
    "speculate",
    "synthetic_problem",
]
