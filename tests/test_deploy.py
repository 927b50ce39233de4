"""Deployment as docs/deploy.md describes it: Debian's nginx runs THE SHIPPED site config (deploy/nginx/dashboard.conf,
only its lines marked CHANGE substituted for loopback ports and a throwaway certificate) in front of two
`streamlit run dashboard.py` processes started with the shipped unit's command line and environment file, on one
fixture database. In chromium, pages load through nginx over TLS (so the websocket passes the proxy), without a CSP
violation; an import on process A's 数据导入 page shows on process B, directly and through nginx, without a reload.
The command lines the docs, the unit files and the cron file give parse with the CLI.

nginx runs as the test's user with `-p <tmp> -c <tmp>/nginx.conf` (pid, logs, temp files in the tmp folder,
`daemon off`), on 127.0.0.1 only, with a self-signed certificate made by the openssl CLI; every server started
here is stopped at the end and every wait is bounded."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import fixtures
import pytest
import tomllib
from playwright.sync_api import expect, sync_playwright
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    add_admin,
    assert_clean,
    free_port,
    metrics,
    settle,
    sign_in,
    stop,
    wait_healthy,
)

import store

pytestmark = pytest.mark.slow   # chromium, nginx, Spark or a benchmark: `make test`, not `make check`

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "dashboard.conf"
UNIT = DEPLOY / "systemd" / "dashboard@.service"
ENV_FILE = DEPLOY / "systemd" / "dashboard.env"
DOC = ROOT / "docs" / "deploy.md"
NGINX = "/usr/sbin/nginx"
APP_HOME = "/opt/dashboard"
SERVER_START = 60  # s
NGINX_START = 15  # s
SHOWS_IMPORT = 20_000  # ms: open pages look for new data every store.watch_seconds (5 s)
EXTRA = [["D1", "12345平台", "2024-06-12 09:00", "投诉", "渗水漏水", "", "", "阳光花园", "物业公司", "2024-06-15 09:00",
          "2024-06-13 09:00", "", "满意", "否", "是", "是", "", "", "楼上漏水"]]
# Streamlit draws a material page icon's favicon from Google (fonts.gstatic.com); the CSP blocks it on purpose, so
# no intranet browser calls out: the tab shows no icon. Every other violation fails the test.
FAVICON = "'https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def env_file() -> dict:
    """deploy/systemd/dashboard.env as systemd reads it (KEY=VALUE lines, # comments)."""
    lines = ENV_FILE.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def unit_command(port: int) -> list[str]:
    """The ExecStart of dashboard@.service for instance PORT, run from this checkout instead of /opt/dashboard."""
    [line] = [line for line in UNIT.read_text(encoding="utf-8").splitlines() if line.startswith("ExecStart=")]
    argv = shlex.split(line.removeprefix("ExecStart="))
    return [arg.replace(APP_HOME, str(ROOT)).replace("%i", str(port)) for arg in argv]


def site_header(name: str) -> str:
    """The value the shipped nginx config gives a response header (HSTS only since issue 21)."""
    match = re.search(rf'add_header {re.escape(name)} "([^"]*)" always;', SITE.read_text(encoding="utf-8"))
    assert match, name
    return match.group(1)


def app_header(name: str) -> str:
    """The value the dashboard itself gives a security header (gateway/middleware.py): it holds without nginx too."""
    from gateway.middleware import HEADERS

    return HEADERS[name.lower()]


def rendered_site(upstreams: list[int], https_port: int, http_port: int, cert: Path, key: Path, log: Path) -> str:
    """The shipped site with its CHANGE lines pointed at loopback; each substitution must hit exactly as often as
    the file has that line, so a changed config fails here rather than being tested half-rendered."""
    text = SITE.read_text(encoding="utf-8")
    substitutions = [
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", 1),
        ("listen 80;", f"listen 127.0.0.1:{http_port};", 1),
        ("server 127.0.0.1:8501 max_fails", f"server 127.0.0.1:{upstreams[0]} max_fails", 1),
        ("server 127.0.0.1:8502 max_fails", f"server 127.0.0.1:{upstreams[1]} max_fails", 1),
        ("/etc/ssl/certs/dashboard.crt;", f"{cert};", 1),
        ("/etc/ssl/private/dashboard.key;", f"{key};", 1),
        ("/var/log/nginx/dashboard.access.log dashboard;", f"{log} dashboard;", 2),
    ]
    for old, new, count in substitutions:
        assert text.count(old) == count, old
        text = text.replace(old, new)
    assert text.count("# CHANGE") == sum(c for _, _, c in substitutions) + 2  # + the two server_name lines
    return text


def harness_conf(tmp: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, with every path inside tmp. As root the workers
    would switch to nobody, who cannot enter pytest's 0700 tmp folder: they stay root then."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'} info;\n"
            f"daemon off;\nevents {{ worker_connections 256; }}\nhttp {{\n{temp}\n"
            f"    access_log {tmp / 'access.log'};\n    include {site};\n}}\n")


def wait_listening(port: int, process: subprocess.Popen, log: Path, seconds: float) -> None:
    import socket
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nginx not listening after {seconds} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def db(tmp_path_factory, config):
    """The hand-counted fixture written through the store, as the processes find it."""
    folder = tmp_path_factory.mktemp("deploy_db")
    with store.writer(folder / "app.duckdb", config, what="fixture") as con:
        fixtures.build(con, folder, config)
    add_admin(folder / "app.duckdb")   # the browser signs in as test_browser's district admin
    return folder / "app.duckdb"


@pytest.fixture(scope="module")
def dashboards(db, tmp_path_factory):
    """Two dashboard@PORT processes on one database: {"A": url, "B": url} plus their ports."""
    logs = tmp_path_factory.mktemp("dashboards")
    env = {**os.environ, **env_file(), "DASHBOARD_DB": str(db)}
    processes, urls = {}, {}
    try:
        for name in ("A", "B"):
            port = free_port()
            log = logs / f"{name}.log"
            with open(log, "wb") as out:
                processes[name] = subprocess.Popen(unit_command(port), cwd=ROOT, env=env, stdout=out,
                                                   stderr=subprocess.STDOUT, start_new_session=True)
            urls[name] = (f"http://127.0.0.1:{port}", port, log)
        for name, (url, _, log) in urls.items():
            wait_healthy(url, processes[name], log, SERVER_START)
        yield {name: (url, port) for name, (url, port, _) in urls.items()}
    finally:
        for process in processes.values():
            stop(process)


@pytest.fixture(scope="module")
def proxy(dashboards, tmp_path_factory):
    """nginx from the shipped site config in front of both processes; yields (https url, http url, access log)."""
    tmp = tmp_path_factory.mktemp("nginx")
    cert, key = tmp / "dashboard.crt", tmp / "dashboard.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    https_port, http_port = free_port(), free_port()
    access = tmp / "dashboard.access.log"
    site = tmp / "dashboard.conf"
    site.write_text(rendered_site([dashboards["A"][1], dashboards["B"][1]], https_port, http_port, cert, key, access),
                    encoding="utf-8")
    conf = tmp / "nginx.conf"
    conf.write_text(harness_conf(tmp, site), encoding="utf-8")
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(conf)], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stderr
    log = tmp / "nginx.out"
    with open(log, "wb") as out:
        process = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_listening(https_port, process, log, NGINX_START)
        wait_listening(http_port, process, log, NGINX_START)
        yield f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", access
    finally:
        stop(process)


def fetch(url: str, cookie: str | None = None, accept: str | None = None):
    """One request without following redirects or checking the throwaway certificate."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, headers={**({"Cookie": f"dashboard_node={cookie}"} if cookie else {}),
                                                   **({"Accept": accept} if accept else {})})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def oversized_upload(https: str, length: int) -> str:
    """The head of nginx's answer to an upload that announces LENGTH bytes and sends none."""
    import socket
    port = int(https.rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(f"PUT /_stcore/upload_file/x/y HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n".encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = tls.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def upstream_of(proxy, dashboards, cookie: str) -> str:
    """Which process ("A" or "B") nginx sends a browser with this affinity cookie to, from the access log."""
    https, _, access = proxy
    probe = f"/_stcore/health?probe={cookie}"
    status, _, _ = fetch(https + probe, cookie)
    assert status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in access.read_text(encoding="utf-8").splitlines():
            if f'"GET {probe} ' in line:
                addr = re.search(r"upstream=(\S+)", line).group(1)
                return {f"127.0.0.1:{port}": name for name, (_, port) in dashboards.items()}[addr]
        time.sleep(0.1)
    raise AssertionError(f"{probe} not in the access log")


def test_the_proxy_answers_with_the_security_headers_and_a_sticky_cookie(proxy):
    https, http, _ = proxy
    # real data: a page's address opened by a browser (it asks for HTML) leads to the sign-in
    status, headers, _ = fetch(https + "/trends?street=x", accept="text/html")
    assert (status, headers["Location"]) == (303, "/signin?next=%2Ftrends%3Fstreet%3Dx")
    status, headers, body = fetch(https + "/signin")
    assert status == 200 and "红色物业治理看板".encode() in body
    for name in SECURITY_HEADERS:   # from the dashboard itself (gateway/), through nginx unchanged
        assert headers[name] == app_header(name), name
    assert (headers["X-Frame-Options"], headers["X-Content-Type-Options"]) == ("SAMEORIGIN", "nosniff")
    # HSTS from nginx, and from the app (it sees X-Forwarded-Proto: https from its loopback peer): the same value
    assert set(headers.get_all("Strict-Transport-Security")) == {site_header("Strict-Transport-Security")}
    assert headers["Server"] == "nginx"  # server_tokens off: no version
    [cookie] = [c for c in headers.get_all("Set-Cookie") if c.startswith("dashboard_node=")]
    assert re.fullmatch(r"dashboard_node=[0-9a-f]{32}; Path=/; Secure; HttpOnly; SameSite=Lax", cookie)
    # the door's form cookie is Secure behind nginx's TLS
    [form] = [c for c in headers.get_all("Set-Cookie") if c.startswith("dashboard_signin=")]
    assert "Secure" in form and "HttpOnly" in form and "SameSite=strict" in form
    # a browser that has the affinity cookie is not given another
    status, headers, _ = fetch(https + "/_stcore/health", cookie.split(";")[0].split("=")[1])
    assert status == 200 and not [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("dashboard_node=")]
    # an upload over the per-file limit is refused by the dashboard from its Content-Length, before a byte of it
    # is read (nginx streams it through: proxy_request_buffering off), with the security headers
    head = oversized_upload(https, 300 * 1024 * 1024)
    names = {line.split(":", 1)[0].lower() for line in head.split("\r\n")[1:]}   # header names are case-blind
    assert head.startswith("HTTP/1.1 413 ") and all(name.lower() in names for name in SECURITY_HEADERS), head
    # over nginx's own limit, nginx refuses it first
    assert oversized_upload(https, 500 * 1024 * 1024 + 1).startswith("HTTP/1.1 413 ")
    # plain HTTP only redirects to HTTPS
    status, headers, _ = fetch(http + "/?x=1")
    assert status == 301 and headers["Location"].startswith("https://") and headers["Location"].endswith("/?x=1")


def test_a_browser_stays_on_one_process_and_browsers_spread_over_both(proxy, dashboards):
    placed = {f"{n:032x}": upstream_of(proxy, dashboards, f"{n:032x}") for n in range(1, 21)}
    for cookie, name in list(placed.items())[:3]:
        assert [upstream_of(proxy, dashboards, cookie) for _ in range(3)] == [name] * 3
    assert set(placed.values()) == {"A", "B"}, placed


def test_upload_limit_is_the_same_in_nginx_and_streamlit(config):
    limit = int(re.search(r"client_max_body_size (\d+)m;", SITE.read_text(encoding="utf-8")).group(1))
    assert int(env_file()["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"]) == limit == 500
    # the repository's config.toml, which the processes also read, says the same
    toml = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert toml["server"]["maxUploadSize"] == limit
    # ... and so does config.yaml's per-import limit; the per-file limit, which the page checks, is below it
    assert config["uploads"]["import_mb"] == limit and config["uploads"]["file_mb"] == 200


def cookie_for(proxy, dashboards, name: str) -> str:
    """An affinity cookie value nginx maps to process NAME (bounded search; each value is a coin toss)."""
    for n in range(1, 41):
        if upstream_of(proxy, dashboards, f"{n:032x}") == name:
            return f"{n:032x}"
    raise AssertionError(f"no cookie among 40 went to {name}")


def orders_card(page):
    return page.locator("[data-testid='stMain'] [data-testid='stMetric']", has_text="工单总量").get_by_test_id(
        "stMetricValue")


def test_pages_load_through_nginx_and_an_import_on_one_process_shows_on_the_other(proxy, dashboards, tmp_path):
    https, _, access = proxy
    cookie_b = cookie_for(proxy, dashboards, "B")
    extra = fixtures.write_csv(tmp_path / "新增工单.csv", fixtures.ORDER_HEADERS, EXTRA)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            def tab(url: str, cookie: str | None = None):
                context = browser.new_context(viewport={"width": 1500, "height": 2600}, locale="zh-CN",
                                              ignore_https_errors=True)
                context.set_default_timeout(30_000)
                if cookie:
                    context.add_cookies([{"name": "dashboard_node", "value": cookie, "url": https}])
                page = context.new_page()
                violations = []
                page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text
                        and FAVICON not in m.text else None)
                page.goto(url, timeout=60_000)
                sign_in(page)
                return page, violations

            # through nginx: the page renders (its content comes over the proxied websocket), clean, no CSP error
            via_proxy, violations = tab(https + "/?period=first_half", cookie_b)
            assert_clean(via_proxy, "overview through nginx")
            assert metrics(via_proxy)["工单总量"] == "12"  # H1 2024: W1-W10, W12, W13
            assert violations == []
            direct_b, _ = tab(dashboards["B"][0] + "/?period=first_half")
            assert metrics(direct_b)["工单总量"] == "12"

            # import one order on process A's own 数据导入 page
            # (from the overview by the sidebar, as a user goes: a fresh process answers a first request for
            # /import with "Page not found", see the report of this change)
            page_a, _ = tab(dashboards["A"][0] + "/")
            page_a.get_by_test_id("stSidebar").get_by_role("link", name="数据导入").click()
            page_a.wait_for_url("**/import", timeout=30_000)
            settle(page_a)
            assert_clean(page_a, "import on A")
            main = page_a.get_by_test_id("stMain")
            main.get_by_test_id("stRadio").get_by_text("工单", exact=True).click()
            settle(page_a)
            main.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(extra))
            run = main.get_by_role("button", name="开始导入")
            expect(run).to_be_enabled(timeout=60_000)
            run.click()
            # the page reruns when the import is done and shows its result (the progress box is gone by then)
            expect(main.get_by_role("heading", name="导入结果：工单")).to_be_visible(timeout=120_000)
            settle(page_a)
            assert_clean(page_a, "import on A, finished")

            # B shows it without a reload, directly and through nginx
            expect(orders_card(direct_b)).to_have_text("13", timeout=SHOWS_IMPORT)
            expect(orders_card(via_proxy)).to_have_text("13", timeout=SHOWS_IMPORT)
            settle(via_proxy)
            assert_clean(via_proxy, "overview through nginx after the import")
            assert violations == []
        finally:
            browser.close()
    # the proxied page's websocket went through nginx to B (logged when it closed)
    ports = {name: port for name, (_, port) in dashboards.items()}
    streams = [line for line in access.read_text(encoding="utf-8").splitlines() if '"GET /_stcore/stream ' in line]
    assert streams and all(f"upstream=127.0.0.1:{ports['B']}" in line and " 101 " in line for line in streams), streams


# ---- the documented command lines parse with the CLI ----

class Parsed(Exception):
    pass


def parse_cli(argv: list[str], monkeypatch) -> argparse.Namespace:
    """argv as `python -m metrics` would parse it, without running the command."""
    from metrics.__main__ import main

    real = argparse.ArgumentParser.parse_args

    def parse_only(self, args=None, namespace=None):
        raise Parsed(real(self, args, namespace))

    with monkeypatch.context() as m:
        m.setattr(argparse.ArgumentParser, "parse_args", parse_only)
        with pytest.raises(Parsed) as parsed:
            main(argv)
    return parsed.value.args[0]


def shell_words(text: str) -> list[str]:
    """The words bash makes of TEXT (quotes, $(date …) substitutions), as the command would receive them."""
    done = subprocess.run(["bash", "-c", 'printf "%s\\0" ' + text], capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, (text, done.stderr)
    return done.stdout.split("\0")[:-1]


def documented_commands() -> list[tuple[str, list[str]]]:
    """Every `python -m metrics …` line in docs/deploy.md's code blocks, the unit files and the cron file:
    (where, argv as bash passes it)."""
    found = []
    sources = [DOC, DEPLOY / "cron" / "dashboard", *sorted((DEPLOY / "systemd").glob("*.service"))]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        if source.suffix == ".md":  # only the code blocks
            text = "\n".join(block for i, block in enumerate(text.split("```")) if i % 2)
        for line in text.replace("\\\n", " ").splitlines():
            if "python -m metrics " in line and not line.lstrip().startswith("#"):
                found.append((f"{source.name}: {line.strip()}", shell_words(line.split("python -m metrics ", 1)[1])))
    return found


def test_documented_command_lines_parse(monkeypatch):
    commands = documented_commands()
    parsed = {where: parse_cli(argv, monkeypatch) for where, argv in commands}
    # import-folder in the doc, the cron file and the unit; backup, restore, report, the accounts and the audit
    # log's check (by hand, against the shipped copy, nightly in cron) in the doc
    assert sorted(args.command for args in parsed.values()) == [
        "audit", "audit", "audit", "backup", "import-folder", "import-folder", "import-folder", "import-folder",
        "report", "report", "restore", "users", "users", "users", "users"]
    checks = [(a.verify, [str(f) for f in a.against or []]) for a in parsed.values() if a.command == "audit"]
    assert checks == [(True, []), (True, ["/tmp/dashboard-audit.log", "/tmp/dashboard-audit.log.1.gz"]), (True, [])]
    users = [(a.action, getattr(a, "role", None), getattr(a, "street", None), getattr(a, "community", None),
              getattr(a, "admin", None)) for a in parsed.values() if a.command == "users"]
    assert users == [("add", "district", None, None, True), ("add", "street", "映川街道", None, False),
                     ("add", "community", "映川街道", "河西社区", False), ("list", None, None, None, False)]
    # the doc's "last month" line computes the same dates as the script
    [last_month] = [args for args in parsed.values() if args.command == "report" and args.out.name == "last-month"]
    assert (last_month.start, last_month.end) == last_month_dates()


def last_month_dates() -> tuple[str, str]:
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1).isoformat(), last.isoformat()


def test_the_month_end_script_asks_for_last_month(tmp_path, monkeypatch):
    """deploy/bin/month-end-report.sh (cron and the timer run it) with a stand-in python that records its argv."""
    record = tmp_path / "argv"
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "DASHBOARD_HOME": str(ROOT), "DASHBOARD_PYTHON": str(fake), "DASHBOARD_DB": "/x/db.duckdb",
           "DASHBOARD_REPORTS": str(tmp_path / "reports")}
    done = subprocess.run([str(DEPLOY / "bin" / "month-end-report.sh")], env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    argv = record.read_text(encoding="utf-8").splitlines()
    assert argv[:2] == ["-m", "metrics"]
    args = parse_cli(argv[2:], monkeypatch)
    first, last = last_month_dates()
    first, last = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    assert (args.command, args.all_streets, args.start, args.end, args.out, str(args.db)) == (
        "report", True, first.isoformat(), last.isoformat(), tmp_path / "reports" / f"{first:%Y-%m}", "/x/db.duckdb")
    assert args.out.is_dir()
