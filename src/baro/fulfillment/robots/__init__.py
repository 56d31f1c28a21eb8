"""The robot floor and its lifelong fleet planner (pure computation, no database)."""

from baro.fulfillment.robots.errands import NO_ERRAND as NO_ERRAND
from baro.fulfillment.robots.errands import Errands as Errands
from baro.fulfillment.robots.floor import Floor as Floor
from baro.fulfillment.robots.planners import BaroPlanner as BaroPlanner
from baro.fulfillment.robots.planners import FleetPlanner as FleetPlanner
from baro.fulfillment.robots.planners import PlainPibt as PlainPibt
from baro.fulfillment.robots.referee import Referee as Referee
from baro.fulfillment.robots.referee import StepCheck as StepCheck
from baro.fulfillment.robots.referee import check_step as check_step
from baro.fulfillment.robots.simulate import Fleet as Fleet
from baro.fulfillment.robots.simulate import RunResult as RunResult
from baro.fulfillment.robots.simulate import run_lifelong as run_lifelong

__all__ = [
    "NO_ERRAND",
    "BaroPlanner",
    "Errands",
    "Fleet",
    "FleetPlanner",
    "Floor",
    "PlainPibt",
    "Referee",
    "RunResult",
    "StepCheck",
    "check_step",
    "run_lifelong",
]
