"""Templates: one Jinja2 environment for every page, in the request's language.

Autoescaping is on for every template, so text from shoppers and the database can never
become markup. ``_()`` in a template translates through ``i18n``; the ``money`` and
``datetime`` filters format with Babel in the page's locale (₩1,190 — KRW has no minor
unit; R$11.90; $11.90). ``render`` adds what every page needs: the language, the CSRF
token, who is signed in, and the security headers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from babel.dates import format_date, format_datetime, format_time
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from baro import __version__
from baro.commerce.catalog import Product
from baro.core.money import Money

from . import i18n
from .security import CSRF_FIELD, csrf_token, set_anonymous_cookie

# Pages may use only what they ship: no script, style or frame from elsewhere, and no
# framing of ours by anyone (a 1-Click button inside a stranger's frame is a trap).
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages hold personal data and one-use keys
}


# Jinja marks a translation safe (its placeholders are still escaped): only ever pass
# messages written here, never text from a request or the database.
@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.translate(context["lang"], message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return i18n.translate(context["lang"], singular if count == 1 else plural)


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    return i18n.translate_in_context(context["lang"], message_context, message)


@pass_context
def money(context: Context, amount: Money) -> str:
    return amount.format(i18n.LOCALES[context["lang"]])


@pass_context
def when(context: Context, moment: datetime, style: str = "medium") -> str:
    """A time in UTC, said the locale's way, with its zone named (no guessing the
    shopper's zone: the countdown shows what matters in the browser's own)."""
    at = moment.astimezone(UTC)
    return f"{format_datetime(at, style, tzinfo=UTC, locale=i18n.LOCALES[context['lang']])} UTC"


@pass_context
def day(context: Context, moment: datetime) -> str:
    """The UTC date alone, the locale's way (Nov 28, 2026; 2026. 11. 28.)."""
    return format_date(moment.astimezone(UTC), "medium", locale=i18n.LOCALES[context["lang"]])


@pass_context
def clock(context: Context, moment: datetime) -> str:
    """The UTC time of day alone, the locale's way (8:00 AM; 오전 8:00)."""
    return format_time(
        moment.astimezone(UTC), "short", tzinfo=UTC, locale=i18n.LOCALES[context["lang"]]
    )


def same_day(start: datetime, end: datetime) -> bool:
    """Whether two moments fall on one UTC date (a window said with its date once)."""
    return start.astimezone(UTC).date() == end.astimezone(UTC).date()


def duration(left: timedelta) -> str:
    """Time left as a clock reads it: 29:58, or 1:05:09 past an hour (as baro.js counts)."""
    seconds = max(0, int(left.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


@pass_context
def title(context: Context, product: Product) -> str:
    """The product's name in the page's language, else in the other one."""
    if context["lang"] == "ko":
        return product.title_ko or product.title_en
    return product.title_en or product.title_ko


@pass_context
def category(context: Context, code: str) -> str:
    """A category code (``health_beauty``) as words, translated when the catalogue has it."""
    return i18n.translate(context["lang"], code.replace("_", " ").capitalize())


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("baro.channels.web.pages", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext
    )
    env.filters["money"] = money
    env.filters["datetime"] = when
    env.filters["title"] = title
    env.filters["duration"] = duration
    env.filters["day"] = day
    env.filters["clock"] = clock
    env.tests["same_day_as"] = same_day
    env.filters["category"] = category
    env.globals["version"] = __version__
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["csrf_field"] = CSRF_FIELD
    return env


ENVIRONMENT: Final = _environment()


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` in the request's language, with what every page needs."""
    lang = i18n.language(request)
    body = ENVIRONMENT.get_template(template).render(
        request=request,
        lang=lang,
        csrf_token=csrf_token(request),
        who=getattr(request.state, "web_session", None),
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        cancel_minutes=request.app.state.platform.settings.cancel_window_minutes,
        **context,
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS | (headers or {}))
    set_anonymous_cookie(request, response)
    return response


def gettext(request: Request, message: str) -> str:
    """``_()`` for Python code: a message in the request's language."""
    return i18n.translate(i18n.language(request), message)
