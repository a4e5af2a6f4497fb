"""Signing in through the bot's one-time link, and signing out.

GET /login/{token} only shows a button: link previews and mail scanners that fetch
the link do not use it up, and the session cookie (SameSite=Strict) is set by a
response to our own page's form, so the browser sends it on the next page.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.auth import SESSION_SECONDS
from bot.web.pages import render
from bot.web.security import AUTH_KEY, COOKIE_KEY, Refused

SECURE_KEY = web.AppKey("console_secure", bool)


async def landing(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    if not request.app[AUTH_KEY].link_is_valid(token):
        raise Refused(403, "refused.link")
    return render(request, "login.html", token=token)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    session_id = request.app[AUTH_KEY].redeem(str(form.get("token", "")))
    if session_id is None:
        raise Refused(403, "refused.link")
    response = web.Response(status=303, headers={"Location": "/"})
    response.set_cookie(
        request.app[COOKIE_KEY],
        session_id,
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[SECURE_KEY],
    )
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    name = request.app[COOKIE_KEY]
    request.app[AUTH_KEY].logout(request.cookies.get(name))
    response = render(request, "refused.html", reason="signed_out")
    response.del_cookie(name, path="/")
    return response
