"""The HTTP door in front of the Streamlit script: dashboard.py serves itself as an ASGI App (`st.App`) with these
routes and middleware, so `streamlit run dashboard.py` (and `make run`) start it unchanged.

- a sign-in page of its own (`/signin`) that checks the password (access.sessions: argon2, lockouts, audit) and
  sets an HttpOnly, SameSite=Strict cookie holding the session's random token (the server keeps its hash): a
  reload, a new tab and a bookmark keep the sign-in; `/signout` ends the session for every tab and clears it;
- every page's address, opened without a live session on real data, leads to the sign-in and then to that page;
- security headers on every answer (CSP, frame-ancestors, nosniff, Referrer-Policy, HSTS over TLS), so they hold
  without nginx too;
- an upload over the per-file limit refused from its Content-Length, before a byte of it is buffered.

Streamlit's pages read the cookie with st.context.cookies (ui/signin.py); the rules (hashes, lockout, idle expiry,
scope) stay in access/. docs/access.md."""
from .middleware import middleware
from .routes import routes

__all__ = ["middleware", "routes"]
