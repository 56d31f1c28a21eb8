"""Who is signed in, and proof that a form was posted from our own page.

Sessions: the token from ``Accounts.sign_in`` lives in an HttpOnly, SameSite=Lax cookie,
Secure when the request came over https (behind a trusted proxy, as it says). Shoppers and
operators have a cookie each (``baro_session``, ``baro_ops_session`` scoped to /ops), so
one browser can hold both and neither page set mistakes one for the other.

CSRF: every POST carries ``csrf_token`` (a hidden field, or the ``X-CSRF-Token`` header
htmx sends) equal to HMAC(instance secret, the session token, or before sign-in a random
``baro_anon`` cookie). A page elsewhere can neither read our cookies nor compute the HMAC,
so it cannot forge a valid post; binding to the session means a token taken from one
visitor is worthless for another. ``csrf_protect`` is a router dependency: every POST of
the storefront and the console is checked, none can forget it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from limits import RateLimitItemPerMinute
from limits.storage import Storage
from starlette.responses import Response

from baro.commerce.customers import NotAuthenticated, WebSession

from ..ratelimit import FailedAttempts, TooManyAttempts

ANON_COOKIE: Final = "baro_anon"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class SessionCookie:
    name: str
    path: str
    sign_in: str  # where someone without a session is sent


SHOPPER: Final = SessionCookie("baro_session", "/", "/signin")
OPERATOR: Final = SessionCookie("baro_ops_session", "/ops", "/ops/signin")


def cookie_for(request: Request) -> SessionCookie:
    """The session a path belongs to: the console's under /ops, the shop's elsewhere."""
    path = request.url.path
    return OPERATOR if path == "/ops" or path.startswith("/ops/") else SHOPPER


class CsrfRejected(Exception):
    """A POST without a valid token: answered with the 403 page."""


class SignInRequired(Exception):
    """No live session: answered with a redirect to ``to`` (the sign-in page, and back)."""

    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this site, else ``default``: a ``next=`` must never
    send anyone to another host (``//evil``, ``/\\evil``, ``https://evil``)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return default
    return value


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(
    response: Response, request: Request, token: str, expires_at: datetime, cookie: SessionCookie
) -> None:
    response.set_cookie(
        cookie.name,
        token,
        expires=expires_at,
        path=cookie.path,
        secure=secure(request),
        httponly=True,
        samesite="lax",
    )


def end_session(response: Response, request: Request, cookie: SessionCookie) -> None:
    response.delete_cookie(
        cookie.name, path=cookie.path, secure=secure(request), httponly=True, samesite="lax"
    )


# Sessions --------------------------------------------------------------------------------


def web_session(request: Request) -> WebSession | None:
    """The live session of this request's path (shop or console), looked up once; None
    when there is no cookie or it expired or was signed out. Queries the database: call it
    from sync code (a route or a sync dependency, on the thread pool)."""
    if hasattr(request.state, "web_session"):
        found: WebSession | None = request.state.web_session
        return found
    found = None
    token = request.cookies.get(cookie_for(request).name)
    if token:
        try:
            found = request.app.state.platform.accounts.session(token)
        except NotAuthenticated:
            found = None
    request.state.web_session = found
    return found


def back_here(request: Request) -> str:
    """Where to come back to after signing in: this page; for a post, or a fragment htmx
    fetched, the page it came from (when that page is ours)."""
    if request.method in _SAFE_METHODS and not request.headers.get("hx-request"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    came_from = request.headers.get("hx-current-url") or request.headers.get("referer", "")
    page = urlsplit(came_from)
    if page.netloc and page.netloc != request.url.netloc:
        return "/"
    return safe_next(page.path + (f"?{page.query}" if page.query else ""))


def sign_in_url(request: Request) -> str:
    return f"{cookie_for(request).sign_in}?next={quote(back_here(request), safe='/')}"


def require_shopper(request: Request) -> WebSession:
    """A signed-in shopper, or off to sign in and back."""
    found = web_session(request)
    if found is None or found.principal.customer_id is None:
        raise SignInRequired(sign_in_url(request))
    return found


def optional_shopper(request: Request) -> WebSession | None:
    """The shopper if signed in (pages anyone may see, that greet those who are)."""
    found = web_session(request)
    return found if found is not None and found.principal.customer_id is not None else None


def require_operator(request: Request) -> WebSession:
    """A signed-in operator (the console), or off to the console's sign-in and back."""
    found = web_session(request)
    if found is None or not found.principal.is_admin:
        raise SignInRequired(sign_in_url(request))
    return found


Shopper = Annotated[WebSession, Depends(require_shopper)]
MaybeShopper = Annotated[WebSession | None, Depends(optional_shopper)]
Operator = Annotated[WebSession, Depends(require_operator)]


def customer_id(who: WebSession) -> str:
    """The shopper's customer id (``require_shopper`` let only customers through)."""
    assert who.principal.customer_id is not None, "require_shopper admits customers only"
    return who.principal.customer_id


# CSRF ------------------------------------------------------------------------------------


def _identity(request: Request) -> str:
    """What the token is bound to: the session's token, or before sign-in the anonymous
    cookie (minted now, and set on the response by ``rendering.render``)."""
    session_token = request.cookies.get(cookie_for(request).name)
    if session_token:
        return "s:" + session_token
    anonymous = request.cookies.get(ANON_COOKIE) or getattr(request.state, "new_anon_id", None)
    if anonymous is None:
        anonymous = request.state.new_anon_id = secrets.token_urlsafe(24)
    return "a:" + anonymous


def _expected(request: Request) -> str:
    secret: bytes = request.app.state.csrf_secret
    return hmac.new(secret, _identity(request).encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token this visitor's forms carry."""
    return _expected(request)


def set_anonymous_cookie(request: Request, response: Response) -> None:
    """Set the anonymous id a rendered token was bound to, if it was minted just now."""
    minted = getattr(request.state, "new_anon_id", None)
    if minted is not None and ANON_COOKIE not in request.cookies:
        response.set_cookie(
            ANON_COOKIE, minted, path="/", secure=secure(request), httponly=True, samesite="lax"
        )


async def csrf_protect(request: Request) -> None:
    """Router dependency: every unsafe request needs the token, in the form or the header.
    The form is parsed here; FastAPI and the route read the same parsed form later."""
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), _expected(request).encode()):
        raise CsrfRejected()


# Sign-in throttling ----------------------------------------------------------------------

# Password guessing, slowed per account (one person's typos stay well inside it) and per
# client (one address trying many accounts; generous for a shared NAT).
PER_ACCOUNT = RateLimitItemPerMinute(5, 5)
PER_CLIENT = RateLimitItemPerMinute(30, 5)


class SignInThrottle:
    """Failed sign-ins counted by ``FailedAttempts`` under "signin-account:<e-mail>" and
    "signin-client:<address>". Past either limit every attempt is refused, the right
    password too: otherwise a guesser would only need to keep going."""

    def __init__(self, storage: Storage) -> None:
        self._accounts = FailedAttempts(storage, limit=PER_ACCOUNT)
        self._clients = FailedAttempts(storage, limit=PER_CLIENT)

    @staticmethod
    def _keys(email: str, client: str) -> tuple[str, str]:
        return f"signin-account:{email.strip().lower()[:320]}", f"signin-client:{client}"

    def refused(self, email: str, client: str) -> TooManyAttempts | None:
        account, source = self._keys(email, client)
        return self._accounts.refused(account) or self._clients.refused(source)

    def failed(self, email: str, client: str) -> TooManyAttempts | None:
        """Count a failed sign-in; the refusal to answer with once past a limit."""
        account, source = self._keys(email, client)
        by_account = self._accounts.failed(account)
        by_client = self._clients.failed(source)
        return by_account or by_client

    @property
    def wait_minutes(self) -> int:
        return PER_ACCOUNT.get_expiry() // 60


def client_address(request: Request) -> str:
    # Bounded: behind a trusted proxy the address comes from a header.
    return request.client.host[:64] if request.client else "unknown"
