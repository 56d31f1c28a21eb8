"""The console's fulfillment section: every floor with its counts, and one floor live — the
grid drawn (pods by fill, the pods stations wait for outlined, the stations), station cards,
open waves, bad scans and the reconciliation — in a fragment htmx fetches every 2 seconds.
Operators only; an unknown floor is the console's 404 page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from baro.commerce.customers import Role
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility
from tests.channels.pages.test_console import OPERATOR, sign_in
from tests.channels.support import api
from tests.fulfillment.test_floor_layout import Floor, laid_out_floor, release


@pytest.fixture
def operator(platform: Platform) -> Iterator[TestClient]:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    with api(platform) as client:
        assert sign_in(client, **OPERATOR).status_code == 303
        yield client


def texts_of(page: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', page)


def attribute(page: str, testid: str, name: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}"[^>]*\b{name}="([^"]*)"', page)


def test_the_section_lists_each_floor_with_its_counts(
    platform: Platform, operator: TestClient
) -> None:
    floor = laid_out_floor(platform)
    release(floor, "ord-a", (floor.bottle, 2))
    add_facility(platform, "FC without a floor", SAO_PAULO)  # no bins: not a floor

    page = operator.get("/ops/fulfillment")

    assert page.status_code == 200
    assert attribute(page.text, "floor", "data-facility-id") == [floor.facility_id]
    assert f'href="/ops/fulfillment/{floor.facility_id}"' in page.text
    assert (texts_of(page.text, "floor-units"), texts_of(page.text, "floor-picking")) == (
        ["10"],
        ["1"],
    )


def test_an_operator_watches_a_floor_move(
    platform: Platform, clock: SimulatedClock, operator: TestClient
) -> None:
    floor: Floor = laid_out_floor(platform)
    first, _ = release(floor, "ord-a", (floor.bottle, 2))  # ST-A, from P1
    clock.advance(timedelta(minutes=1))
    release(floor, "ord-b", (floor.flask, 1))  # ST-B, from P0
    floor.wms.pick(first, "B-P1-1", floor.bottle.sku)
    path = f"/ops/fulfillment/{floor.facility_id}"

    page = operator.get(path)
    floor.wms.pick(first, "B-P1-1", floor.bottle.sku)  # ord-a is picked: ST-A is idle
    live = operator.get(f"{path}/live")
    korean = operator.get(path, headers={"Accept-Language": "ko"})

    assert page.status_code == 200
    assert f'hx-get="{path}/live" hx-trigger="every 2s" hx-swap="outerHTML"' in page.text
    assert attribute(page.text, "floor-pod", "data-pod") == ["P0", "P1", "P2", "P3"]
    assert attribute(page.text, "floor-pod", "data-awaited") == ["true", "true", "false", "false"]
    assert attribute(page.text, "floor-station", "data-station-id") == ["ST-A", "ST-B"]
    assert "Pod P1: 75% full, 1 units wanted" in page.text  # 5 bottles of 3,000 cm³ left
    assert texts_of(page.text, "station-current")[0] == f"Picking {first}: 1 of 2 units"
    assert texts_of(page.text, "station-next")[0].startswith(
        f"Next: 1 × {floor.bottle.id} from bin B-P1-1"
    )
    assert texts_of(page.text, "wave-units") == ["0 / 1", "1 / 2"]
    assert attribute(page.text, "reconciled", "data-reconciled") == ["true"]

    assert live.status_code == 200
    assert live.text.lstrip().startswith('<div id="floor-live"')
    assert "<html" not in live.text
    assert texts_of(live.text, "station-current")[0] == "Idle"
    assert texts_of(live.text, "wave-units") == ["0 / 1"]
    assert attribute(live.text, "floor-pod", "data-awaited") == ["true", "false", "false", "false"]
    assert texts_of(live.text, "floor-packing") == ["2"]

    assert "피킹 스테이션" in korean.text and "열린 웨이브" in korean.text


def test_a_floor_not_laid_out_says_so(platform: Platform, operator: TestClient) -> None:
    facility_id = add_facility(platform, "FC", SAO_PAULO)

    page = operator.get(f"/ops/fulfillment/{facility_id}")

    assert page.status_code == 200
    assert 'data-testid="floor-no-layout"' in page.text
    assert "No open waves" in page.text and "No bad scans." in page.text


@pytest.mark.parametrize("suffix", ["", "/live"])
def test_an_unknown_floor_is_the_console_s_404_page(operator: TestClient, suffix: str) -> None:
    found = operator.get(f"/ops/fulfillment/fac_nowhere{suffix}")
    malformed = operator.get(f"/ops/fulfillment/no%20such%20floor!{suffix}")

    for response in (found, malformed):
        assert response.status_code in (404, 422)
        assert response.headers["content-type"].startswith("text/html")
        assert 'data-testid="error-404"' in response.text
    assert found.status_code == 404


@pytest.mark.parametrize("facility", ["fac%00x", "%00", "f" * 10_000, "fac_1%27--"])
def test_a_hostile_floor_id_is_refused_as_a_page_not_a_server_error(
    operator: TestClient, facility: str
) -> None:
    for suffix in ("", "/live"):
        response = operator.get(f"/ops/fulfillment/{facility}{suffix}")
        assert response.status_code in (404, 422), response.status_code
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("suffix", ["", "/fac_1", "/fac_1/live"])
def test_a_visitor_or_a_shopper_is_sent_to_the_console_sign_in(
    platform: Platform, suffix: str
) -> None:
    platform.accounts.sign_up(name="Ana", email="ana@example.com", password="shopper pass 1")
    token = platform.accounts.sign_in(
        email="ana@example.com", password="shopper pass 1", role=Role.CUSTOMER
    )
    with api(platform) as client:
        visitor = client.get(f"/ops/fulfillment{suffix}", follow_redirects=False)
        polled = client.get(f"/ops/fulfillment{suffix}", headers={"HX-Request": "true"})
        client.cookies.set("baro_ops_session", token, path="/ops")
        shopper = client.get(f"/ops/fulfillment{suffix}", follow_redirects=False)

    for refused in (visitor, shopper):
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/ops/signin?next=/ops/fulfillment")
    assert polled.status_code == 204 and polled.headers["HX-Redirect"].startswith("/ops/signin")
