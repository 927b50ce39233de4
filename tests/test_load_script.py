"""benchmarks/load.py works end to end on a tiny database (--quick: 2 sessions, 1 process, a 2,000-row import):
every render it counts settled without an error, the import published and both open pages showed the new data
by themselves. Function only: the figures it prints are never asserted (benchmarks are not timed tests)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_load_script_quick(tmp_path):
    out = tmp_path / "load.json"
    run = subprocess.run([sys.executable, "benchmarks/load.py", "--quick", "--timeout", "240", "--results", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    header = lines.index("sessions | processes | renders | renders/s | median s | p95 s | errors | open median s | "
                         "switch median s")
    cells = lines[header + 1].split(" | ")
    # 2 sessions on 1 process, each: open 总览 + 2 street picks = 6 renders, none failed
    assert (cells[0], cells[1], cells[2], cells[6]) == ("2", "1", "6", "0")
    assert "2/2 pages" in run.stdout

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["rows"] == 4000   # the archive: 2 years of 2,000 orders
    (load,) = figures["load"]
    assert (load["renders"], load["errors"], len(load["seconds"])) == (6, 0, 6)
    live = figures["import"]
    assert (live["no_import"]["renders"], live["no_import"]["errors"], live["open_errors"]) == (2, 0, 0)
    assert live["during_import"]["errors"] == 0
    assert live["import_exit"] == 0
    assert "read 2000 = new 2000 + updated 0 + unchanged 0 + duplicate 0 + rejected 0" in live["import_output"]
    assert live["orders_after"] == 6000
    assert live["new_data_pages"] == 2
    # each page's 工单总量 card is the engine's count on the new data for its street, and differs from the old
    assert (live["orders_card_new"], live["orders_card_moved"]) == (2, 2)
