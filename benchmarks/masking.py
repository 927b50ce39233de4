"""The masker's speed on a large column: the SQL form the importer types every free-text cell with (DuckDB's
RE2, metrics.masking.sql) and mask_text (Python re, for messages and file names).

    .venv/bin/python benchmarks/masking.py --rows 2000000
    .venv/bin/python benchmarks/masking.py --rows 20000 --repeat 1 --python 2000     (smoke run, a second: the tests)

The column is built like a hotline export's 诉求内容: short complaints (most with a building number), some with a
date and time written out, about 2% with a phone or an ID number (as the demo exports), and a few with the other
forms the masker knows. Prints the CPU seconds (best of --repeat runs, each into a temporary table; one thread, as
an import writes with store.write_threads: 1; CPU time, as a busy machine makes wall time vary by half) of a plain
copy of the column, of the candidate test alone (which cells the chain of patterns is run on) and of the masked
copy, the masking's share (masked less plain), and mask_text's over the first --python cells. Asserts nothing."""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from metrics import masking  # noqa: E402

PLAIN = ["{b}号楼单元门禁损坏，长期无人维修", "小区路灯多处不亮，夜间出行不便", "{b}号楼顶层屋面渗水，墙面发霉",
         "物业费收费标准不透明，要求公示收支明细", "{b}号楼住户夜间装修噪音扰民", "楼上卫生间漏水至楼下住户",
         "{b}号楼电梯频繁故障停运", "小区垃圾清运不及时，异味严重", "咨询加装电梯补贴办理流程",
         "市民反映{b}号楼{b}单元{b}01室自{y}年{m}月起多次漏水，物业维修{n}次未果，要求彻底解决，费用1,234.50元由谁承担请明确"]
DATED = ["{y}-{m:02d}-{d:02d} {h:02d}:00报修{b}号楼暖气不热，至今未处理", "工单GD{y}{m:02d}{d:02d}{n:05d}回访：已处理",
         "{y}.{m:02d}.{d:02d}起停车费上调，共{n}户反映"]
PERSONAL = ["，联系电话1{p}{r:09d}", "，身份证号320602{y}{m:02d}{d:02d}{n:03d}{c}", "，电话1{p}{a:01d} {r4:04d} {s4:04d}",
            "，座机0513-8{r7:07d}"]
FORMS = ["，回电 {spaced}", "，身份证 3206 02{y2} {y3}{m:02d} {d:02d}{n2:02d} {n3}{c}",
         "，邮箱 张三{n}@例子.中国", "，电话一三八一二三四五六七八", "，手机幺三九〇〇一三九〇〇一"]


def column(rows: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(rows):
        v = dict(b=rng.randint(1, 30), y=rng.randint(2019, 2025), m=rng.randint(1, 12), d=rng.randint(1, 28),
                 h=rng.randint(8, 18), n=rng.randint(1, 999), p=rng.choice("3456789"), r=rng.randrange(10**9),
                 a=rng.randint(0, 9), r4=rng.randrange(10**4), s4=rng.randrange(10**4), r7=rng.randrange(10**7),
                 c=rng.choice("0123456789X"), y2=rng.randint(10, 20))
        v.update(y3=str(v["y"])[2:], n2=v["n"] % 100, n3=v["n"] % 10, spaced=" ".join(f"138{v['r'] % 10**8:08d}"))
        r = rng.random()
        text = (rng.choice(DATED) if r < 0.10 else rng.choice(PLAIN)).format(**v)
        r = rng.random()
        if r < 0.02:
            text += rng.choice(PERSONAL).format(**v)
        elif r < 0.025:
            text += rng.choice(FORMS).format(**v)
        out.append(text)
    return out


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--python", type=int, default=200_000, help="cells mask_text is timed on")
    args = parser.parse_args()
    texts = column(args.rows)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    con.register("texts", pa.table({"x": pa.array(texts, pa.string())}))
    con.execute("CREATE TABLE t AS SELECT x FROM texts")
    con.unregister("texts")
    expr, params = masking.sql("x")

    def run(select: str, p=()):
        con.execute(f"CREATE OR REPLACE TEMP TABLE out AS SELECT {select} AS y FROM t", list(p))

    plain = best(lambda: run("x"), args.repeat)
    masked = best(lambda: run(expr, params), args.repeat)
    looked = best(lambda: run(f"CASE WHEN length(x) >= {masking.SHORTEST} AND regexp_matches(x, ?) THEN '' ELSE x END",
                              [masking.CANDIDATE]), args.repeat)
    changed = con.execute(f"SELECT count(*) FILTER ({expr} <> x) FROM t", params).fetchone()[0]
    candidates = con.execute("SELECT count(*) FILTER (length(x) >= ? AND regexp_matches(x, ?)) FROM t",
                             [masking.SHORTEST, masking.CANDIDATE]).fetchone()[0]
    sample = texts[:args.python]
    python = best(lambda: [masking.mask_text(t) for t in sample], args.repeat)
    print(f"rows {args.rows:,}; candidates {candidates:,} ({candidates / args.rows:.1%}); masked {changed:,} "
          f"({changed / args.rows:.1%}); threads {con.execute('SELECT current_setting(?)', ['threads']).fetchone()[0]}")
    print(f"SQL copy of the column      {plain:7.3f} s")
    print(f"SQL candidate test alone    {looked:7.3f} s")
    print(f"SQL masked copy             {masked:7.3f} s")
    print(f"masking (the difference)    {masked - plain:7.3f} s  ({(masked - plain) / args.rows * 1e9:.0f} ns a cell)")
    print(f"mask_text, {len(sample):,} cells  {python:7.3f} s  ({python / len(sample) * 1e6:.2f} µs a cell)")


if __name__ == "__main__":
    main()
