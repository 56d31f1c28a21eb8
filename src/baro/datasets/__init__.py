"""Loaders for the real public data sets in the data directory, as typed Polars frames.

Each loader takes ``data_dir`` (default: ``BARO_DATA_DIR``, else ``../shared/data``, else the
nearest ``shared/data`` above the working directory) and raises ``DatasetMissing`` or
``DatasetCorrupt`` with the file's path rather than a parser's traceback. Every frame's
columns and dtypes are in its ``*_SCHEMA`` constant and its loader's docstring. Times are UTC,
money is integer minor units, ids and zip prefixes are integers where the source's are.

``verify`` checks every file against the sha256 that ``SOURCES.md`` states for it.
"""

from baro.datasets._checksums import CheckStatus as CheckStatus
from baro.datasets._checksums import FileCheck as FileCheck
from baro.datasets._checksums import ManifestEntry as ManifestEntry
from baro.datasets._checksums import read_manifest as read_manifest
from baro.datasets._checksums import verify as verify
from baro.datasets._paths import resolve_data_dir as resolve_data_dir
from baro.datasets.errors import DatasetCorrupt as DatasetCorrupt
from baro.datasets.errors import DatasetError as DatasetError
from baro.datasets.errors import DatasetMissing as DatasetMissing
from baro.datasets.instacart import INSTACART_AISLES_SCHEMA as INSTACART_AISLES_SCHEMA
from baro.datasets.instacart import INSTACART_DEPARTMENTS_SCHEMA as INSTACART_DEPARTMENTS_SCHEMA
from baro.datasets.instacart import (
    INSTACART_ORDER_PRODUCTS_SCHEMA as INSTACART_ORDER_PRODUCTS_SCHEMA,
)
from baro.datasets.instacart import INSTACART_ORDERS_SCHEMA as INSTACART_ORDERS_SCHEMA
from baro.datasets.instacart import INSTACART_PRODUCTS_SCHEMA as INSTACART_PRODUCTS_SCHEMA
from baro.datasets.instacart import load_instacart_aisles as load_instacart_aisles
from baro.datasets.instacart import load_instacart_departments as load_instacart_departments
from baro.datasets.instacart import (
    load_instacart_order_products_prior as load_instacart_order_products_prior,
)
from baro.datasets.instacart import load_instacart_orders as load_instacart_orders
from baro.datasets.instacart import load_instacart_products as load_instacart_products
from baro.datasets.m5 import M5_CALENDAR_SCHEMA as M5_CALENDAR_SCHEMA
from baro.datasets.m5 import M5_SALES_SCHEMA as M5_SALES_SCHEMA
from baro.datasets.m5 import M5_SELL_PRICES_SCHEMA as M5_SELL_PRICES_SCHEMA
from baro.datasets.m5 import load_m5_calendar as load_m5_calendar
from baro.datasets.m5 import load_m5_sales as load_m5_sales
from baro.datasets.m5 import load_m5_sell_prices as load_m5_sell_prices
from baro.datasets.mapf import BLOCKED as MAPF_BLOCKED_CELLS
from baro.datasets.mapf import FREE as MAPF_FREE_CELLS
from baro.datasets.mapf import MAPF_SCENARIO_SCHEMA as MAPF_SCENARIO_SCHEMA
from baro.datasets.mapf import GridMap as GridMap
from baro.datasets.mapf import list_mapf_maps as list_mapf_maps
from baro.datasets.mapf import list_mapf_scenarios as list_mapf_scenarios
from baro.datasets.mapf import load_mapf_map as load_mapf_map
from baro.datasets.mapf import load_mapf_scenario as load_mapf_scenario
from baro.datasets.mapf import read_grid_map as read_grid_map
from baro.datasets.olist import (
    OLIST_CATEGORY_TRANSLATION_SCHEMA as OLIST_CATEGORY_TRANSLATION_SCHEMA,
)
from baro.datasets.olist import OLIST_CUSTOMERS_SCHEMA as OLIST_CUSTOMERS_SCHEMA
from baro.datasets.olist import OLIST_GEOLOCATION_SCHEMA as OLIST_GEOLOCATION_SCHEMA
from baro.datasets.olist import OLIST_ORDER_ITEMS_SCHEMA as OLIST_ORDER_ITEMS_SCHEMA
from baro.datasets.olist import OLIST_ORDERS_SCHEMA as OLIST_ORDERS_SCHEMA
from baro.datasets.olist import OLIST_PRODUCTS_SCHEMA as OLIST_PRODUCTS_SCHEMA
from baro.datasets.olist import OLIST_SELLERS_SCHEMA as OLIST_SELLERS_SCHEMA
from baro.datasets.olist import add_coordinates as add_coordinates
from baro.datasets.olist import load_olist_category_translation as load_olist_category_translation
from baro.datasets.olist import load_olist_customers as load_olist_customers
from baro.datasets.olist import load_olist_geolocation as load_olist_geolocation
from baro.datasets.olist import load_olist_order_items as load_olist_order_items
from baro.datasets.olist import load_olist_orders as load_olist_orders
from baro.datasets.olist import load_olist_products as load_olist_products
from baro.datasets.olist import load_olist_sellers as load_olist_sellers
from baro.datasets.olist import one_point_per_prefix as one_point_per_prefix
from baro.datasets.olist_casestudy import OLIST_PAYMENTS_SCHEMA as OLIST_PAYMENTS_SCHEMA
from baro.datasets.olist_casestudy import OLIST_REVIEWS_SCHEMA as OLIST_REVIEWS_SCHEMA
from baro.datasets.olist_casestudy import (
    load_olist_casestudy_customers as load_olist_casestudy_customers,
)
from baro.datasets.olist_casestudy import (
    load_olist_casestudy_geolocation as load_olist_casestudy_geolocation,
)
from baro.datasets.olist_casestudy import (
    load_olist_casestudy_order_items as load_olist_casestudy_order_items,
)
from baro.datasets.olist_casestudy import load_olist_casestudy_orders as load_olist_casestudy_orders
from baro.datasets.olist_casestudy import (
    load_olist_casestudy_payments as load_olist_casestudy_payments,
)
from baro.datasets.olist_casestudy import (
    load_olist_casestudy_reviews as load_olist_casestudy_reviews,
)
from baro.datasets.online_retail import ONLINE_RETAIL_SCHEMA as ONLINE_RETAIL_SCHEMA
from baro.datasets.online_retail import load_online_retail as load_online_retail
from baro.datasets.robot_runners import (
    ROBOT_RUNNERS_BEST_KNOWN_SCHEMA as ROBOT_RUNNERS_BEST_KNOWN_SCHEMA,
)
from baro.datasets.robot_runners import RobotRunnersProblem as RobotRunnersProblem
from baro.datasets.robot_runners import list_robot_runners_problems as list_robot_runners_problems
from baro.datasets.robot_runners import (
    load_robot_runners_best_known as load_robot_runners_best_known,
)
from baro.datasets.robot_runners import load_robot_runners_problem as load_robot_runners_problem
from baro.datasets.robot_runners import read_robot_runners_problem as read_robot_runners_problem
from baro.datasets.vrp import VRP_BKS_SCHEMA as VRP_BKS_SCHEMA
from baro.datasets.vrp import VRP_SETS as VRP_SETS
from baro.datasets.vrp import VrpInstance as VrpInstance
from baro.datasets.vrp import VrpSet as VrpSet
from baro.datasets.vrp import VrpSolution as VrpSolution
from baro.datasets.vrp import list_vrp_instances as list_vrp_instances
from baro.datasets.vrp import load_vrp_bks as load_vrp_bks
from baro.datasets.vrp import load_vrp_instance as load_vrp_instance
from baro.datasets.vrp import load_vrp_solution as load_vrp_solution

__all__ = [
    "INSTACART_AISLES_SCHEMA",
    "INSTACART_DEPARTMENTS_SCHEMA",
    "INSTACART_ORDERS_SCHEMA",
    "INSTACART_ORDER_PRODUCTS_SCHEMA",
    "INSTACART_PRODUCTS_SCHEMA",
    "M5_CALENDAR_SCHEMA",
    "M5_SALES_SCHEMA",
    "M5_SELL_PRICES_SCHEMA",
    "MAPF_BLOCKED_CELLS",
    "MAPF_FREE_CELLS",
    "MAPF_SCENARIO_SCHEMA",
    "OLIST_CATEGORY_TRANSLATION_SCHEMA",
    "OLIST_CUSTOMERS_SCHEMA",
    "OLIST_GEOLOCATION_SCHEMA",
    "OLIST_ORDERS_SCHEMA",
    "OLIST_ORDER_ITEMS_SCHEMA",
    "OLIST_PAYMENTS_SCHEMA",
    "OLIST_PRODUCTS_SCHEMA",
    "OLIST_REVIEWS_SCHEMA",
    "OLIST_SELLERS_SCHEMA",
    "ONLINE_RETAIL_SCHEMA",
    "ROBOT_RUNNERS_BEST_KNOWN_SCHEMA",
    "VRP_BKS_SCHEMA",
    "VRP_SETS",
    "CheckStatus",
    "DatasetCorrupt",
    "DatasetError",
    "DatasetMissing",
    "FileCheck",
    "GridMap",
    "ManifestEntry",
    "RobotRunnersProblem",
    "VrpInstance",
    "VrpSet",
    "VrpSolution",
    "add_coordinates",
    "list_mapf_maps",
    "list_mapf_scenarios",
    "list_robot_runners_problems",
    "list_vrp_instances",
    "load_instacart_aisles",
    "load_instacart_departments",
    "load_instacart_order_products_prior",
    "load_instacart_orders",
    "load_instacart_products",
    "load_m5_calendar",
    "load_m5_sales",
    "load_m5_sell_prices",
    "load_mapf_map",
    "load_mapf_scenario",
    "load_olist_casestudy_customers",
    "load_olist_casestudy_geolocation",
    "load_olist_casestudy_order_items",
    "load_olist_casestudy_orders",
    "load_olist_casestudy_payments",
    "load_olist_casestudy_reviews",
    "load_olist_category_translation",
    "load_olist_customers",
    "load_olist_geolocation",
    "load_olist_order_items",
    "load_olist_orders",
    "load_olist_products",
    "load_olist_sellers",
    "load_online_retail",
    "load_robot_runners_best_known",
    "load_robot_runners_problem",
    "load_vrp_bks",
    "load_vrp_instance",
    "load_vrp_solution",
    "one_point_per_prefix",
    "read_grid_map",
    "read_manifest",
    "read_robot_runners_problem",
    "resolve_data_dir",
    "verify",
]
