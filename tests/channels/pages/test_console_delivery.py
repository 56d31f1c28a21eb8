"""The console's delivery page: drone bases with their weather and free drones, the latest
sorties with their state, locker banks with their compartments held, waiting and overdue —
what the platform's ticks (baro.jobs) did, as an operator sees it."""

from __future__ import annotations

import re
from datetime import timedelta

from baro.core.clock import SimulatedClock
from baro.delivery.drones import Weather
from baro.jobs import Jobs
from baro.platform import Platform
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api
from tests.test_jobs import drone_world, locker_order_left_uncollected


def cells(page: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}">(?:<strong>)?([^<]*)<', page)


def test_an_operator_watches_drones_and_lockers(platform: Platform, clock: SimulatedClock) -> None:
    item, base, buyer = drone_world(platform)
    order = platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    ).order
    Jobs(platform).tick()
    locker_order_left_uncollected(platform, clock)  # the clock is now 3 days on
    platform.drones.set_weather(base, Weather(wind_ms=20))
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)

    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/delivery")
        Jobs(platform).tick()  # flies the sortie out, sends the parcel back
        after = client.get("/ops/delivery")
        korean = client.get("/ops/delivery", headers={"Accept-Language": "ko"})

    assert page.status_code == 200
    assert cells(page.text, "base-flying") == ["Grounded"]
    assert cells(page.text, "base-free") == ["1"]
    assert f'data-order-id="{order.id}"' in page.text
    assert cells(page.text, "sortie-state") == ["Assigned"]  # until a tick sees its time
    assert cells(after.text, "sortie-state") == ["Back at the base"]  # 3 days later
    assert (cells(page.text, "locker-waiting"), cells(page.text, "locker-overdue")) == (
        ["1"],
        ["1"],
    )
    assert (cells(after.text, "locker-held"), cells(after.text, "locker-overdue")) == (["0"], ["0"])
    assert "운항 중지" in korean.text and "무인 보관함" in korean.text


def test_the_page_says_when_there_is_nothing_yet(platform: Platform) -> None:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/delivery").text
    for empty in ("No drone bases yet.", "No sorties yet.", "No locker banks yet."):
        assert empty in page


def test_a_sortie_in_the_air_reads_so(platform: Platform, clock: SimulatedClock) -> None:
    item, _base, buyer = drone_world(platform)
    platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="k1", delivery_option="drone"
    )
    jobs = Jobs(platform)
    jobs.tick()
    clock.advance(timedelta(minutes=16))  # took off at 09:15, lands at 09:17
    jobs.tick()
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        page = client.get("/ops/delivery").text
    assert cells(page, "sortie-state") == ["In the air"]
