"""The console's Anticipation section and the operators' transfer routes: the latest plans
with why they move what they move and the local fill they expect, the transfers in transit
and landed; units on their way show on the inventory map's table; customers get 403."""

from __future__ import annotations

import re
from datetime import timedelta

from baro.core.clock import SimulatedClock
from baro.jobs import Jobs
from baro.network import Move, PlanSummary
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, shopper, stock
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api, assert_problem, bearer
from tests.conftest import START


def cells(page: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}">([^<]*)<', page)


def sent_to_rio(platform: Platform) -> tuple[str, str]:
    """A plan that sends 6 units from São Paulo to Rio, landing in 8 hours; (sp, rio)."""
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    item = add_product(platform).id
    stock(platform, sp, item, 10)
    summary = PlanSummary(
        "Optimal",
        ("1 lane(s) take longer than the 20.0 h left",),
        expected_demand=12.0,
        expected_fill_before=0.25,
        expected_fill_after=0.75,
    )
    moves = [Move(item, sp, rio, 6, START + timedelta(hours=8))]
    platform.network.dispatch(moves, summary, idempotency_key="plan-1")
    return sp, rio


def test_an_operator_follows_plans_and_transfers(platform: Platform, clock: SimulatedClock) -> None:
    sp, rio = sent_to_rio(platform)
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)

    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/anticipation").text
        inventory = client.get("/ops/inventory").text
        clock.advance(timedelta(hours=8))
        Jobs(platform).tick()
        after = client.get("/ops/anticipation").text
        korean = client.get("/ops/anticipation", headers={"Accept-Language": "ko"}).text

    assert cells(page, "plan-units") == ["6"]
    assert (cells(page, "plan-fill-before"), cells(page, "plan-fill-after")) == (["25%"], ["75%"])
    assert cells(page, "plan-notes") == ["1 lane(s) take longer than the 20.0 h left"]
    assert cells(page, "transfer-state") == ["In transit"]
    assert "FC SP" in page and "FC Rio" in page
    on_the_way = dict(
        zip(
            re.findall(r'data-testid="facility-row" data-facility-id="([^"]+)"', inventory),
            cells(inventory, "facility-incoming"),
            strict=True,
        )
    )
    assert on_the_way == {sp: "0", rio: "6"}
    assert cells(after, "transfer-state") == ["Arrived"]
    assert "선제 배치" in korean and "도착함" in korean


def test_the_page_says_when_there_is_nothing_yet(platform: Platform) -> None:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/anticipation").text
    assert "No plans yet." in page and "No transfers yet." in page


def test_operators_read_plans_and_transfers_and_call_one_back(platform: Platform) -> None:
    sp, rio = sent_to_rio(platform)
    admin = bearer(platform.customers.issue_admin_key())
    customer = bearer(shopper(platform).api_key)

    with api(platform) as client:
        plans = client.get("/v1/admin/transfer-plans", headers=admin).json()
        (sent,) = client.get("/v1/admin/transfers", headers=admin).json()
        called_back = client.post(f"/v1/admin/transfers/{sent['id']}/cancel", headers=admin)
        again = client.post(f"/v1/admin/transfers/{sent['id']}/cancel", headers=admin)
        unknown = client.post("/v1/admin/transfers/trf_none/cancel", headers=admin)
        refused = client.get("/v1/admin/transfers", headers=customer)

    assert [(p["units"], p["expected_fill_after"]) for p in plans] == [(6, 0.75)]
    assert (sent["from_facility"], sent["to_facility"], sent["status"]) == (sp, rio, "in_transit")
    assert called_back.status_code == 200 and called_back.json()["status"] == "cancelled"
    assert_problem(again, 409, "transfer_not_in_transit")
    assert_problem(unknown, 404, "transfer_not_found")
    assert_problem(refused, 403, "forbidden")
