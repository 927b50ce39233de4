"""A minimal OpenID Connect provider on 127.0.0.1 for the single sign-on tests (tests/test_oidc.py): discovery,
/authorize that sends the browser straight back with a code for its one configured user (no login page: the
provider's own sign-in is not what is tested), /token with an RS256-signed ID token (joserfc, which Authlib
brings), /jwks, /userinfo. It checks what a real provider checks: client id and secret, the redirect URI, a
code used once, PKCE (S256) and the nonce echoed into the token, so a dashboard that skipped a step fails.

    with Provider(client_id, secret, redirect_uri, claims) as provider:
        provider.url   # issuer, e.g. http://127.0.0.1:41234
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "test-key-1"


class Provider:
    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, claims: dict):
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.claims = dict(claims)
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[str] = []       # "GET /authorize", "POST /token" ...: what the dashboard asked, in order
        self.refusals: list[str] = []       # why a request was refused (empty in a correct flow)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def metadata(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "userinfo_endpoint": f"{self.url}/userinfo", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300, **self.claims}
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, self.key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):   # quiet: pytest shows the refusals instead
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def _refuse(self, status: int, why: str) -> None:
                with provider.lock:
                    provider.refusals.append(why)
                self._json(status, {"error": "invalid_request", "error_description": why})

            def do_GET(self):
                parsed = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                with provider.lock:
                    provider.requests.append(f"GET {parsed.path}")
                if parsed.path == "/.well-known/openid-configuration":
                    return self._json(200, provider.metadata())
                if parsed.path == "/jwks":
                    return self._json(200, {"keys": [provider.key.as_dict(private=False)]})
                if parsed.path == "/authorize":
                    return self._authorize(query)
                if parsed.path == "/userinfo":
                    bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    with provider.lock:
                        known = provider.tokens.get(bearer)
                    return self._json(200, known) if known else self._refuse(401, "unknown access token")
                return self._refuse(404, f"no such path {parsed.path}")

            def _authorize(self, query: dict) -> None:
                if query.get("client_id") != provider.client_id:
                    return self._refuse(400, f"unknown client {query.get('client_id')}")
                if query.get("redirect_uri") != provider.redirect_uri:
                    return self._refuse(400, f"redirect_uri not registered: {query.get('redirect_uri')}")
                if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
                    return self._refuse(400, "not an OpenID Connect code request")
                code = secrets.token_urlsafe(16)
                with provider.lock:
                    provider.codes[code] = {"nonce": query.get("nonce"), "challenge": query.get("code_challenge"),
                                            "method": query.get("code_challenge_method"),
                                            "redirect_uri": query["redirect_uri"]}
                target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code,
                                                                             "state": query.get("state", "")})
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                parsed = urllib.parse.urlparse(self.path)
                with provider.lock:
                    provider.requests.append(f"POST {parsed.path}")
                if parsed.path != "/token":
                    return self._refuse(404, f"no such path {parsed.path}")
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                client, secret = form.get("client_id"), form.get("client_secret")
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    pair = base64.b64decode(basic[6:]).decode()
                    client, secret = (urllib.parse.unquote(p) for p in pair.split(":", 1))
                if (client, secret) != (provider.client_id, provider.client_secret):
                    return self._refuse(401, "bad client credentials")
                with provider.lock:
                    grant = provider.codes.pop(form.get("code", ""), None)   # a code is used once
                if grant is None:
                    return self._refuse(400, "unknown or used code")
                if form.get("redirect_uri") != grant["redirect_uri"]:
                    return self._refuse(400, "redirect_uri differs from the authorization request")
                if grant["challenge"]:
                    verifier = form.get("code_verifier", "")
                    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                    if grant["method"] != "S256" or digest.decode() != grant["challenge"]:
                        return self._refuse(400, "PKCE verifier does not match")
                access = secrets.token_urlsafe(24)
                with provider.lock:
                    provider.tokens[access] = {"sub": provider.claims.get("sub"), **provider.claims}
                self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                                 "scope": "openid profile email", "id_token": provider.id_token(grant["nonce"])})

        return Handler
