"""The HTTP API (and, later, the storefront and ops pages)."""

from baro.channels.web.app import APP_FACTORY as APP_FACTORY
from baro.channels.web.app import create_app as create_app

__all__ = ["APP_FACTORY", "create_app"]
