"""Opening a dashboard database: its tables created on first use and brought up to date (columns added to an older
import log, the rollups built or rebuilt after a change of their layout). Every writer opens the master through
here (store's writer is handed this function: metrics/__init__.py), and so do the tests."""
from __future__ import annotations

from pathlib import Path

import duckdb

from metrics import rollup
from metrics.config import load_config
from metrics.db import quote, rows
from metrics.names import resolve_compounds
from metrics.rollup_state import meta, only
from metrics.schema import WORK_ORDERS, ddl, stored_name


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and on first use create) a dashboard database; None gives an in-memory one."""
    if path is None:
        con = duckdb.connect()
    else:
        path = Path(path)
        if read_only and not path.exists():
            raise FileNotFoundError(f"数据库不存在 / database not found: {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        if only(con):   # a file of the rollup job (metrics.scale.rollup_job): it stays rollups-only
            return con
        for statement in ddl():
            con.execute(statement)
        ensure_rollups(con)
    return con

def ensure_rollups(con) -> None:
    """Create (or, after a change of their layout, recreate) the rollups and fill them from the tables."""
    if meta(con).get("rollup_version") == rollup.VERSION:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        _infer_fields(con)
        if meta(con).get("rollup_version") in ("1", "2"):   # before version 3 an unmatched name was left null
            resolve_compounds(con, load_config())
        rollup.build(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _infer_fields(con) -> None:
    """Order imports from before their fields were recorded: a field counts as carried when any of the
    import's rows has a value in it (a 回访结果 column nobody filled is then read as absent)."""
    counts = ", ".join(f"count({quote(stored_name(WORK_ORDERS, f))}) AS {quote(f.name)}" for f in WORK_ORDERS.fields)
    for r in rows(con, f"""SELECT import_id, {counts} FROM work_orders
                           WHERE import_id IN (SELECT import_id FROM import_log WHERE kind = 'work_orders')
                             AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'import_fields:' || import_id)
                           GROUP BY import_id"""):
        carried = sorted(f.name for f in WORK_ORDERS.fields if r[f.name])
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [rollup.FIELDS_KEY.format(import_id=r["import_id"]), ",".join(carried)])


