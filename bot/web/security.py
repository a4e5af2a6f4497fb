"""The checks every console request goes through, in one middleware.

Headers on every response (strict CSP, no framing, no caching, no referrer), the
session on every page, the CSRF token on every form. A refusal is a page in the
reader's language saying what to do, never a traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.web.auth import ConsoleAuth, WebSession
from bot.web.i18n import pick_language

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PUBLIC_PREFIXES = ("/login", "/static/")
AUTH_KEY = web.AppKey("console_auth", ConsoleAuth)
COOKIE_KEY = web.AppKey("console_cookie", str)
SESSION = web.RequestKey("console_session", WebSession)
LANG = web.RequestKey("console_lang", str)
log = logging.getLogger("vigie.console")


def cookie_name(secure: bool) -> str:
    return "__Host-vigie" if secure else "vigie_console"


def session_of(request: web.Request) -> WebSession:
    return request[SESSION]


class Refused(web.HTTPException):
    """A refusal shown as a page; `reason_key` names its sentence in bot.web.i18n."""

    def __init__(self, status: int, reason_key: str):
        self.status_code = status
        super().__init__()
        self.reason_key = reason_key


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[LANG] = pick_language(request.headers.get("Accept-Language", ""))
    try:
        response = await _checked(request, handler)
    except Refused as exc:
        from bot.web.pages import refusal

        response = refusal(request, exc.status_code, exc.reason_key)
    except web.HTTPNotFound:
        from bot.web.pages import refusal

        response = refusal(request, 404, "error.not_found")
    except web.HTTPException as exc:  # 405...: raised on, with the same headers
        exc.headers.update(HEADERS)
        raise
    except Exception:  # one sentence for the reader; the details stay in the log
        # The route's pattern, never the path: a login link's path holds its token.
        resource = request.match_info.route.resource
        log.exception("console page %s failed", resource.canonical if resource else "?")
        from bot.web.pages import refusal

        response = refusal(request, 500, "error.internal")
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    auth = request.app[AUTH_KEY]
    session = auth.session(request.cookies.get(request.app[COOKIE_KEY]))
    if session is None:
        raise Refused(403, "refused.no_session")
    request[SESSION] = session
    if request.method not in ("GET", "HEAD"):
        form = await request.post()
        sent = str(form.get("csrf", "")) or request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise Refused(403, "refused.csrf")
    return await handler(request)
