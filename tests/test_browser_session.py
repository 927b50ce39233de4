"""A sign-in that lasts (issue 21), in chromium against `streamlit run dashboard.py`: the door's cookie keeps a
street account signed in, with its scope, through a reload, a second tab on another page and a bookmark opened
cold; a sign-out in one tab ends the other's at its next action. The cookie is HttpOnly: the page's scripts never
see it."""
from __future__ import annotations

import fixtures
import pytest
from playwright.sync_api import expect
from test_browser import CHROMIUM, CHROMIUM_ARGS, SETTLE, VIEWPORT, browser, metrics, serving, settle  # noqa: F401

from access import accounts, audit, sessions
from metrics.database import connect

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

PASSWORD = "东街道-密码-2024"
SIGNED_IN = "已登录：dong（街道） · 可查看：东街道"


@pytest.fixture(scope="module")
def server(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("session")
    con = connect(folder / "app.duckdb")
    fixtures.build(con, folder, config)
    con.close()
    accounts.add(folder / "app.duckdb", "dong", PASSWORD, role="street", street="东街道", actor=None)
    with serving(folder / "app.duckdb", folder) as url:
        yield url, folder / "app.duckdb"


def drawn(page, title: str) -> None:
    settle(page)
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(title)
    expect(page.get_by_test_id("stSidebar").get_by_text(SIGNED_IN)).to_be_visible()


def test_a_sign_in_lasts_and_a_sign_out_ends_it_everywhere(server, browser):
    url, db = server
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(30_000)
    tab = context.new_page()
    # a bookmark of a page with its filters, opened before any sign-in: the door first, then that very page
    tab.goto(f"{url}/trends?period=first_half&category=渗水漏水", timeout=60_000)
    assert "/signin?next=" in tab.url
    tab.fill("#login", "dong")
    tab.fill("#password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(lambda address: "/signin" not in address, timeout=60_000)
    drawn(tab, "诉求趋势")
    assert tab.url == f"{url}/trends?period=first_half&category=%E6%B8%97%E6%B0%B4%E6%BC%8F%E6%B0%B4"
    [cookie] = [c for c in context.cookies() if c["name"] == sessions.COOKIE]
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["expires"]) == (True, "Strict", -1)
    assert sessions.COOKIE not in tab.evaluate("document.cookie")   # no script in the page can read it

    tab.reload()   # was: signed out by every reload
    drawn(tab, "诉求趋势")
    other = context.new_page()   # a second tab on another page
    other.goto(f"{url}/party", timeout=60_000)
    drawn(other, "党建覆盖")
    cold = context.new_page()   # a bookmark opened in a new tab
    cold.goto(f"{url}/?period=first_half", timeout=60_000)
    drawn(cold, "总览")
    assert metrics(cold)["工单总量"] == "8"   # the same scope: 东街道 in H1 2024 (A W1-W4, W10; B W5, W6, W13)
    cold.close()

    tab.get_by_role("link", name="退出登录").click()   # one tab signs out ...
    tab.wait_for_url("**/signin**", timeout=60_000)
    # ... the other shows the sign-in view at its next action (here: the page's own look every few seconds)
    expect(other.locator("[data-testid='stMain'] h1").first).to_have_text("红色物业治理看板 · 登录", timeout=SETTLE)
    expect(other.get_by_text("登录已结束（已退出登录，或30分钟未操作，或账号已停用），请重新登录。")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == sessions.COOKIE]
    other.reload()   # and a reload goes to the door
    expect(other.locator("h2")).to_have_text("登录")
    context.close()
    assert [(e["login"], e["action"], e["outcome"]) for e in audit.entries(db) if e["action"].startswith("sign")] == [
        ("dong", "sign_in", "ok"), ("dong", "sign_out", "ok")]
