"""The operations console at /ops, in process: its own sign-in, the operator check on every
section, the live feed, orders with filters and history, customers masked, receiving stock,
and CSRF on every form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from starlette.testclient import TestClient

from baro.channels.web.pages.console import SECTIONS
from baro.commerce.customers import Role
from baro.commerce.orders import OrderBook, OrderStatus
from baro.core.clock import SimulatedClock
from baro.network import stock_level
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.channels.support import api
from tests.conftest import START

OPERATOR = {"email": "ops@baro.example", "password": "correct horse battery"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "every console page with a form carries a CSRF token"
    return found.group(1)


def field_value(page: httpx.Response, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text)
    assert found, f"no field {name!r} on the page"
    return found.group(1)


def field_error(page: httpx.Response, name: str) -> str:
    found = re.search(rf'data-testid="error-{name}">([^<]*)<', page.text)
    assert found, f"no error slot for {name!r}"
    return found.group(1)


def sign_in(
    client: TestClient, email: str, password: str, next_page: str = "/ops"
) -> httpx.Response:
    page = client.get(f"/ops/signin?next={next_page}")
    return client.post(
        "/ops/signin",
        data={"email": email, "password": password, "next": next_page, "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with api(platform) as test_client:
        yield test_client


@pytest.fixture
def operator(platform: Platform, client: TestClient) -> TestClient:
    """``client``, signed in to the console as an operator."""
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    assert sign_in(client, **OPERATOR).status_code == 303
    return client


@pytest.fixture
def facility(platform: Platform) -> str:
    return add_facility(platform, "FC São Paulo", SAO_PAULO)


def newest_seq(feed: httpx.Response) -> int:
    found = re.search(r'data-newest="(\d+)"', feed.text)
    assert found, "the feed carries the newest seq it shows"
    return int(found.group(1))


def place(platform: Platform, buyer: Shopper, product_id: str, key: str) -> str:
    return platform.orders.place_one_click(
        buyer.principal, product_id, 1, idempotency_key=key
    ).order.id


# Sign-in and who may enter -----------------------------------------------------------------


def test_an_operator_signs_in_and_comes_back_to_the_page_asked_for(
    platform: Platform, client: TestClient
) -> None:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)

    asked = client.get("/ops/customers", follow_redirects=False)
    signed_in = sign_in(client, **OPERATOR, next_page="/ops/customers")

    assert asked.status_code == 303
    assert asked.headers["location"] == "/ops/signin?next=/ops/customers"
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/ops/customers"
    cookie = signed_in.headers["set-cookie"]
    assert "baro_ops_session=" in cookie and "HttpOnly" in cookie and "Path=/ops" in cookie
    page = client.get("/ops/customers")
    assert page.status_code == 200 and 'data-testid="customers-table"' in page.text


def test_a_wrong_password_re_renders_the_form_with_the_email_kept(
    platform: Platform, client: TestClient
) -> None:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)

    refused = sign_in(client, OPERATOR["email"], "wrong password")

    assert refused.status_code == 401
    assert 'data-testid="form-error"' in refused.text
    assert field_value(refused, "email") == OPERATOR["email"]
    assert client.get("/ops", follow_redirects=False).status_code == 303


def test_an_empty_field_gets_its_message_next_to_it(client: TestClient) -> None:
    refused = sign_in(client, "ops@baro.example", "")

    assert refused.status_code == 422
    assert field_error(refused, "password") != ""
    assert field_error(refused, "email") == ""


def test_a_shopper_cannot_enter_the_console(platform: Platform, client: TestClient) -> None:
    """A shopper's password does not open the console, and a shopper's session token,
    even carried in the console's cookie, is sent to the console's sign-in."""
    platform.accounts.sign_up(name="Ana Souza", email="ana@example.com", password="shopper pass 1")

    refused = sign_in(client, "ana@example.com", "shopper pass 1")
    token = platform.accounts.sign_in(
        email="ana@example.com", password="shopper pass 1", role=Role.CUSTOMER
    )
    client.cookies.set("baro_session", token, path="/")
    client.cookies.set("baro_ops_session", token, path="/ops")
    with_shopper_token = client.get("/ops/orders", follow_redirects=False)

    assert refused.status_code == 401
    assert with_shopper_token.status_code == 303
    assert with_shopper_token.headers["location"].startswith("/ops/signin")


def test_sign_in_failures_past_the_limit_refuse_even_the_right_password(
    platform: Platform, client: TestClient
) -> None:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)
    failures = [sign_in(client, OPERATOR["email"], f"guess {n}").status_code for n in range(6)]

    right = sign_in(client, **OPERATOR)

    assert failures[:5] == [401] * 5 and failures[5] == 429
    assert right.status_code == 429 and 'data-testid="form-error"' in right.text
    assert "baro_ops_session" not in right.headers.get("set-cookie", "")


def test_an_expired_session_is_sent_to_sign_in_and_back(
    operator: TestClient, clock: SimulatedClock
) -> None:
    clock.advance(timedelta(days=15))

    response = operator.get("/ops/orders?status=paid", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/ops/signin?next=/ops/orders%3Fstatus%3Dpaid"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.title)
def test_every_section_sends_a_visitor_without_a_session_to_sign_in(
    client: TestClient, section: object
) -> None:
    response = client.get(section.href, follow_redirects=False)  # type: ignore[attr-defined]

    assert response.status_code == 303
    assert response.headers["location"].startswith("/ops/signin?next=")


def test_the_navigation_lists_every_section_in_order(operator: TestClient) -> None:
    page = operator.get("/ops")

    links = re.findall(r'<a href="([^"]+)" data-testid="nav-section"', page.text)
    assert links == [
        "/ops",
        "/ops/orders",
        "/ops/inventory",
        "/ops/fulfillment",
        "/ops/delivery",
        "/ops/anticipation",
        "/ops/devices",
        "/ops/replenishment",
        "/ops/customers",
        "/ops/prime",
        "/ops/home-pages",
    ]


def test_signing_out_ends_the_session(operator: TestClient) -> None:
    page = operator.get("/ops")

    out = operator.post("/ops/signout", data={"csrf_token": csrf_of(page)}, follow_redirects=False)

    assert out.status_code == 303 and out.headers["location"] == "/ops/signin"
    assert operator.get("/ops", follow_redirects=False).status_code == 303


# The live feed -------------------------------------------------------------------------


def test_the_feed_shows_a_newly_placed_order_on_the_next_poll(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 5)
    buyer = shopper(platform)
    first = place(platform, buyer, item.id, "k1")
    page = operator.get("/ops")
    newest = newest_seq(page)

    quiet = operator.get(f"/ops/feed/rows?after={newest}")
    second = place(platform, buyer, item.id, "k2")
    news = operator.get(f"/ops/feed/rows?after={newest}")

    assert first in page.text and second not in page.text
    assert quiet.status_code == 204
    assert news.status_code == 200
    fresh = re.findall(r'data-order-id="([^"]+)"[^>]*class="fresh"', news.text)
    assert set(fresh) == {second}
    assert first in news.text  # the older rows stay, not marked fresh
    polled_up_to = newest_seq(news)
    assert polled_up_to > newest
    assert f'hx-get="/ops/feed/rows?after={polled_up_to}"' in news.text


def test_a_poll_after_the_session_ended_asks_htmx_to_go_to_sign_in(client: TestClient) -> None:
    response = client.get("/ops/feed/rows?after=0", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/ops/signin")


# Orders --------------------------------------------------------------------------------


@pytest.fixture
def three_orders(
    platform: Platform, clock: SimulatedClock, facility: str
) -> tuple[Shopper, Shopper, list[str]]:
    """Ana orders on day 1 and day 2 (the second cancelled and refunded), Bia on day 3."""
    item = add_product(platform)
    stock(platform, facility, item.id, 10)
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    ids = [place(platform, ana, item.id, "a1")]
    clock.advance(timedelta(days=1))
    ids.append(place(platform, ana, item.id, "a2"))
    platform.orders.cancel(ana.principal, ids[-1])
    clock.advance(timedelta(days=1))
    ids.append(place(platform, bia, item.id, "b1"))
    return ana, bia, ids


def listed(page: httpx.Response) -> list[str]:
    return re.findall(r'data-testid="order-row" data-order-id="([^"]+)"', page.text)


def test_orders_filter_by_status_customer_and_days(
    operator: TestClient, three_orders: tuple[Shopper, Shopper, list[str]]
) -> None:
    ana, _, (first, second, third) = three_orders
    day_two = (START + timedelta(days=1)).date().isoformat()

    everything = operator.get("/ops/orders")
    refunded = operator.get("/ops/orders?status=refunded")
    anas = operator.get(f"/ops/orders?customer={ana.customer_id}")
    on_day_two = operator.get(f"/ops/orders?from={day_two}&to={day_two}")
    from_day_two = operator.get(f"/ops/orders?from={day_two}")

    assert listed(everything) == [third, second, first]
    assert listed(refunded) == [second]
    assert listed(anas) == [second, first]
    assert listed(on_day_two) == [second]
    assert listed(from_day_two) == [third, second]


def test_a_bad_filter_gets_its_message_next_to_the_field_and_keeps_the_input(
    operator: TestClient, three_orders: tuple[Shopper, Shopper, list[str]]
) -> None:
    page = operator.get("/ops/orders?from=2026-11-27&to=2026-11-25&status=mislaid")

    assert page.status_code == 422
    assert field_error(page, "to") != "" and field_error(page, "status") != ""
    assert field_error(page, "from") == ""
    assert field_value(page, "to") == "2026-11-25"
    assert len(listed(page)) == 3  # a field in error filters nothing


def test_orders_page_on_when_there_are_more(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 30)
    buyer = shopper(platform)
    ids = [place(platform, buyer, item.id, f"k{n}") for n in range(26)]

    first = operator.get("/ops/orders?status=allocated")
    older = re.search(r'href="([^"]+)" rel="next"', first.text).group(1)  # type: ignore[union-attr]
    second = operator.get(older.replace("&amp;", "&"))

    assert len(listed(first)) == 25 and "status=allocated" in older
    assert listed(first) + listed(second) == sorted(ids, reverse=True)
    assert 'rel="next"' not in second.text


def test_an_orders_page_shows_its_event_history_from_the_outbox(
    operator: TestClient, three_orders: tuple[Shopper, Shopper, list[str]]
) -> None:
    _, _, (_, cancelled, _) = three_orders

    page = operator.get(f"/ops/orders/{cancelled}")

    assert page.status_code == 200
    history = re.findall(r'data-testid="history-row" data-event-type="([^"]+)"', page.text)
    assert history == [
        "order.placed",
        "order.paid",
        "order.allocated",
        "order.cancelled",
        "order.refunded",
    ]


def test_an_operator_moves_an_order_along_its_fulfilment_steps(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 5)
    order_id = place(platform, shopper(platform), item.id, "k1")
    page = operator.get(f"/ops/orders/{order_id}")
    form = {"csrf_token": csrf_of(page), "to": field_value(page, "to")}

    moved = operator.post(f"/ops/orders/{order_id}/advance", data=form, follow_redirects=False)
    stale = operator.post(f"/ops/orders/{order_id}/advance", data=form)
    unknown_step = operator.post(f"/ops/orders/{order_id}/advance", data={**form, "to": "refunded"})
    without_token = operator.post(f"/ops/orders/{order_id}/advance", data={"to": "packed"})

    assert form["to"] == "picking"
    assert moved.status_code == 303 and moved.headers["location"] == f"/ops/orders/{order_id}"
    assert stale.status_code == 409 and 'data-testid="form-error"' in stale.text
    assert field_value(stale, "to") == "packed"  # the page offers the step after
    assert unknown_step.status_code == 422
    assert without_token.status_code == 403
    assert OrderBook(platform.db).get(order_id).status is OrderStatus.PICKING


def test_an_unknown_order_is_a_styled_404(operator: TestClient) -> None:
    page = operator.get("/ops/orders/ord_nobody")

    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


# Customers -----------------------------------------------------------------------------


def test_customers_are_listed_with_personal_data_masked(
    platform: Platform, operator: TestClient
) -> None:
    ana = shopper(platform, "Ana Souza")
    email = platform.customers.get(ana.customer_id).email

    page = operator.get("/ops/customers")

    assert page.status_code == 200
    assert f'data-customer-id="{ana.customer_id}"' in page.text
    assert email not in page.text and email.split("@")[0] not in page.text
    assert re.search(r'data-testid="customer-email">a\*\*\*@example.com<', page.text)
    assert "São Paulo" in page.text and "4242" in page.text
    assert "Rua 1" not in page.text and "01001" not in page.text and "Souza" not in page.text


# Receiving stock -------------------------------------------------------------------------


def test_receiving_stock_counts_a_resubmitted_form_once(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 5)
    page = operator.get(f"/ops/inventory?facility={facility}")
    form = {
        "csrf_token": csrf_of(page),
        "key": field_value(page, "key"),
        "facility": facility,
        "product": item.id,
        "quantity": "12",
    }

    first = operator.post("/ops/inventory/receive", data=form, follow_redirects=False)
    again = operator.post("/ops/inventory/receive", data=form, follow_redirects=False)
    shown = operator.get(first.headers["location"])

    assert first.status_code == again.status_code == 303
    with platform.db.read() as session:
        assert stock_level(session, facility, item.id).on_hand == 17
    assert 'data-testid="received"' in shown.text
    assert re.search(r'data-testid="stock-on-hand">17<', shown.text)


@pytest.mark.parametrize("quantity", ["0", "-3", "twelve", "", "1000001"])
def test_a_bad_quantity_re_renders_with_the_message_next_to_the_field(
    platform: Platform, operator: TestClient, facility: str, quantity: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 5)
    page = operator.get(f"/ops/inventory?facility={facility}")

    refused = operator.post(
        "/ops/inventory/receive",
        data={
            "csrf_token": csrf_of(page),
            "key": field_value(page, "key"),
            "facility": facility,
            "product": item.id,
            "quantity": quantity,
        },
    )

    assert refused.status_code == 422
    assert "1,000,000" in field_error(refused, "quantity")
    assert field_error(refused, "product") == ""
    assert field_value(refused, "product") == item.id
    with platform.db.read() as session:
        assert stock_level(session, facility, item.id).on_hand == 5


def test_an_unknown_product_gets_its_message_next_to_the_product_field(
    operator: TestClient, facility: str
) -> None:
    page = operator.get(f"/ops/inventory?facility={facility}")

    refused = operator.post(
        "/ops/inventory/receive",
        data={
            "csrf_token": csrf_of(page),
            "key": field_value(page, "key"),
            "facility": facility,
            "product": "prd_nothing",
            "quantity": "4",
        },
    )

    assert refused.status_code == 422
    assert field_error(refused, "product") != ""
    assert field_value(refused, "quantity") == "4"


def test_the_inventory_map_draws_each_facility(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    page = operator.get("/ops/inventory")

    assert page.status_code == 200
    assert f'data-testid="map-facility" data-facility-id="{facility}"' in page.text
    assert "<svg" in page.text and "http" not in page.text.split("<svg", 1)[1].split("</svg>")[0]


def test_an_unknown_facility_is_a_404(operator: TestClient, facility: str) -> None:
    assert operator.get("/ops/inventory?facility=fac_nowhere").status_code == 404


# CSRF ----------------------------------------------------------------------------------


def test_a_form_posted_without_its_csrf_token_is_refused(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 5)
    page = operator.get(f"/ops/inventory?facility={facility}")
    form = {"key": field_value(page, "key"), "facility": facility, "product": item.id}

    missing = operator.post("/ops/inventory/receive", data={**form, "quantity": "3"})
    forged = operator.post(
        "/ops/inventory/receive", data={**form, "quantity": "3", "csrf_token": "0" * 64}
    )

    assert missing.status_code == forged.status_code == 403
    with platform.db.read() as session:
        assert stock_level(session, facility, item.id).on_hand == 5


def test_the_sign_in_form_needs_its_csrf_token_too(platform: Platform, client: TestClient) -> None:
    platform.accounts.add_operator(name="Olga Ops", **OPERATOR)

    response = client.post("/ops/signin", data=OPERATOR, follow_redirects=False)

    assert response.status_code == 403
    assert "baro_ops_session" not in response.headers.get("set-cookie", "")


# Korean ---------------------------------------------------------------------------------


def test_the_console_speaks_korean_when_the_browser_asks_for_it(
    platform: Platform, operator: TestClient, facility: str
) -> None:
    item = add_product(platform)
    stock(platform, facility, item.id, 5)
    korean = {"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}
    page = operator.get(f"/ops/inventory?facility={facility}", headers=korean)

    refused = operator.post(
        "/ops/inventory/receive",
        headers=korean,
        data={
            "csrf_token": csrf_of(page),
            "key": field_value(page, "key"),
            "facility": facility,
            "product": item.id,
            "quantity": "0",
        },
    )

    assert '<html lang="ko">' in page.text
    assert "실시간 피드" in page.text and "거점별 재고" in page.text
    assert field_error(refused, "quantity") == "1부터 1,000,000 사이의 정수 수량을 입력하세요."
