"""The shopper's Prime page: the plans in the shop's currency, join once however often the
form is resent, the membership with its next renewal and benefits used, the household,
cancel; another shopper's member is never shown or changed; Korean throughout."""

from __future__ import annotations

import re

from baro.commerce.prime import Status
from baro.platform import Platform
from tests.builders import shopper as api_shopper
from tests.channels.pages.conftest import csrf_token, post_form

PAGE = "/account/prime"


def customer_of(platform: Platform, client) -> str:
    who = platform.accounts.session(client.cookies["baro_session"])
    assert who.principal.customer_id is not None
    return who.principal.customer_id


def join_form(client, plan: str = "yearly") -> dict[str, str]:
    page = client.get(PAGE).text
    form = re.search(
        rf'name="idempotency_key" value="([^"]+)">\s*<input type="hidden" name="plan_id" '
        rf'value="{plan}">\s*<input type="hidden" name="currency" value="([A-Z]+)"',
        page,
    )
    assert form, page
    return {
        "idempotency_key": form.group(1),
        "plan_id": plan,
        "currency": form.group(2),
        "csrf_token": csrf_token(client, PAGE),
    }


def test_the_plans_show_the_shops_price_and_a_resent_join_joins_once(
    platform: Platform, shopper
) -> None:
    page = shopper.get(PAGE)
    assert page.status_code == 200
    assert "R$ 119,00" in page.text or "R$119.00" in page.text  # the shop's currency (BRL)
    assert 'data-testid="plan-price">$' not in page.text

    form = join_form(shopper)
    first = shopper.post(f"{PAGE}/join", data=form)
    again = shopper.post(f"{PAGE}/join", data=form)

    assert (first.status_code, again.status_code) == (303, 303)
    view = platform.prime.view(customer_of(platform, shopper))
    assert view is not None and view.membership.status is Status.TRIAL
    after = shopper.get(f"{PAGE}?done=joined").text
    assert 'data-status="trial"' in after and 'data-testid="benefits-used">0<' in after
    assert 'data-testid="next-renewal"' in after


def test_a_forged_plan_or_currency_is_refused_at_the_edge(platform: Platform, shopper) -> None:
    form = join_form(shopper) | {"currency": "BR\u0000"}
    answer = shopper.post(f"{PAGE}/join", data=form)
    assert answer.status_code == 422
    assert platform.prime.view(customer_of(platform, shopper)) is None


def test_share_with_a_household_member_then_cancel(platform: Platform, shopper) -> None:
    shopper.post(f"{PAGE}/join", data=join_form(shopper))
    other = api_shopper(platform, "Bia")
    email = platform.customers.get(other.customer_id).email

    added = post_form(shopper, f"{PAGE}/household", {"email": email}, page=PAGE)
    unknown = post_form(shopper, f"{PAGE}/household", {"email": "x@nowhere.example"}, page=PAGE)
    page = shopper.get(PAGE).text
    cancelled = post_form(shopper, f"{PAGE}/cancel", {}, page=PAGE)

    assert added.status_code == 303 and unknown.status_code == 422
    assert f'data-customer-id="{other.customer_id}"' in page and email in page
    assert cancelled.status_code == 303
    assert platform.customers.authenticate(other.api_key).prime_membership_id is None
    view = platform.prime.view(customer_of(platform, shopper))
    assert view is not None and view.membership.status is Status.CANCELLED


def test_another_shoppers_member_cannot_be_removed(platform: Platform, shopper) -> None:
    owner = api_shopper(platform, "Ana")
    platform.prime.join(owner.customer_id, "yearly", "USD", idempotency_key="k")
    member = api_shopper(platform, "Bia")
    platform.prime.add_to_household(
        owner.customer_id, platform.customers.get(member.customer_id).email
    )

    answer = post_form(shopper, f"{PAGE}/household/{member.customer_id}/remove", {}, page=PAGE)

    assert answer.status_code == 422
    assert platform.customers.authenticate(member.api_key).prime_membership_id is not None
    assert member.customer_id not in shopper.get(PAGE).text


def test_the_page_speaks_korean(shopper) -> None:
    page = shopper.get(PAGE, headers={"Accept-Language": "ko"}).text
    assert "Prime 가입" in page and "처음 가입하면 30일 무료입니다." in page
