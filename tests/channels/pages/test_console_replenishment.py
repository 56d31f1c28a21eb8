"""The console's Replenishment section: the subscriptions due (with the last failure) and
the orders subscriptions placed; customers cannot read it."""

from __future__ import annotations

from datetime import timedelta

from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api


def test_an_operator_sees_what_is_due_and_what_a_run_placed(
    platform: Platform, clock: SimulatedClock
) -> None:
    item = add_product(platform, sku="SKU-SOAP", title="Sabonete")
    stock(platform, add_facility(platform, "FC SP", SAO_PAULO), item.id, 10)
    scarce = add_product(platform, sku="SKU-RARE", title="Raro")
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    placed = platform.replenishment.subscribe(
        ana.customer_id, item.id, quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    failing = platform.replenishment.subscribe(
        bia.customer_id, scarce.id, quantity=1, interval_days=7, idempotency_key="k"
    ).subscription
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    clock.advance(timedelta(days=7))
    report = platform.replenishment.run()
    order_id = next(o.order_id for o in report.outcomes if o.order_id)

    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/replenishment")
        korean = client.get("/ops/replenishment", headers={"Accept-Language": "ko"}).text

    assert page.status_code == 200
    assert f'data-subscription-id="{failing.id}"' in page.text
    assert f'data-subscription-id="{placed.id}"' not in page.text  # next due in a week
    assert "out_of_stock" in page.text
    assert f'data-order-id="{order_id}"' in page.text
    assert 'href="/ops/replenishment"' in page.text  # in the navigation
    assert "정기 주문" in korean


def test_a_customer_is_not_let_in(platform: Platform) -> None:
    with api(platform) as client:
        answer = client.get("/ops/replenishment", follow_redirects=False)
    assert answer.status_code in (303, 401, 403)
