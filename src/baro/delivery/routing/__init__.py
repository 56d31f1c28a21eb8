"""Van routing: per facility and wave, the orders due become routes for the vans (PyVRP),
with stops in order, ETAs, and the events that publish them."""

from baro.delivery.routing.dispatch import NO_ROAD as NO_ROAD
from baro.delivery.routing.dispatch import OPEN as OPEN
from baro.delivery.routing.dispatch import DispatchResult as DispatchResult
from baro.delivery.routing.dispatch import PlannedRoute as PlannedRoute
from baro.delivery.routing.dispatch import RoutingProblem as RoutingProblem
from baro.delivery.routing.dispatch import VanType as VanType
from baro.delivery.routing.dispatch import Visit as Visit
from baro.delivery.routing.dispatch import check_servable as check_servable
from baro.delivery.routing.dispatch import solve as solve
from baro.delivery.routing.distances import DistanceMatrix as DistanceMatrix
from baro.delivery.routing.distances import HaversineRoadMatrix as HaversineRoadMatrix
from baro.delivery.routing.distances import Legs as Legs
from baro.delivery.routing.distances import Point as Point
from baro.delivery.routing.errors import FleetTooSmall as FleetTooSmall
from baro.delivery.routing.errors import InvalidWave as InvalidWave
from baro.delivery.routing.errors import NoFeasibleRoutes as NoFeasibleRoutes
from baro.delivery.routing.errors import OverCapacityStop as OverCapacityStop
from baro.delivery.routing.errors import UnreachableStop as UnreachableStop
from baro.delivery.routing.waves import Drop as Drop
from baro.delivery.routing.waves import PlannedStop as PlannedStop
from baro.delivery.routing.waves import RouteEvent as RouteEvent
from baro.delivery.routing.waves import RoutePlanner as RoutePlanner
from baro.delivery.routing.waves import Van as Van
from baro.delivery.routing.waves import VanRoute as VanRoute
from baro.delivery.routing.waves import Wave as Wave
from baro.delivery.routing.waves import WavePlan as WavePlan
from baro.delivery.routing.waves import due_in as due_in
