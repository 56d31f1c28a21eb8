"""The HTTP API (and, later, the storefront and ops pages)."""

from baro.channels.web.app import APP_FACTORY as APP_FACTORY
from baro.channels.web.app import create_app as create_app
from baro.channels.web.workers import ServerOptions as ServerOptions
from baro.channels.web.workers import WorkersCannotStart as WorkersCannotStart
from baro.channels.web.workers import serve as serve

__all__ = ["APP_FACTORY", "ServerOptions", "WorkersCannotStart", "create_app", "serve"]
