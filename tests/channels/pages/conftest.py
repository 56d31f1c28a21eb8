"""What the page tests share: the app in process with a small stocked world, a browser-like
client (it keeps cookies), and helpers that read a page's CSRF token and post its forms.
Other page tests (the console's) may append fixtures here."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from baro.channels.web import create_app
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, stock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@dataclass(frozen=True)
class Shop:
    product: str
    facility: str


@pytest.fixture
def shop(platform: Platform) -> Shop:
    item = add_product(platform, sku=new_id("SKU"), title="Garrafa térmica inox")
    facility = add_facility(platform, "FC São Paulo", SAO_PAULO)
    stock(platform, facility, item.id, 5)
    return Shop(item.id, facility)


@pytest.fixture
def browser(platform: Platform) -> Iterator[TestClient]:
    """A visitor: cookies kept, redirects not followed (tests look at each hop), a server
    error answered as the visitor would see it."""
    with TestClient(
        create_app(platform),
        client=("203.0.113.20", 50000),
        follow_redirects=False,
        raise_server_exceptions=False,
    ) as client:
        yield client


def csrf_token(client: TestClient, path: str = "/") -> str:
    """The token the forms of ``path`` carry for this visitor."""
    page = client.get(path)
    found = _TOKEN.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post_form(client: TestClient, path: str, data: dict[str, str], *, page: str = "/"):
    """Post ``data`` to ``path`` as the form on ``page`` would, token included."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def sign_up(client: TestClient, name: str = "Ana", email: str | None = None) -> str:
    email = email or f"{name.lower()}-{new_id('e')}@example.com"
    response = post_form(
        client,
        "/signup",
        {"name": name, "email": email, "password": PASSWORD, "password_again": PASSWORD},
        page="/signup",
    )
    assert response.status_code == 303, response.text
    return email


def set_defaults(client: TestClient) -> None:
    """A default address (São Paulo) and a default sandbox card, through the account page."""
    address = {"line1": "Rua Augusta 1", "place": "sao-paulo", "postcode": "01305-000"}
    assert post_form(client, "/account/addresses", address, page="/account").status_code == 303
    card = {"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
    assert post_form(client, "/account/cards", card, page="/account").status_code == 303


@pytest.fixture
def shopper(browser: TestClient) -> TestClient:
    """A signed-in shopper with a default address and card."""
    sign_up(browser)
    set_defaults(browser)
    return browser
