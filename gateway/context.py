"""What the door knows of a request: who is asking (the address, believed as access.client_address does), whether
it came over TLS, the database it guards and the account of its session cookie."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import store
from access import client_address, sessions, settings
from metrics.config import database_path, load_config

COOKIE = sessions.COOKIE
# Streamlit's identity cookie (st.login, single sign-on): a browser holding it is signed in by the provider, and the
# script's gate (ui/signin.py) opens its session
PROVIDER_COOKIE = "_streamlit_user"


def config() -> dict:
    return load_config()


def database():
    return database_path(config())


def guarded() -> bool:
    """Real data is shown (something was imported into the user's database): every page needs a sign-in. The demo
    is open."""
    try:
        return store.holds_imports(database(), config())
    except Exception:   # a database being restored or rebuilt: ask for a sign-in rather than open the door
        return True


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


def address(scope) -> str:
    """The browser's address: the peer's, or the reverse proxy's header (access.address_header) from a loopback
    peer only."""
    peer = (scope.get("client") or (None,))[0]
    header = settings(config()).get("address_header")
    return client_address(peer, _headers(scope).get(header.lower()) if header else None)


def over_tls(scope) -> bool:
    """HTTPS to the browser: the connection's own scheme, or the proxy's X-Forwarded-Proto from a loopback peer
    (nginx terminates TLS in front of the processes)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    forwarded = _headers(scope).get("x-forwarded-proto", "").split(",")[0].strip()
    return forwarded == "https" and _loopback((scope.get("client") or (None,))[0])


def _loopback(peer: str | None) -> bool:
    if not peer:
        return True
    try:
        return ipaddress.ip_address(peer.split("%")[0]).is_loopback
    except ValueError:
        return False


def cookies(scope) -> dict[str, str]:
    found = {}
    for part in _headers(scope).get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            found[name] = value
    return found


def account(scope):
    """The account of the request's session cookie, or None (no cookie, ended, idle too long, disabled). Looking
    does not count as use: the page's own requests keep a session alive."""
    token = cookies(scope).get(COOKIE)
    return sessions.current(database(), token, config=config(), touch=False) if token else None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host, never a scheme), else /."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
