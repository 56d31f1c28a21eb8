"""The robot floor, its lifelong fleet planner and one-shot MAPF solvers, and replays of what
the robots did (pure computation, no database; the heatmap needs matplotlib)."""

from baro.fulfillment.robots.errands import NO_ERRAND as NO_ERRAND
from baro.fulfillment.robots.errands import Errands as Errands
from baro.fulfillment.robots.floor import Floor as Floor
from baro.fulfillment.robots.oneshot import OneShotLacam as OneShotLacam
from baro.fulfillment.robots.oneshot import OneShotPibt as OneShotPibt
from baro.fulfillment.robots.oneshot import OneShotResult as OneShotResult
from baro.fulfillment.robots.oneshot import OneShotSolver as OneShotSolver
from baro.fulfillment.robots.oneshot import run_one_shot as run_one_shot
from baro.fulfillment.robots.planners import BaroPlanner as BaroPlanner
from baro.fulfillment.robots.planners import FleetPlanner as FleetPlanner
from baro.fulfillment.robots.planners import PlainPibt as PlainPibt
from baro.fulfillment.robots.player import write_player as write_player
from baro.fulfillment.robots.referee import MOVE_WAIT as MOVE_WAIT
from baro.fulfillment.robots.referee import Referee as Referee
from baro.fulfillment.robots.referee import StepCheck as StepCheck
from baro.fulfillment.robots.referee import check_moves as check_moves
from baro.fulfillment.robots.referee import check_step as check_step
from baro.fulfillment.robots.replay import Recording as Recording
from baro.fulfillment.robots.replay import congestion_heatmap as congestion_heatmap
from baro.fulfillment.robots.replay import read_recording as read_recording
from baro.fulfillment.robots.replay import record_lifelong as record_lifelong
from baro.fulfillment.robots.simulate import Fleet as Fleet
from baro.fulfillment.robots.simulate import RunResult as RunResult
from baro.fulfillment.robots.simulate import StepRecord as StepRecord
from baro.fulfillment.robots.simulate import run_lifelong as run_lifelong

__all__ = [
    "MOVE_WAIT",
    "NO_ERRAND",
    "BaroPlanner",
    "Errands",
    "Fleet",
    "FleetPlanner",
    "Floor",
    "OneShotLacam",
    "OneShotPibt",
    "OneShotResult",
    "OneShotSolver",
    "PlainPibt",
    "Recording",
    "Referee",
    "RunResult",
    "StepCheck",
    "StepRecord",
    "check_moves",
    "check_step",
    "congestion_heatmap",
    "read_recording",
    "record_lifelong",
    "run_lifelong",
    "run_one_shot",
    "write_player",
]
