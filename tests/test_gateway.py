"""The door (gateway/) on its own: its routes and middleware around a stand-in for Streamlit, driven by Starlette's
TestClient. The real server with chromium: tests/test_browser_direct.py."""
import re

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import gateway
from access import accounts, audit, sessions
from gateway.routes import FORM_COOKIE

PASSWORD = "东街道-密码-2024"
HTML = {"accept": "text/html,application/xhtml+xml"}
seen_uploads = []


async def streamlit_page(request):
    return PlainTextResponse("streamlit " + request.url.path)


async def streamlit_upload(request):
    seen_uploads.append(len(await request.body()))
    return PlainTextResponse("stored")


def door():
    return Starlette(routes=[*gateway.routes(), Route("/_stcore/upload_file/{rest:path}", streamlit_upload,
                                                      methods=["POST", "PUT"]),
                             Route("/{path:path}", streamlit_page)], middleware=gateway.middleware())


@pytest.fixture
def real(store_db, monkeypatch):
    """The door of a database of real imports with the street account dong."""
    monkeypatch.setenv("DASHBOARD_DB", str(store_db))
    accounts.add(store_db, "dong", PASSWORD, role="street", street="东街道", actor=None)
    return store_db


def form_token(response) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', response.text).group(1)


def sign_in(client, login="dong", password=PASSWORD, next_path="/overview", **extra):
    page = client.get(f"/signin?next={next_path}")
    return client.post("/signin", data={"form_token": form_token(page), "next": next_path, "lang": "zh",
                                        "login": login, "password": password, **extra}, follow_redirects=False)


def test_every_answer_carries_the_security_headers(real):
    with TestClient(door()) as client:
        for path in ("/signin", "/_stcore/health", "/overview"):
            headers = client.get(path, headers=HTML, follow_redirects=False).headers
            assert headers["content-security-policy"].startswith("default-src 'self'"), path
            assert "frame-ancestors 'self'" in headers["content-security-policy"]
            assert (headers["x-content-type-options"], headers["x-frame-options"], headers["referrer-policy"]) == (
                "nosniff", "SAMEORIGIN", "same-origin")
            assert "strict-transport-security" not in headers   # plain HTTP: no HSTS
    with TestClient(door(), base_url="https://dashboard.internal") as client:
        assert client.get("/signin").headers["strict-transport-security"] == "max-age=31536000"


def test_every_page_address_leads_to_the_sign_in_and_back(real):
    with TestClient(door()) as client:
        answer = client.get("/trends?street=东街道", headers=HTML, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/signin?next=%2Ftrends%3Fstreet%3D%25E4%25B8%259C%25E8%25A1%2597%25E9%2581%2593"
        # Streamlit's own requests are not pages: they pass
        assert client.get("/_stcore/health", follow_redirects=False).text == "streamlit /_stcore/health"
        signed = sign_in(client, next_path="/trends?street=东街道")
        assert (signed.status_code, signed.headers["location"]) == (303, "/trends?street=%E4%B8%9C%E8%A1%97%E9%81%93")
        cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE))
        assert cookie.startswith(f"{sessions.COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie and "expires" not in cookie.lower()   # plain HTTP here; ends with the browser
        # a reload, another page, a bookmark: the cookie opens them
        assert client.get("/trends?street=东街道", headers=HTML).text == "streamlit /trends"
        assert client.get("/party", headers=HTML).text == "streamlit /party"
        token = client.cookies[sessions.COOKIE]
        assert sessions.current(real, token).login == "dong"
        assert len(token) >= 43 and token not in (real.parent / "app.duckdb.access.sqlite").read_bytes().decode("latin-1")


def test_the_demo_is_open(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(tmp_path / "none.duckdb"))   # nothing imported: the demo is shown
    with TestClient(door()) as client:
        assert client.get("/overview", headers=HTML).text == "streamlit /overview"


def test_a_cookie_over_tls_is_secure(real):
    with TestClient(door(), base_url="https://dashboard.internal") as client:
        cookies = sign_in(client).headers.get_list("set-cookie")
        assert "Secure" in next(c for c in cookies if c.startswith(sessions.COOKIE))


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_the_way_back_stays_on_this_site(real, target):
    with TestClient(door()) as client:
        assert sign_in(client, next_path=target).headers["location"] == "/"


@pytest.mark.slow
def test_unknown_wrong_and_locked_look_the_same(real, config):
    with TestClient(door()) as client:
        wrong = sign_in(client, password="错误的密码-000")
        unknown = sign_in(client, login="nobody", password="错误的密码-000")
        for _ in range(4):
            sign_in(client, password="错误的密码-000")
        locked = sign_in(client)   # the right password, from the address that failed five times (now locked)
        said = [re.search(r'role="alert">([^<]*)<', r.text).group(1) for r in (wrong, unknown, locked)]
        assert said == ["登录名或密码错误，或账号已停用"] * 3 and {r.status_code for r in (wrong, unknown, locked)} == {401}
        # the audit log says what the caller is not told
        assert [e["outcome"] for e in audit.entries(real, action="sign_in_failed")] == [
            "bad_credentials", "bad_credentials", "bad_credentials", "bad_credentials", "bad_credentials", "locked",
            "locked"]
        assert [(e["outcome"], e["address"]) for e in audit.entries(real, action="lockout")] == [
            ("address_locked", "testclient")]
    # the owner from an address that never failed is not locked out
    assert sessions.sign_in(real, "dong", PASSWORD, address="10.9.9.9", config=config).account.login == "dong"


def test_a_form_from_elsewhere_is_refused(real):
    with TestClient(door()) as client:
        client.get("/signin")
        forged = client.post("/signin", data={"form_token": "guessed", "next": "/", "login": "dong",
                                              "password": PASSWORD}, follow_redirects=False)
        assert forged.status_code == 400 and "页面已过期" in forged.text
        assert sessions.COOKIE not in forged.headers.get("set-cookie", "")
        client.cookies.delete(FORM_COOKIE, path="/signin")
        assert sign_in(client).status_code == 303   # a fresh form works


def test_sign_out_ends_the_session_for_every_tab(real):
    with TestClient(door()) as client:
        sign_in(client)
        token = client.cookies[sessions.COOKIE]
        out = client.get("/signout", follow_redirects=False)
        assert (out.status_code, out.headers["location"]) == (303, "/signin?lang=zh")
        assert f'{sessions.COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
        assert sessions.current(real, token) is None   # another tab holding the same cookie is signed out too
        assert client.get("/overview", headers=HTML, follow_redirects=False).status_code == 303
        assert [e["login"] for e in audit.entries(real, action="sign_out")] == ["dong"]


def test_the_first_admin_of_real_data_is_made_at_the_door(store_db, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DB", str(store_db))
    with TestClient(door()) as client:
        page = client.get("/signin")
        assert "创建第一个管理员账号" in page.text and 'name="repeat"' in page.text
        mismatch = sign_in(client, login="admin", password="管理员密码-0001", repeat="管理员密码-0002")
        assert "两次输入的密码不一致。" in mismatch.text and not accounts.any_exist(store_db)
        made = sign_in(client, login="admin", password="管理员密码-0001", repeat="管理员密码-0001")
        assert made.status_code == 303 and sessions.COOKIE in made.headers["set-cookie"]
        assert (accounts.get(store_db, "admin").role, accounts.get(store_db, "admin").admin) == ("district", True)
        assert [(e["action"], e["login"]) for e in audit.entries(store_db)] == [
            ("account_change", "admin"), ("sign_in", "admin")]


def test_typed_values_are_escaped_on_the_form(real):
    with TestClient(door()) as client:
        answer = sign_in(client, login='<img src=x onerror=alert(1)>"')
        assert "<img" not in answer.text and "&lt;img src=x onerror=alert(1)&gt;&quot;" in answer.text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(real, config):
    seen_uploads.clear()
    limit = config["uploads"]["file_mb"] * 1024 * 1024
    with TestClient(door()) as client:
        # the length alone decides: a body claimed to be over the limit is never read
        over = client.post("/_stcore/upload_file/s/w", content=b"x" * 10,
                           headers={"content-length": str(limit + 65 * 1024 + 1)})
        assert over.status_code == 413 and "200 MB" in over.text and seen_uploads == []
        fine = client.post("/_stcore/upload_file/s/w", content=b"x" * 1000)
        assert fine.text == "stored" and seen_uploads == [1000]
