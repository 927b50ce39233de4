"""Three pieces of pure ASGI middleware, run before Streamlit's own on every request (gateway docstring)."""
from __future__ import annotations

from urllib.parse import parse_qs, quote

from starlette.middleware import Middleware

from metrics.ingest.limits import file_limit_bytes

from . import context

# What Streamlit 1.67 needs and no more (measured in chromium through nginx, tests/test_deploy.py, and without it,
# tests/test_browser_direct.py): its own scripts plus the one inline script of index.html (by hash), inline styles
# (emotion), data:/blob: images and fonts, the websocket on the same origin. Plotly's charts and the syntax
# highlighter call eval, hence 'unsafe-eval'. The tab's icon from fonts.gstatic.com is blocked on purpose: no
# browser on the intranet calls out to Google.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval' 'sha256-THxz9J9+wf7rhwR2YkXJoSZ13UCmYyC+3lNDv2+8ugA='; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self' blob:; frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'self'")
HEADERS = {"content-security-policy": CSP, "x-frame-options": "SAMEORIGIN", "x-content-type-options": "nosniff",
           "referrer-policy": "same-origin"}
HSTS = "max-age=31536000"
UPLOAD_PATH = "/_stcore/upload_file"
MULTIPART_ROOM = 64 * 1024   # a file's upload request is the file plus its multipart envelope
# paths that are not a page of the dashboard: Streamlit's own, the door's, and what a browser asks for by itself
NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/signin", "/signout", "/auth/", "/oauth2callback",
             "/favicon", "/robots.txt", "/manifest")


class SecurityHeaders:
    """The headers of every answer (pages, scripts, uploads, errors), HSTS only where the browser came over TLS."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = dict(HEADERS)
        if context.over_tls(scope):
            extra["strict-transport-security"] = HSTS

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.decode("latin-1").lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []), *(
                    (k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items() if k not in present)]}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _answer(send, status: int, body: str, headers: dict | None = None) -> None:
    data = body.encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(data)).encode()),
        *((k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items())]})
    await send({"type": "http.response.body", "body": data})


class UploadLimit:
    """An upload over uploads.file_mb is refused from its Content-Length before its body is read (a 300 MB file was
    held in the server's memory before the import page refused it); one without a length is refused too."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT") and scope["path"].startswith(UPLOAD_PATH):
            length = dict(scope.get("headers") or []).get(b"content-length")
            limit = file_limit_bytes(context.config())
            if length is None or not length.isdigit():
                return await _answer(send, 411, "上传须注明文件大小 / an upload must give its length")
            if int(length) > limit + MULTIPART_ROOM:
                mb = limit // (1 << 20)
                return await _answer(send, 413, f"文件超过{mb} MB的上限，未上传 / the file is over the {mb} MB limit: "
                                                "not uploaded", {"connection": "close"})
        await self.app(scope, receive, send)


class SignInFirst:
    """On real data, a page's address opened without a live session leads to the sign-in page, which leads back to
    it: /trends?street=东街道 -> /signin?next=/trends%3Fstreet%3D... The open demo is let through."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and not scope["path"].startswith(NOT_PAGES):
            accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
            cookies = context.cookies(scope)
            if "text/html" in accept and context.PROVIDER_COOKIE not in cookies and context.guarded() \
                    and context.account(scope) is None:
                query = scope.get("query_string", b"").decode("latin-1")
                here = scope["path"] + (f"?{query}" if query else "")
                lang = "&lang=en" if "en" in parse_qs(query).get("lang", []) else ""   # the page's language
                return await _answer(send, 303, "", {"location": f"/signin?next={quote(here, safe='')}{lang}",
                                                     "cache-control": "no-store"})
        await self.app(scope, receive, send)


def middleware() -> list[Middleware]:
    """Outermost first: every answer carries the headers, the refusals included."""
    return [Middleware(SecurityHeaders), Middleware(UploadLimit), Middleware(SignInFirst)]
