"""The console's access lines and latency series name its routes by their full template:
/ops/orders/{order_id}, not the storefront's /orders/{order_id}, and /ops not "unmatched"."""

from __future__ import annotations

import logging

import pytest

from baro.channels.web.observability import UNMATCHED
from tests.channels.pages.test_console import client, operator  # noqa: F401 (fixtures)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/ops", "/ops"),
        ("/ops/orders", "/ops/orders"),
        ("/ops/orders/ord_nothing", "/ops/orders/{order_id}"),
        ("/ops/inventory", "/ops/inventory"),
        ("/orders/ord_nothing", "/orders/{order_id}"),
        ("/ops/no-such-page", UNMATCHED),
    ],
)
def test_a_console_route_is_logged_by_its_full_template(
    operator,  # noqa: F811
    caplog,
    path: str,
    template: str,
) -> None:
    caplog.set_level(logging.INFO, logger="baro.access")

    operator.get(path, follow_redirects=False)

    (line,) = [record for record in caplog.records if record.name == "baro.access"]
    assert line.route == template and "ord_nothing" not in line.getMessage()
