"""Undoing an import: the rows it added are removed and the rows it updated return to their earlier values
(metrics.ingest.importer keeps them in replaced_<table> under the import's id), the rollups of the months touched are
rebuilt, and the undo itself is audited.

Rule: only the latest import of a dataset that is not undone yet may be undone (then the one before it, and so
on). A later import of the same dataset may have updated the very rows this one wrote, and its own kept rows
are this one's values: undoing out of order would bring back rows that never existed together. Imports of
other datasets do not block: a registry imported later is applied again (every order and complaint is
re-matched to it) after an undo of orders or complaints, as after any registry import.

The import stays in import_log (its id is never reused: rejection files and audit entries name it); the undo is
recorded in meta as `undone_import:<id>` and in the audit log.

Scope: an admin of a street (community) undoes only imports made under its street (community), as its import
history lists them (metrics.ingest.quality.imports_in); another import is refused as an unknown id is, naming nothing of
it, and a later import outside its scope that blocks an undo is not named either."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

import store
from metrics import names, rollup
from metrics.db import one, quote, rows, scalar
from metrics.ingest.importer import REPLACED_TABLE, refresh_hot
from metrics.ingest.quality import imports_in
from metrics.schema import DATASETS

from . import UndoRefused, audit

UNDONE_KEY = "undone_import:{import_id}"


def undoable_imports(con, scope=None) -> list[int]:
    """The imports `scope` may undo now (the rule above): of each dataset, the latest import not undone yet, when it
    was made under `scope` (metrics.ingest.quality.imports_in). The import page offers these."""
    undone = undone_imports(con)
    inside, params = imports_in(con, scope)
    latest = {}
    for r in rows(con, f"SELECT import_id, kind, {inside} AS shown FROM import_log ORDER BY import_id DESC", params):
        if r["import_id"] not in undone:
            latest.setdefault(r["kind"], r)
    return sorted((r["import_id"] for r in latest.values() if r["shown"]), reverse=True)


def undone_imports(con) -> dict[int, dict]:
    """import_id -> {at, actor} of every undone import."""
    return {int(r["key"].split(":")[1]): json.loads(r["value"])
            for r in rows(con, "SELECT key, value FROM meta WHERE key LIKE 'undone_import:%'")}


def undo_import(db: Path, import_id: int, actor: str, config: dict, *, scope=None, address: str | None = None,
                on_wait=None, now: dt.datetime | None = None) -> dict:
    """Undo one import through the store's writer (one writer at a time; readers see the result once it is
    published); what it did, as audited. UndoRefused, audited too, when the rule above forbids it or the import
    lies outside `scope` (the acting account, or a (street, community) pair; None: the district)."""
    now = now or dt.datetime.now()
    done = {}

    def after(published, cause):   # under the write lock: a process killed before it leaves the entry to recovery
        outcome, details = "ok", done["summary"]
        if not published:
            zh, en = store.describe(cause)
            outcome = "unpublished"
            details = {**details, "not_published": f"已撤销，但快照未能发布（{zh}） / undone, but the snapshot could not "
                                                   f"be published ({en})"}
        audit.record(db, "undo_import", login=actor, address=address, target=done["summary"]["file_name"],
                     outcome=outcome, details=details, now=now)

    try:
        with store.writer(Path(db), config, what=f"撤销导入 #{import_id} / undo import", on_wait=on_wait,
                          after=after) as con:
            done["summary"] = _undo(con, int(import_id), actor, config, now, scope)
    except UndoRefused as exc:
        audit.record(db, "undo_import", login=actor, address=address, target=f"#{import_id}", outcome="refused",
                     details={"reason": str(exc)}, now=now)
        raise
    return done["summary"]


def _undo(con, import_id: int, actor: str, config: dict, now: dt.datetime, scope=None) -> dict:
    inside, params = imports_in(con, scope)
    log = one(con, f"SELECT import_id, kind, file_name, imported_at, rows_new, rows_updated FROM import_log "
                   f"WHERE import_id = $import_id AND {inside}", {**params, "import_id": import_id})
    if not log:   # another street's import reads as one that does not exist
        if inside == "true":
            raise UndoRefused(f"没有编号为 {import_id} 的导入 / there is no import {import_id}")
        raise UndoRefused(f"没有编号为 {import_id} 的导入，或不在本账号范围 / there is no import {import_id} in this "
                          "account's scope")
    undone = undone_imports(con)
    if import_id in undone:
        raise UndoRefused(f"导入 #{import_id}（{log['file_name']}）已于 {undone[import_id]['at']} 撤销 / import "
                          f"{import_id} was undone already")
    later = [r for r in rows(con, f"SELECT import_id, file_name, {inside} AS shown FROM import_log "
                                  "WHERE kind = $kind AND import_id > $import_id ORDER BY import_id",
                             {**params, "kind": log["kind"], "import_id": import_id})
             if r["import_id"] not in undone]
    if any(not r["shown"] for r in later):
        raise UndoRefused(f"只能撤销同类数据最近的一次导入：导入 #{import_id}（{log['file_name']}）之后还有本账号范围外的导入，"
                          f"请区级管理员处理 / only the latest import of a dataset can be undone: import {import_id} "
                          "was followed by an import outside this account's scope; ask a district admin")
    if later:
        names_ = "、".join(f"#{r['import_id']}（{r['file_name']}）" for r in later)
        raise UndoRefused(f"只能撤销同类数据最近的一次导入：导入 #{import_id}（{log['file_name']}）之后还有 {names_}，"
                          f"请先撤销后者 / only the latest import of a dataset can be undone: undo "
                          f"{', '.join('#' + str(r['import_id']) for r in later)} first")
    dataset = DATASETS[log["kind"]]
    table, kept_table = dataset.table, REPLACED_TABLE.format(table=dataset.table)
    has_kept = scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [kept_table]) > 0
    kept = scalar(con, f"SELECT count(*) FROM {kept_table} WHERE replaced_by = ?", [import_id]) if has_kept else 0
    if kept != log["rows_updated"]:
        raise UndoRefused(f"导入 #{import_id} 早于撤销功能，未保存它更新前的 {log['rows_updated']} 行，无法撤销 / import "
                          f"{import_id} predates undo: the {log['rows_updated']} rows it updated were not kept")
    main = dataset.main_timestamp
    con.execute("BEGIN TRANSACTION")
    try:
        span = None
        if main:   # the months the removed rows and the restored ones lie in: the rollups rebuilt
            span = one(con, f"""SELECT min(t) AS first, max(t) AS last FROM (
                                    SELECT {quote(main)} AS t FROM {table} WHERE import_id = $id
                                    {f'UNION ALL SELECT {quote(main)} FROM {kept_table} WHERE replaced_by = $id'
                                     if has_kept else ''})""", {"id": import_id})
        removed = scalar(con, f"SELECT count(*) FROM {table} WHERE import_id = ?", [import_id])
        if removed != log["rows_new"] + log["rows_updated"]:
            raise UndoRefused(f"导入 #{import_id} 写入的 {log['rows_new'] + log['rows_updated']} 行现有 {removed} 行，"
                              f"数据已被改动，无法撤销 / import {import_id} wrote {log['rows_new'] + log['rows_updated']} "
                              f"rows, {removed} are left: the data changed since, not undone")
        con.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id])
        if has_kept:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (replaced_by) FROM {kept_table} "
                        "WHERE replaced_by = ?", [import_id])
            con.execute(f"DELETE FROM {kept_table} WHERE replaced_by = ?", [import_id])
        registry_after = [r["import_id"] for r in rows(con, "SELECT import_id FROM import_log WHERE kind = 'compounds' "
                                                            "AND import_id > ?", [import_id])
                          if r["import_id"] not in undone]
        if dataset.kind == "compounds" or registry_after:
            names.resolve_compounds(con, config)   # the orders and complaints matched to the registry as it is now
            rollup.refresh(con, "compounds")       # as a registry import does: every month
        else:
            rollup.refresh(con, dataset.kind, span["first"] if span else None, span["last"] if span else None)
        refresh_hot(con, dataset.kind, None, config)   # the hot issues (metrics.hot) without the undone rows
        summary = {"import_id": import_id, "kind": dataset.kind, "file_name": log["file_name"],
                   "rows_removed": int(log["rows_new"]), "rows_restored": int(log["rows_updated"]),
                   "imported_at": log["imported_at"].isoformat(sep=" ") if log["imported_at"] else None,
                   "undone_at": now.isoformat(sep=" ", timespec="seconds"), "actor": actor}
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [UNDONE_KEY.format(import_id=import_id),
                     json.dumps({"at": summary["undone_at"], "actor": actor}, ensure_ascii=False)])
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass   # a failed COMMIT (a full disk) ended the transaction itself: its error is the one to tell
        raise
    return summary
