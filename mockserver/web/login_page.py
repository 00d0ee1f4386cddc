"""The login form `GET /restapi/oauth/authorize` shows where the user must sign in (a public
app under random credentials: grants.py `asks_password`), as the platform shows its own.

One server-rendered page: no script, no file of its own to fetch (its few style rules are inline,
allowed by their hash), a policy that lets nothing else load, and a form that posts back to the
same authorize URL (the authorization request travels in its query string).
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from flask import Request, Response, render_template

from mockserver.platform.grants import LoginPage

STYLE = (
    "body{font:16px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}"
    "main{max-width:22rem;margin:10vh auto;padding:1.5rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 4px #0002}"
    "label{display:block;margin-top:.8rem;font-size:.9rem}"
    "input{box-sizing:border-box;width:100%;padding:.45rem;font:inherit}"
    "button{margin-top:1.2rem;width:100%;padding:.55rem;font:inherit}"
    ".refused{color:#a40000}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# An origin a CSP source list may name as it is (no spaces, quotes or semicolons to break out).
_ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def login_response(request: Request, page: LoginPage, app_name: str, redirect_uri: str) -> Response:
    """The form (200), posting back to the URL it was asked for; a refused sign-in says so."""
    action = request.full_path if request.query_string else request.path
    html = render_template(
        "login.html", page=page, action=action, app_name=app_name or "An app", style=STYLE
    )
    answer = Response(html, 200, content_type="text/html; charset=utf-8")
    answer.headers["Content-Security-Policy"] = policy(redirect_uri)
    answer.headers["Cache-Control"] = "no-store"
    answer.headers["Referrer-Policy"] = "no-referrer"
    answer.headers["X-Frame-Options"] = "DENY"
    return answer


def policy(redirect_uri: str) -> str:
    """Nothing loads but the inline style; the form may post here and (browsers apply
    `form-action` to the redirect that follows a post) be sent on to the client's address."""
    return (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
        f"form-action 'self'{_target(redirect_uri)}; base-uri 'none'; frame-ancestors 'none'"
    )


def _target(redirect_uri: str) -> str:
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        return f" {origin}" if _ORIGIN.fullmatch(origin) else ""
    return f" {parts.scheme}:" if _SCHEME.fullmatch(parts.scheme) else ""
