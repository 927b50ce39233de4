"""`python -m metrics lake export`: the clean tables as Parquet, orders and complaints partitioned by the month of
their main time (lake_month=YYYY-MM), read back equal to the database row for row (issue 15's lake layout)."""
import os
import subprocess
import sys

import duckdb
import pytest
from conftest import ROOT

from metrics.scale.lake import PARTITION, read_sql


@pytest.mark.slow
def test_export_reads_back_equal_row_for_row(store_db, tmp_path):
    out = tmp_path / "lake's"   # a quote in the folder name is doubled, not an SQL error
    done = subprocess.run([sys.executable, "-m", "metrics", "lake", "export", "--db", str(store_db), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DASHBOARD_LOG": os.devnull})
    assert done.returncode == 0, done.stderr
    # the hand-counted fixture: 4 registry compounds, 13 orders, 4 complaints
    assert done.stdout.splitlines() == [f"compounds: 4 rows -> {out / 'compounds'}",
                                        f"work_orders: 13 rows -> {out / 'work_orders'}",
                                        f"complaints: 4 rows -> {out / 'complaints'}",
                                        f"meta: 3 rows -> {out / 'meta'}"]
    # orders received in May (W10), June (W1-W9, W12, W13) and July (W11); complaints in May (C3) and June
    assert sorted(p.name for p in (out / "work_orders").iterdir()) == [
        f"{PARTITION}=2024-05", f"{PARTITION}=2024-06", f"{PARTITION}=2024-07"]
    assert sorted(p.name for p in (out / "complaints").iterdir()) == [f"{PARTITION}=2024-05", f"{PARTITION}=2024-06"]
    import store

    con = duckdb.connect()
    snapshot = store.current_snapshot(store_db)
    con.execute(f"ATTACH '{snapshot}' AS db (READ_ONLY)")
    for table in ("compounds", "work_orders", "complaints"):
        lake = read_sql(out, table)
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM db.{table}").fetchall()]
        assert [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {lake}").fetchall()] == columns, table
        for a, b in ((f"db.{table}", lake), (lake, f"db.{table}")):
            assert con.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})").fetchone()[0] == 0
    # meta carries what each of the 3 imports' files had, and nothing else of the database's meta
    keys = [k for k, in con.execute(f"SELECT key FROM {read_sql(out, 'meta')} ORDER BY key").fetchall()]
    assert keys == [k for k, in con.execute("SELECT key FROM db.meta WHERE key LIKE 'import_fields:%' ORDER BY key").fetchall()]
    assert len(keys) == 3 and all(k.startswith("import_fields:") for k in keys)
    # a partition holds its month's orders only
    months = con.execute(f"""SELECT {PARTITION}, count(*), bool_and(strftime(received_at, '%Y-%m') = {PARTITION})
                             FROM read_parquet('{str(out / "work_orders").replace("'", "''")}/*/*.parquet',
                                               hive_partitioning = true) GROUP BY 1 ORDER BY 1""").fetchall()
    assert [(m, n) for m, n, _ in months] == [("2024-05", 1), ("2024-06", 11), ("2024-07", 1)]
    assert all(ok for _, _, ok in months)
