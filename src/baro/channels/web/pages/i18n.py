"""Which language a page speaks, and its words in that language.

The shopper's choice (cookie ``baro_lang``, set by the switch in the header) wins; until
they choose, the browser's ``Accept-Language``; else English. Templates mark their words
with ``_()``; the Korean words are in ``messages/ko.json``, keyed by the English text, so a
missing entry shows the English rather than nothing. One English word with two meanings
("Free": no fee; units nobody has reserved) is marked ``pgettext("delivery fee", "Free")``
and keyed ``"delivery fee\u0004Free"`` (gettext's context separator), so each meaning has
its own translation.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Final

from starlette.requests import Request

LANGUAGE_COOKIE: Final = "baro_lang"
DEFAULT: Final = "en"
# The language's name in itself, for the switch.
LANGUAGES: Final = {"en": "English", "ko": "한국어"}
# The locale Babel formats money and dates in.
LOCALES: Final = {"en": "en_US", "ko": "ko_KR"}
# A year: the choice is remembered, not asked again.
REMEMBER_SECONDS: Final = 365 * 24 * 3600


@cache
def catalog(language: str) -> dict[str, str]:
    """English message → its translation (empty for English)."""
    if language == DEFAULT:
        return {}
    text = files("baro.channels.web.pages").joinpath("messages", f"{language}.json").read_text()
    messages: dict[str, str] = json.loads(text)
    return messages


def translate(language: str, message: str) -> str:
    return catalog(language).get(message, message)


CONTEXT_SEPARATOR: Final = "\x04"


def translate_in_context(language: str, context: str, message: str) -> str:
    """``message`` as meant in ``context`` (``pgettext``); the English word when untranslated."""
    return catalog(language).get(f"{context}{CONTEXT_SEPARATOR}{message}", message)


def from_accept_language(header: str) -> str | None:
    """The first language we speak, in the order of the header's q-values (``ko-KR,ko;q=0.9,
    en;q=0.8`` → ko). Malformed parts are skipped, never an error."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def language(request: Request) -> str:
    """The page's language, worked out once per request."""
    chosen: str | None = getattr(request.state, "language", None)
    if chosen is None:
        cookie = request.cookies.get(LANGUAGE_COOKIE, "")
        chosen = (
            cookie
            if cookie in LANGUAGES
            else from_accept_language(request.headers.get("accept-language", "")) or DEFAULT
        )
        request.state.language = chosen
    return chosen
