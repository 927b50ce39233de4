"""The demo database: generated exports imported through the same path as a user's files."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import store
from metrics.database import connect
from metrics.ingest.importer import import_file

DEMO_FLAG = "is_demo"


def build_demo_database(db_path: Path, config: dict, *, progress=print, **generator_options) -> list:
    """Write the demo exports beside the database and import them into a fresh file, atomically
    (the finished file replaces any old one only when every import succeeded)."""
    from metrics.demo.exports import write_demo_exports

    db_path = Path(db_path)
    exports = db_path.parent / "exports"
    if exports.exists():
        shutil.rmtree(exports)
    progress("生成演示数据 / writing demo exports …")
    files = write_demo_exports(exports, **generator_options)
    fd, tmp = tempfile.mkstemp(suffix=".duckdb", dir=db_path.parent)
    os.close(fd)
    os.unlink(tmp)
    con = connect(tmp)
    results = []
    try:
        for i, (kind, path) in enumerate(files, start=1):
            progress(f"[{i}/{len(files)}] 导入 / importing {path.name} …")
            results.append(import_file(con, kind, path, config, rejection_dir=db_path.parent / "rejections"))
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, 'true')", [DEMO_FLAG])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    store.replace_master(db_path, Path(tmp), "生成演示数据库 / build the demo database", config)
    return results


def is_demo(con) -> bool:
    found = con.execute("SELECT value FROM meta WHERE key = ?", [DEMO_FLAG]).fetchone()
    return bool(found and found[0] == "true")
