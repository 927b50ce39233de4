"""Scale-out benchmark (issue 15): a lake of N orders written directly as Parquet, the monthly rollups built from it
by the rollup job on DuckDB and on Spark local (wall seconds and peak memory of each process tree, JVM included),
the two files compared, and 总览 rendered in chromium from the Spark-built file.

    .venv/bin/python benchmarks/scale_out.py --rows 100000000      (make bench-scale-out ROWS=100000000)
    .venv/bin/python benchmarks/scale_out.py --rows 20000 --driver-memory 1g --warm 0 --work /tmp/so \
        --results /tmp/so.json --clean                              (smoke run, about a minute: the tests)

The lake is made by DuckDB SQL alone (range() and hashing: no Python loop, no import), so 100M orders take
minutes, not the hours an import of Excel files would. Prints a table and writes benchmarks/scale_out_results.json
(--results another file).
Asserts nothing. Data lives under benchmarks/work/scale_out/ (git-ignored); --clean removes it at the end."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import duckdb  # noqa: E402
import yaml  # noqa: E402

from metrics import rollup  # noqa: E402
from metrics.config import CONFIG_PATH  # noqa: E402
from metrics.scale.lake import PARTITION  # noqa: E402
from metrics.schema import DATASETS, RESOLVED_COLUMNS, SQL_TYPES, WORK_ORDERS, stored_name  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "scale_out"
RESULTS = ROOT / "benchmarks" / "scale_out_results.json"
START = dt.datetime(2023, 1, 1)          # three calendar years of orders: 2023-2025
SECONDS = 1096 * 86400                   # 2023-01-01 .. 2025-12-31 (2024 is a leap year)
COMPOUNDS = 10_000                       # 40 streets x 10 communities x 25 compounds
STEPS = ("generate", "duckdb", "spark", "compare", "render")
ORDERS_CARD = "工单总量"


# ---- 1. the lake, generated ----------------------------------------------------------------------

def columns(kind: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of a lake table, in metrics.schema's order (the documented lake schema)."""
    ds = DATASETS[kind]
    cols = [(stored_name(ds, f), SQL_TYPES[f.kind]) for f in ds.fields]
    if kind == "work_orders":
        cols.append(("due_at_derived", "BOOLEAN"))
    if kind != "compounds":
        cols += list(RESOLVED_COLUMNS)
    return cols + [("import_id", "BIGINT")]


def pick(values: list[str], h: str) -> str:
    """A SQL expression choosing one of `values` by the hash expression `h` (a list literal indexed, 1-based)."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"([{quoted}])[1 + CAST(({h}) % {len(values)} AS BIGINT)]"


def u(i: str, salt: int) -> str:
    """A uniform number in [0, 1) from row number `i` and a salt (DuckDB's hash, 10^6 steps)."""
    return f"((hash({i}, {salt}) % 1000000) / 1000000.0)"


REGISTRY_SQL = f"""
SELECT '小区' || lpad(CAST(c AS VARCHAR), 5, '0') AS compound_name,
       CASE WHEN c % 7 = 0 THEN ['别名' || c] ELSE [] END AS aliases,
       '第' || lpad(CAST(c // 250 AS VARCHAR), 2, '0') || '街道' AS street,
       '第' || lpad(CAST(c // 25 AS VARCHAR), 3, '0') || '社区' AS community,
       {pick(['commercial', 'commercial', 'resettlement', 'old', 'work_unit'], 'hash(c, 11)')} AS compound_kind,
       200 + hash(c, 12) % 1800 AS households,
       {pick(['company_managed', 'company_managed', 'cluster_managed', 'self_governed', 'community_fallback'],
             'hash(c, 13)')} AS management_mode,
       '物业公司' || lpad(CAST(hash(c, 14) % 300 AS VARCHAR), 3, '0') AS property_company,
       hash(c, 15) % 3 <> 0 AS has_owners_committee,
       {pick(['independent_branch', 'joint_branch', 'party_group', 'none'], 'hash(c, 16)')} AS party_org_type,
       hash(c, 17) % 60 AS party_members,
       DATE '2015-01-01' + CAST(hash(c, 18) % 3000 AS INTEGER) AS party_org_founded_on,
       hash(c, 19) % 4 = 0 AS dual_role,
       hash(c, 20) % 2 = 0 AS company_party_org,
       {pick(['none', 'none', 'none', 'district', 'city', 'provincial'], 'hash(c, 21)')} AS model_project_level,
       0.6 + (hash(c, 22) % 400) / 1000.0 AS fee_collection_rate,
       5 AS import_id
FROM range({COMPOUNDS}) t(c)"""

CATEGORIES = ["物业服务", "噪音扰民", "停车管理", "垃圾清运", "房屋漏水", "供暖", "供水", "电梯故障", "绿化养护",
              "违章搭建", "安全隐患", "其他"]
SOURCES = ["12345热线", "12345热线", "12345热线", "网络平台", "微信公众号", "市长信箱"]


def orders_sql(rows: int) -> str:
    """N orders: received evenly over three years (seconds apart, in order of i), a compound by hash; deadlines
    (5 days for 投诉, 15 otherwise; 3% none), closings (hours skewed: median about 3 days; 0.3% never closed and
    40% of the last 10 days' still open), revisit answers and the registry's street, community, kind and mode."""
    span = f"(CAST(i AS HUGEINT) * {SECONDS} // {rows})"
    close_s = f"CAST(pow({u('i', 6)}, 2) * 20 * 86400 AS BIGINT) + 600"
    return f"""
WITH o AS (
  SELECT i, TIMESTAMP '{START:%Y-%m-%d}' + to_seconds(CAST({span} AS BIGINT)) AS received_at,
         CAST(hash(i, 1) % {COMPOUNDS} AS BIGINT) AS c,
         {pick(['投诉', '投诉', '求助', '咨询', '建议', '表扬'], 'hash(i, 2)')} AS request_type,
         {u('i', 3)} AS u_open, {u('i', 4)} AS u_due, {u('i', 5)} AS u_answer, {close_s} AS close_s
  FROM range({rows}) t(i))
SELECT 'GD' || lpad(CAST(i AS VARCHAR), 10, '0') AS order_id,
       {pick(SOURCES, 'hash(i, 7)')} AS source,
       received_at, request_type,
       {pick(CATEGORIES, 'hash(i, 8)')} AS category,
       r.street AS street_export, r.community AS community_export, r.compound_name AS compound_raw,
       r.street || '办事处' AS handling_unit,
       CASE WHEN u_due < 0.03 THEN NULL
            ELSE received_at + to_days(CASE WHEN request_type = '投诉' THEN 5 ELSE 15 END) END AS due_at,
       CASE WHEN u_open < 0.003 OR (received_at > TIMESTAMP '2025-12-21' AND u_open < 0.4) THEN NULL
            ELSE received_at + to_seconds(close_s) END AS closed_at,
       CASE WHEN u_open < 0.003 OR (received_at > TIMESTAMP '2025-12-21' AND u_open < 0.4) OR u_answer >= 0.95 THEN NULL
            ELSE received_at + to_seconds(close_s + 3600 + CAST(hash(i, 9) % 172800 AS BIGINT)) END AS revisited_at,
       CASE WHEN u_open < 0.003 OR (received_at > TIMESTAMP '2025-12-21' AND u_open < 0.4) OR u_answer >= 0.95 THEN NULL
            WHEN u_answer < 0.60 THEN 'satisfied' WHEN u_answer < 0.80 THEN 'basically_satisfied'
            WHEN u_answer < 0.88 THEN 'dissatisfied' ELSE 'unreachable' END AS revisit_result,
       hash(i, 10) % 100 < 8 AS is_repeat,
       CASE WHEN hash(i, 23) % 20 = 0 THEN NULL ELSE hash(i, 24) % 10 <> 0 END AS first_contact,
       CASE WHEN hash(i, 25) % 20 = 0 THEN NULL ELSE hash(i, 26) % 5 <> 0 END AS resolved,
       '反映' || {pick(CATEGORIES, 'hash(i, 8)')} || '问题，请尽快处理' AS content,
       CAST(NULL AS VARCHAR) AS title,
       false AS due_at_derived,
       r.compound_name, r.street, r.community, r.compound_kind, r.management_mode,
       1 + year(received_at) - {START.year} AS import_id,
       strftime(received_at, '%Y-%m') AS {PARTITION}
FROM o JOIN registry r ON r.compound_name = '小区' || lpad(CAST(o.c AS VARCHAR), 5, '0')"""


def complaints_sql(rows: int) -> str:
    """A tenth as many complaints as orders, filed evenly over the same three years; 5% still open."""
    n = max(1, rows // 10)
    return f"""
WITH q AS (
  SELECT j, TIMESTAMP '{START:%Y-%m-%d}' + to_seconds(CAST(CAST(j AS HUGEINT) * {SECONDS} // {n} AS BIGINT)) AS filed_at,
         CAST(hash(j, 31) % {COMPOUNDS} AS BIGINT) AS c, hash(j, 32) % 100 < 5 AS still_open
  FROM range({n}) t(j))
SELECT 'TS' || lpad(CAST(j AS VARCHAR), 9, '0') AS complaint_id, filed_at,
       {pick(SOURCES, 'hash(j, 33)')} AS source,
       r.street AS street_export, r.community AS community_export, r.compound_name AS compound_raw,
       r.property_company, {pick(CATEGORIES, 'hash(j, 34)')} AS category,
       CASE WHEN still_open THEN '处理中' ELSE '已办结' END AS status,
       CASE WHEN still_open THEN NULL ELSE filed_at + to_seconds(CAST(3600 + hash(j, 35) % 864000 AS BIGINT)) END
         AS closed_at,
       CASE WHEN hash(j, 36) % 3 = 0 THEN 'GD' || lpad(CAST(hash(j, 37) % {rows} AS VARCHAR), 10, '0') END AS order_id,
       r.compound_name, r.street, r.community, r.compound_kind, r.management_mode,
       4 AS import_id,
       strftime(filed_at, '%Y-%m') AS {PARTITION}
FROM q JOIN registry r ON r.compound_name = '小区' || lpad(CAST(q.c AS VARCHAR), 5, '0')"""


def typed(kind: str, source: str) -> str:
    """The generated rows cast to the lake schema's columns and types, in its order (plus the partition column)."""
    cols = ", ".join(f"CAST({name} AS {typ}) AS {name}" for name, typ in columns(kind))
    tail = f", {PARTITION}" if kind != "compounds" else ""
    return f"SELECT {cols}{tail} FROM ({source})"


def generate(lake: Path, rows: int, work: Path) -> dict:
    """Write the lake (work_orders, complaints partitioned by lake_month; compounds; meta) and time each table."""
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    # no ORDER BY and insertion order not kept: PARTITION_BY splits the rows by month without a sort of 100M rows;
    # a memory limit leaves room for the other processes of a shared machine
    con = duckdb.connect(config={"temp_directory": str(work / "duckdb_tmp"), "preserve_insertion_order": "false",
                                 "memory_limit": "6GB"})
    timings = {}
    started = time.perf_counter()
    con.execute(f"CREATE TEMP TABLE registry AS {typed('compounds', REGISTRY_SQL)}")
    (lake / "compounds").mkdir()
    con.execute(f"COPY registry TO '{lake / 'compounds' / 'data.parquet'}' (FORMAT parquet)")
    timings["compounds_s"] = time.perf_counter() - started
    for kind, sql in (("work_orders", orders_sql(rows)), ("complaints", complaints_sql(rows))):
        t0 = time.perf_counter()
        con.execute(f"""COPY ({typed(kind, sql)}) TO '{lake / kind}'
                        (FORMAT parquet, PARTITION_BY ({PARTITION}), ROW_GROUP_SIZE 1000000)""")
        timings[f"{kind}_s"] = time.perf_counter() - t0
    fields = ",".join(sorted(f.name for f in WORK_ORDERS.fields))
    (lake / "meta").mkdir()
    con.execute(f"""COPY (SELECT 'import_fields:' || y AS key, '{fields}' AS value FROM range(1, 4) t(y))
                    TO '{lake / 'meta' / 'data.parquet'}' (FORMAT parquet)""")
    counts = {t: con.execute(f"SELECT count(*) FROM read_parquet('{lake / t}/**/*.parquet')").fetchone()[0]
              for t in ("work_orders", "complaints", "compounds", "meta")}
    con.close()
    shutil.rmtree(work / "duckdb_tmp", ignore_errors=True)
    size = sum(p.stat().st_size for p in lake.rglob("*.parquet"))
    return {"seconds": time.perf_counter() - started, **timings, "rows": counts, "lake_gb": size / 1e9,
            "files": sum(1 for _ in lake.rglob("*.parquet"))}


# ---- 2. the rollup job, on each engine ---------------------------------------------------------------

def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc: the JVM pyspark starts is a child)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run_job(engine: str, lake: Path, out: Path, config: Path, log: Path, timeout: float) -> dict:
    """`python -m metrics rollup --engine ENGINE` as a subprocess: wall seconds, peak RSS of its process tree
    (sampled every 0.5 s), exit code, its last lines; killed (whole group) after `timeout` seconds."""
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "metrics", "rollup", "--engine", engine, "--lake", str(lake), "--out", str(out)]
    env = {**os.environ, "DASHBOARD_CONFIG": str(config)}
    peak, started = 0, time.perf_counter()
    with open(log, "wb") as f:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        timed_out = False
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            if time.perf_counter() - started > timeout:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                break
            time.sleep(0.5)
    seconds = time.perf_counter() - started
    text = log.read_text(errors="replace").strip().splitlines()
    error = next((line for line in text if "Error" in line or "Exception" in line), None)
    return {"engine": engine, "seconds": seconds, "peak_rss_gb": peak / 2**30, "returncode": process.returncode,
            "timed_out": timed_out, "ok": process.returncode == 0 and not timed_out, "tail": text[-3:],
            "first_error": error, "command": " ".join(command[1:]), "out": str(out)}


def variant_config(work: Path, driver_memory: str) -> Path:
    """config.yaml with the `spark` key this machine can run 100M orders with: driver memory (local mode runs
    everything in the driver), shuffle partitions and Spark's scratch folder under the work folder."""
    config = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    scratch = work / "spark_tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    config["spark"] = {**(config.get("spark") or {}), "master": "local[*]", "driver_memory": driver_memory,
                       "shuffle_partitions": 16,
                       "conf": {"spark.local.dir": str(scratch), "spark.driver.maxResultSize": "4g"}}
    path = work / "config-scale-out.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ---- 3. the two files compared -------------------------------------------------------------------

CUBE_KEY = ("kind", "period_start", "grouping_set", "street", "community", "compound_name")


def compare(a: Path, b: Path) -> dict:
    """Every rollup table of the two files: counts equal row for row (EXCEPT ALL both ways), the cube's quantiles
    within 1e-12 relative (the largest difference found is printed)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for table in rollup.tables():
        n_a = con.execute(f"SELECT count(*) FROM a.{table}").fetchone()[0]
        n_b = con.execute(f"SELECT count(*) FROM b.{table}").fetchone()[0]
        if table == "close_hours_cube":
            on = " AND ".join(f"x.{k} IS NOT DISTINCT FROM y.{k}" for k in CUBE_KEY)
            rel = lambda c: f"abs(x.{c} - y.{c}) / greatest(abs(x.{c}), 1e-300)"   # noqa: E731
            matched, worst_median, worst_p90 = con.execute(f"""
                SELECT count(*), max({rel('median_close_hours')}), max({rel('p90_close_hours')})
                FROM a.{table} x JOIN b.{table} y ON {on}""").fetchone()
            worst = max(worst_median or 0.0, worst_p90 or 0.0)
            out[table] = {"rows": [n_a, n_b], "matched": matched, "max_rel_diff": worst,
                          "equal": n_a == n_b == matched and worst <= 1e-12}
        else:
            only_a = con.execute(f"SELECT count(*) FROM (FROM a.{table} EXCEPT ALL FROM b.{table})").fetchone()[0]
            only_b = con.execute(f"SELECT count(*) FROM (FROM b.{table} EXCEPT ALL FROM a.{table})").fetchone()[0]
            out[table] = {"rows": [n_a, n_b], "only_duckdb": only_a, "only_spark": only_b,
                          "equal": n_a == n_b and only_a == only_b == 0}
    con.close()
    return out


# ---- 4. 总览 in chromium from the Spark-built file ------------------------------------------------------

def render(db: Path, work: Path, warm_rounds: int) -> dict:
    """Start `streamlit run dashboard.py` on the file, sign in as a district admin, time from pressing 登录 until the
    工单总量 card shows and the page has settled: the first time after the server started (cold), then in fresh
    browser contexts (warm: the server's caches filled). The cards shown are kept."""
    from playwright.sync_api import sync_playwright
    from test_browser import ADMIN, CHROMIUM, CHROMIUM_ARGS, add_admin, metrics, serving, settle

    add_admin(db)
    timings = []
    cards = {}
    with serving(db, work) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            for _ in range(1 + warm_rounds):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
                context.set_default_timeout(300_000)
                page = context.new_page()
                page.goto(url, timeout=300_000)
                page.get_by_label("登录名").fill(ADMIN[0])
                page.get_by_label("密码").fill(ADMIN[1])
                start = time.perf_counter()
                page.get_by_label("密码").press("Enter")
                page.locator("[data-testid='stMetric']", has_text=ORDERS_CARD).first.wait_for(timeout=300_000)
                shown = time.perf_counter() - start
                settle(page)
                timings.append({"cards_s": shown, "settled_s": time.perf_counter() - start - 1.0})  # settle waits 2x0.5 s
                cards = metrics(page)
                context.close()
        finally:
            browser.close()
    warm = timings[1:]
    return {"cold": timings[0], "warm_best": min(warm, key=lambda t: t["cards_s"]) if warm else None,
            "warm": warm, "cards": cards}


# ---- the run -------------------------------------------------------------------------------------

def fmt_s(value) -> str:
    return "-" if value is None else f"{value:,.1f} s"


def report(out: dict) -> None:
    rows = out["rows"]
    print(f"\n== Scale-out: {rows:,} orders ({out['machine']}) ==")
    g = out.get("generate")
    if g:
        print(f"lake generated (DuckDB SQL → Parquet)   {fmt_s(g['seconds'])}   {g['rows']['work_orders']:,} orders, "
              f"{g['rows']['complaints']:,} complaints, {g['rows']['compounds']:,} compounds, "
              f"{g['lake_gb']:.2f} GB in {g['files']} files")
    for engine in ("duckdb", "spark"):
        j = out.get(engine)
        if j:
            state = "ok" if j["ok"] else ("timed out" if j["timed_out"] else f"failed (exit {j['returncode']}): "
                                          f"{j['first_error']}")
            print(f"rollup job on {engine:<6}                  {fmt_s(j['seconds'])}   peak RSS {j['peak_rss_gb']:.2f} GiB"
                  f"   {state}")
    c = out.get("compare")
    if c:
        equal = all(t["equal"] for t in c.values())
        worst = c["close_hours_cube"]["max_rel_diff"]
        print(f"files equal (counts exact, quantiles ≤1e-12 rel.)  {'yes' if equal else 'NO'}   "
              f"largest quantile difference {worst:.2e} relative")
        for table, t in c.items():
            print(f"    {table:<28} rows {t['rows'][0]:>10,} / {t['rows'][1]:>10,}   {'equal' if t['equal'] else 'DIFFER'}")
    r = out.get("render")
    if r:
        print(f"总览 from the {r['file']} file, cold       cards {fmt_s(r['cold']['cards_s'])}, "
              f"settled {fmt_s(r['cold']['settled_s'])}")
        if r["warm_best"]:
            print(f"总览 warm (best of {len(r['warm'])})              cards {fmt_s(r['warm_best']['cards_s'])}, "
                  f"settled {fmt_s(r['warm_best']['settled_s'])}")
        print(f"    cards shown: {r['cards']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--work", type=Path, default=None, help="folder of the lake and files (default benchmarks/work/scale_out/ROWS)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {','.join(STEPS)}")
    parser.add_argument("--driver-memory", default="14g", help="Spark driver memory (local mode: all of Spark)")
    parser.add_argument("--timeout", type=float, default=2700, help="seconds before a rollup job is killed")
    parser.add_argument("--warm", type=int, default=3, help="warm renders after the cold one")
    parser.add_argument("--clean", action="store_true", help="delete the lake and the files at the end")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the runs' file (default "
                        "benchmarks/scale_out_results.json, the committed figures: a smoke run names another)")
    args = parser.parse_args()
    steps = [s for s in args.steps.split(",") if s]
    work = (args.work or WORK / str(args.rows)).resolve()
    work.mkdir(parents=True, exist_ok=True)
    lake, files = work / "lake", {e: work / f"rollups_{e}.duckdb" for e in ("duckdb", "spark")}
    out = {"rows": args.rows, "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                         f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
           "at": dt.datetime.now().isoformat(timespec="seconds"), "driver_memory": args.driver_memory,
           "command": " ".join([Path(sys.executable).name, *sys.argv])}
    partial = work / "results.json"   # the steps of this size so far (a later run with --steps adds to them)
    if partial.exists():
        out = {**json.loads(partial.read_text()), **{k: out[k] for k in ("at", "command")}}

    def save():
        partial.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))

    if "generate" in steps:
        print(f"generating {args.rows:,} orders into {lake} ...", flush=True)
        out["generate"] = generate(lake, args.rows, work)
        save()
    config = variant_config(work, args.driver_memory)
    for engine in ("duckdb", "spark"):
        if engine in steps:
            print(f"rollup job on {engine} ...", flush=True)
            out[engine] = run_job(engine, lake, files[engine], config, work / f"rollup_{engine}.log", args.timeout)
            save()
    if "compare" in steps and all(out.get(e, {}).get("ok") for e in files):
        out["compare"] = compare(files["duckdb"], files["spark"])
        save()
    if "render" in steps:
        # the Spark-built file, unless Spark did not finish: then the DuckDB one (the same tables), said so
        engine = "spark" if out.get("spark", {}).get("ok") else "duckdb"
        print(f"总览 in chromium from the {engine}-built file ...", flush=True)
        out["render"] = {"file": engine, **render(files[engine], work, args.warm)}
        save()
    report(out)
    results = args.results
    runs = json.loads(results.read_text()) if results.exists() else []
    runs = [r for r in runs if r.get("rows") != args.rows] + [out]
    results.write_text(json.dumps(runs, ensure_ascii=False, indent=2, default=str) + "\n")
    shown = results.resolve()
    print(f"\nwritten: {shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown}")
    if args.clean:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
