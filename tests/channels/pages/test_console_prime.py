"""The console's Prime section: failed payments, renewals due this week and members;
customers cannot read it."""

from __future__ import annotations

from datetime import timedelta

from baro.commerce.payments import DECLINES
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import shopper
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api


def test_an_operator_sees_members_renewals_due_and_failed_payments(
    platform: Platform, clock: SimulatedClock
) -> None:
    ana, bia, cai = shopper(platform, "Ana"), shopper(platform, "Bia"), shopper(platform, "Cai")
    platform.prime.join(ana.customer_id, "yearly", "USD", idempotency_key="k")
    platform.prime.join(bia.customer_id, "monthly", "KRW", idempotency_key="k")
    platform.customers.add_payment_method(
        bia.customer_id, gateway_token=DECLINES, brand="visa", last4="0002"
    )
    clock.advance(timedelta(days=26))
    platform.prime.join(cai.customer_id, "yearly", "USD", idempotency_key="k")
    clock.advance(timedelta(days=4))
    platform.prime.renew()  # Ana renews, Bia's card is declined
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    ids = {p.customer_id: p for p in platform.prime.members()}

    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/prime").text
        korean = client.get("/ops/prime", headers={"Accept-Language": "ko"}).text

    failed = page.split('data-testid="prime-failed"')[1].split("</table>")[0]
    due = page.split('data-testid="prime-due"')[1].split("</table>")[0]
    members = page.split('data-testid="prime-members"')[1].split("</table>")[0]
    assert ids[bia.customer_id].id in failed and ids[ana.customer_id].id not in failed
    assert ids[bia.customer_id].id in due  # its retry, tomorrow
    assert ids[ana.customer_id].id not in due and ids[cai.customer_id].id not in due
    assert all(ids[c.customer_id].id in members for c in (ana, bia, cai))
    assert 'href="/ops/prime"' in page
    assert "결제 실패" in korean


def test_a_customer_is_not_let_in(platform: Platform) -> None:
    with api(platform) as client:
        answer = client.get("/ops/prime", follow_redirects=False)
    assert answer.status_code in (303, 401, 403)
