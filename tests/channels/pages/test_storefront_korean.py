"""Every word the storefront shows has its Korean: its templates, the error pages, the
messages its routes put beside fields, and the home rows' titles."""

from __future__ import annotations

import re
from importlib.resources import files

from baro.channels.web.pages import i18n
from baro.channels.web.pages.forms import FRIENDLY
from baro.channels.web.pages.home_rows import BestSellersRow, NewArrivalsRow
from baro.channels.web.pages.storefront import devices, prime
from baro.channels.web.pages.storefront.account import NOTICES
from baro.recommendations import REASONS, TITLES

MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# pgettext("delivery fee", "Free"): keyed "delivery fee\x04Free" in the catalogue.
IN_CONTEXT = re.compile(r'pgettext\(\s*"([^"]*)",\s*"([^"]*)"')
# A sentence handed to FormState.fail or whole_number: capitalised, ending in a full stop.
SENTENCE = re.compile(r'(?<!")"([A-Z][^"{}\n]*\.)"(?!")')
PAGES = files("baro.channels.web.pages")


def template_messages() -> set[str]:
    templates = PAGES.joinpath("templates")
    paths = [templates.joinpath("base.html"), templates.joinpath("macros.html")]
    paths += list(templates.joinpath("storefront").iterdir())
    paths += list(templates.joinpath("errors").iterdir())
    texts = [path.read_text() for path in paths]
    return {a or b for text in texts for a, b in MESSAGE.findall(text)} | {
        f"{context}\x04{message}" for text in texts for context, message in IN_CONTEXT.findall(text)
    }


def route_messages() -> set[str]:
    routes = PAGES.joinpath("storefront")
    return {
        found
        for module in routes.iterdir()
        if module.name.endswith(".py")
        for found in SENTENCE.findall(module.read_text())
    }


def test_the_sources_are_read_for_their_words() -> None:
    """Guards the test below: an extraction that finds nothing would pass it vacuously."""
    assert {
        "Buy now with 1-Click",
        "Sign in",
        "We could not find that page",
        "delivery fee\x04Free",
    } <= template_messages()
    assert {"Choose your city.", "The two passwords are not the same."} <= route_messages()


def test_every_storefront_word_has_its_korean() -> None:
    words = (
        template_messages()
        | route_messages()
        | set(FRIENDLY.values())
        | set(NOTICES.values())
        | set(devices.NOTICES.values())
        | set(prime.NOTICES.values())
        | set(prime.STATUSES.values())
        | set(prime.PERIODS.values())
        | set(TITLES.values())
        | set(REASONS.values())
        | {BestSellersRow.title, NewArrivalsRow.title}
    )

    missing = sorted(word for word in words if word not in i18n.catalog("ko"))

    assert missing == []


def test_free_delivery_and_free_units_are_different_words_in_korean() -> None:
    """The fee "Free" is 무료; the unreserved units "Free" are 가용 (the console's)."""
    assert i18n.translate_in_context("ko", "delivery fee", "Free") == "무료"
    assert i18n.translate_in_context("ko", "units", "Free") == "가용"
    assert i18n.translate_in_context("en", "delivery fee", "Free") == "Free"
