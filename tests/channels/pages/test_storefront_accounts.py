"""Shoppers' accounts on the pages: sign up, sign in, sign out, the session cookie, the
throttle on failed sign-ins, and the way back after signing in (never to another site)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.channels.pages.conftest import PASSWORD, csrf_token, post_form, sign_up


def test_signing_up_signs_in_with_a_cookie_scripts_cannot_read(browser) -> None:
    response = post_form(
        browser,
        "/signup",
        {
            "name": "Ana",
            "email": "ana@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "next": "/account",
        },
        page="/signup",
    )

    assert response.status_code == 303 and response.headers["location"] == "/account"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("baro_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http: a Secure cookie would never come back
    account = browser.get("/account")
    assert account.status_code == 200 and "ana@example.com" in account.text


def test_the_session_cookie_is_secure_over_https(browser) -> None:
    token = csrf_token(browser, "https://testserver/signup")
    response = browser.post(
        "https://testserver/signup",
        data={
            "csrf_token": token,
            "name": "Bia",
            "email": "bia@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )

    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


def test_signing_out_ends_the_session(browser) -> None:
    sign_up(browser)

    signed_out = post_form(browser, "/signout", {}, page="/account")
    afterwards = browser.get("/account")

    assert signed_out.status_code == 303
    assert afterwards.status_code == 303
    assert afterwards.headers["location"] == "/signin?next=/account"


def test_sign_in_with_a_wrong_password_keeps_the_email_and_says_why(browser) -> None:
    email = sign_up(browser)
    post_form(browser, "/signout", {}, page="/")

    wrong = post_form(
        browser, "/signin", {"email": email, "password": "not my password"}, page="/signin"
    )

    assert wrong.status_code == 401
    assert "The e-mail address or the password is wrong." in wrong.text
    assert f'value="{email}"' in wrong.text
    assert "not my password" not in wrong.text


def test_sign_in_goes_back_where_the_shopper_was_going(browser) -> None:
    email = sign_up(browser)
    post_form(browser, "/signout", {}, page="/")

    response = post_form(
        browser, "/signin", {"email": email, "password": PASSWORD, "next": "/orders"}, page="/"
    )

    assert response.status_code == 303 and response.headers["location"] == "/orders"
    assert browser.get("/orders").status_code == 200


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_sends_anyone_to_another_site(browser, elsewhere: str) -> None:
    email = sign_up(browser)
    post_form(browser, "/signout", {}, page="/")

    response = post_form(
        browser, "/signin", {"email": email, "password": PASSWORD, "next": elsewhere}, page="/"
    )

    assert response.status_code == 303 and response.headers["location"] == "/"


def test_an_expired_session_sends_to_sign_in_and_back(browser, clock) -> None:
    sign_up(browser)
    assert browser.get("/orders").status_code == 200

    clock.advance(timedelta(days=15))
    response = browser.get("/orders?before=ord_1")

    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/orders%3Fbefore%3Dord_1"


def test_failed_sign_ins_past_the_limit_are_refused_even_with_the_right_password(
    browser,
) -> None:
    email = sign_up(browser)
    post_form(browser, "/signout", {}, page="/")
    token = csrf_token(browser, "/signin")

    failures = [
        browser.post("/signin", data={"csrf_token": token, "email": email, "password": "wrong"})
        for _ in range(6)
    ]
    right = browser.post(
        "/signin", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )

    assert [r.status_code for r in failures] == [401] * 5 + [429]
    assert right.status_code == 429
    assert "Too many attempts" in right.text and "wait 5 minutes" in right.text
    assert "baro_session" not in right.headers.get("set-cookie", "")


def test_the_throttle_counts_one_account_apart_from_another(browser) -> None:
    first = sign_up(browser, "Ana")
    post_form(browser, "/signout", {}, page="/")
    second = sign_up(browser, "Bia")
    post_form(browser, "/signout", {}, page="/")
    token = csrf_token(browser, "/signin")
    for _ in range(6):
        browser.post("/signin", data={"csrf_token": token, "email": first, "password": "x"})

    other = browser.post(
        "/signin", data={"csrf_token": token, "email": second, "password": PASSWORD}
    )

    assert other.status_code == 303


def test_sign_up_re_renders_with_each_message_beside_its_field(browser) -> None:
    response = post_form(
        browser,
        "/signup",
        {"name": "Ana", "email": "ana@example.com", "password": "short", "password_again": "short"},
        page="/signup",
    )

    assert response.status_code == 422
    assert 'data-testid="error-password">a password needs at least 10 characters<' in (
        response.text
    )
    assert 'value="Ana"' in response.text and 'value="ana@example.com"' in response.text
    assert 'value="short"' not in response.text  # passwords are never sent back


def test_a_taken_email_is_said_beside_the_email(browser) -> None:
    email = sign_up(browser)
    post_form(browser, "/signout", {}, page="/")

    again = post_form(
        browser,
        "/signup",
        {"name": "Ana", "email": email, "password": PASSWORD, "password_again": PASSWORD},
        page="/signup",
    )

    assert again.status_code == 422
    assert (
        'data-testid="error-email">An account with this e-mail address already exists.<'
        in again.text
    )


def test_a_new_api_key_is_shown_in_the_notice_that_says_it_was_created(shopper) -> None:
    """At the top of the page, not at the foot of a long one below the notice."""
    created = post_form(shopper, "/account/api-keys", {"label": "my script"}, page="/account")

    page = created.text
    notice = page.split('data-testid="notice">')[1].split("</div>")[0]
    assert "API key created." in notice and 'data-testid="new-api-key">bk_' in notice
    assert page.count('data-testid="new-api-key"') == 1
    assert page.index('data-testid="new-api-key"') < page.index('id="addresses"')
