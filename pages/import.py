"""数据导入 Import: the templates, uploads with a preview of the detected mapping, the import with its row
accounting and rejection file, the import history and the data-quality lists (unmatched compound names,
rejections and warnings by column)."""
import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

import store
from access import UndoRefused
from access.undo import undo_import
from metrics import formatting as fmt
from metrics.config import database_path
from metrics.ingest import uploads
from metrics.ingest.importer import plausible_window
from metrics.ingest.readers import ImportFailure
from metrics.kpis import Scope
from metrics.schema import DATASETS, IMPORT_CHECKS
from ui import connection, downloads, engine, frame, language, signin, viewer
from ui.i18n import register, t, value_label

register({
    "imp_rollups_only": ("此数据库只含月度汇总，由汇总作业从数据湖 {lake} 生成（{built_at}，{engine}），不能在此导入。"
                         "新数据请写入数据湖，再运行 python -m metrics rollup 重新生成。",
                         "This database holds the monthly rollups only, built by the rollup job from the lake {lake} "
                         "({built_at}, {engine}): nothing can be imported into it. Put new data into the lake and run "
                         "python -m metrics rollup again."),
    "imp_demo_note": ("当前显示的是演示数据。导入的文件将写入新的用户数据库 {path}，演示数据保持不变；"
                      "首次导入后看板自动切换到导入的数据。",
                      "You are looking at the demo data. Imported files go into a new user database, {path}; "
                      "the demo data stays untouched, and after the first import the dashboard shows your data."),
    "imp_templates_title": ("1. 下载导入模板", "1. Download a template"),
    "imp_templates_caption": ("每个模板的“填写说明”工作表列出各列的含义、同义表头和可填的值。平台导出的原始文件也可以直接导入。",
                              "Each template's 填写说明 sheet lists every column, its synonyms and accepted values. "
                              "Exports straight from the platforms import as well."),
    "imp_template_compounds": ("小区台账模板", "Compound registry template"),
    "imp_template_work_orders": ("工单导入模板", "Work order template"),
    "imp_template_complaints": ("投诉导入模板", "Complaint template"),
    "imp_upload_title": ("2. 选择数据类型并上传文件", "2. Choose the dataset and upload files"),
    "imp_kind": ("数据类型", "Dataset"),
    "imp_kind_compounds": ("小区台账", "Compound registry"),
    "imp_kind_work_orders": ("工单", "Work orders"),
    "imp_kind_complaints": ("投诉", "Complaints"),
    "imp_order_hint": ("建议先导入小区台账：工单和投诉中的小区名称要与台账匹配（之后再导入台账也会重新匹配已导入的记录）。",
                       "Import the compound registry first: compound names in orders and complaints are matched "
                       "to it (a registry imported later re-matches the records already imported)."),
    "imp_scope_note": ("本账号只能导入{scope}的数据：文件中不在本账号范围内的行（包括无法确定街道的行）不会导入，问题清单列出它们的行号。",
                       "This account imports {scope}'s data only: rows of the file outside its scope (rows whose street "
                       "cannot be told among them) are not imported; the issue list gives their row numbers."),
    "imp_files": ("上传文件（.xlsx 或 .csv，可多选）", "Upload files (.xlsx or .csv, several at once)"),
    "imp_limits": ("上传限制：每个文件不超过 {file_mb} MB，一次最多 {files} 个文件、合计不超过 {import_mb} MB。",
                   "Upload limits: {file_mb} MB per file; at most {files} files and {import_mb} MB in all per import."),
    "imp_preview_title": ("3. 预览：识别出的列", "3. Preview: the columns recognised"),
    "imp_preview_caption": ("映射方案 {profile} · 编码 {encoding} · 表头在第{header_row}行 · 共{rows}行数据",
                            "Profile {profile} · encoding {encoding} · header on row {header_row} · {rows} data rows"),
    "imp_field": ("字段", "Field"),
    "imp_header_in_file": ("文件中的列名", "Column in the file"),
    "imp_not_in_file": ("（文件中没有）", "(not in the file)"),
    "imp_personal_dropped": ("以下个人信息列不会导入，导入时直接丢弃：{columns}",
                             "These personal-data columns are dropped at import and never stored: {columns}"),
    "imp_ignored": ("未识别、不导入的列：{columns}", "Columns not recognised (not imported): {columns}"),
    "imp_sample": ("前{n}行（按导入后的样子显示，诉求内容中的电话、身份证号已隐藏）",
                   "First {n} rows as they will be stored (phone and ID numbers in the content masked)"),
    "imp_cannot_read": ("{file}：无法导入。{reason}", "{file}: cannot be imported. {reason}"),
    "imp_nothing_readable": ("上传的文件都无法导入，请检查数据类型和文件。", "None of the uploaded files can be imported: check the dataset and the files."),
    "imp_run": ("开始导入", "Import"),
    "imp_running": ("正在导入…", "Importing…"),
    "imp_queued": ("排队中：另一项写入正在进行，完成后自动开始导入。正在进行：{behind}",
                   "Queued: another write is running; this import starts when it is done. Running: {behind}"),
    "imp_progress": ("第{i}/{n}个文件：{file}", "File {i} of {n}: {file}"),
    "imp_finished": ("导入完成", "Import finished"),
    "imp_unpublished_status": ("已导入，但尚未发布", "Imported, not yet published"),
    "imp_finished_failures": ("导入完成，{n}个文件未能导入", "Import finished; {n} file(s) could not be imported"),
    "imp_result_title": ("导入结果：{kind}", "Import result: {kind}"),
    "imp_accounting": ("每一行都有去处：读取 = 新增 + 更新 + 未变 + 文件内重复 + 拒绝。警告的行已导入，有误的值置空。",
                       "Every row is accounted for: read = new + updated + unchanged + duplicate + rejected. "
                       "Rows with warnings are imported, with the bad value left blank."),
    "imp_created_db": ("已创建用户数据库 {path}，看板现在显示导入的数据。", "Created the user database {path}; the dashboard now shows your data."),
    "imp_undone": ("已撤销", "Undone"),
    "imp_undo_title": ("撤销导入（管理员）", "Undo an import (admins)"),
    "imp_undo_caption": ("撤销后，该次导入新增的记录被删除，更新过的记录恢复为导入前的值；每类数据只能从最近一次导入开始逐次撤销。撤销会记入审计日志。",
                         "Undoing removes the rows the import added and returns the rows it updated to their earlier "
                         "values; each dataset is undone newest first. The undo is written to the audit log."),
    "imp_undo_pick": ("选择要撤销的导入", "Import to undo"),
    "imp_undo_placeholder": ("每类数据最近一次未撤销的导入", "The latest import of each dataset not undone yet"),
    "imp_undo_option": ("#{id} {kind} · {file} · {at}（新增{new}条，更新{updated}条）", "#{id} {kind} · {file} · {at} ({new} new, {updated} updated)"),
    "imp_undo_confirm": ("我确认撤销这次导入", "I confirm undoing this import"),
    "imp_undo_run": ("撤销导入", "Undo the import"),
    "imp_undo_done": ("已撤销导入 #{id}（{file}）：删除{removed}条新增记录，恢复{restored}条更新前的记录。",
                      "Undid import #{id} ({file}): {removed} added rows removed, {restored} updated rows restored."),
    "imp_rejection_download": ("下载问题清单：{file}", "Download the issue list: {file}"),
    "imp_file": ("文件", "File"),
    "imp_profile": ("映射方案", "Profile"),
    "imp_read": ("读取", "Read"),
    "imp_new": ("新增", "New"),
    "imp_updated": ("更新", "Updated"),
    "imp_unchanged": ("未变", "Unchanged"),
    "imp_duplicate": ("文件内重复", "Duplicate in file"),
    "imp_rejected": ("拒绝", "Rejected"),
    "imp_warnings": ("警告", "Warnings"),
    "imp_balanced": ("核对", "Balanced"),
    "imp_history_title": ("导入记录", "Import history"),
    "imp_time": ("导入时间", "Imported at"),
    "imp_no_history": ("还没有导入记录。", "Nothing has been imported yet."),
    "imp_quality_title": ("数据质量", "Data quality"),
    "imp_unmatched_title": ("未匹配到台账的小区名称", "Compound names not found in the registry"),
    "imp_unmatched_caption": ("这些名称的工单和投诉计入街道和全区合计，并按导出名称单列为“未入台账”的小区（两个台账小区都使用的名称除外）。"
                              "在台账中补录该小区，或在台账“别名”列、config.yaml 的 compound_aliases 中添加别名后重新导入，即可匹配。",
                              "Their orders and complaints count in street and district totals and, under the exported "
                              "name, as a compound marked not in registry (unless two registry compounds claim the "
                              "name). Add the compound to the registry, or the name as an alias in the registry's 别名 "
                              "column or in config.yaml compound_aliases, then import again, and they match."),
    "imp_unmatched_none": ("所有小区名称都已匹配到台账。", "Every compound name matches the registry."),
    "imp_name_in_file": ("文件中的小区名称", "Compound name in the files"),
    "imp_suggestions": ("可能是", "Likely match"),
    "imp_issues_title": ("拒绝、重复和警告（按列）", "Rejections, duplicates and warnings by column"),
    "imp_issues_caption": ("每条被拒绝、重复或带警告的行的明细在每次导入的问题清单（Excel）中，行号与 Excel/WPS 中看到的一致。",
                           "Each import's issue list (Excel) has every such row, numbered as Excel/WPS shows it."),
    "imp_issues_none": ("没有被拒绝、重复或带警告的行。", "No rejected, duplicate or warned rows."),
    "imp_column": ("列名", "Column"),
    "imp_severity": ("处理", "Outcome"),
    "imp_reason": ("原因", "Reason"),
    "imp_rows": ("行数", "Rows"),
    "imp_sev_rejected": ("拒绝", "Rejected"),
    "imp_sev_duplicate": ("文件内重复", "Duplicate in file"),
    "imp_sev_warning": ("警告（已置空）", "Warning (left blank)"),
    "imp_chk_out_of_window_rejected": ("日期超出合理范围（拒绝）", "Date out of range (rejected)"),
    "imp_chk_out_of_window_blanked": ("日期超出合理范围（置空）", "Date out of range (left blank)"),
    "imp_chk_closed_before_received": ("办结早于受理", "Closed before received"),
    "imp_chk_due_before_received": ("时限早于受理", "Due before received"),
    "imp_chk_revisit_before_close": ("回访早于办结", "Revisit before close"),
    "imp_chk_revisit_while_open": ("未办结已回访", "Revisit on an open order"),
    "imp_checks_caption": ("日期早于 {earliest} 或晚于导入时间一天以上的：受理/投诉时间拒绝该行，其他日期置空。"
                           "办结早于受理、时限早于受理、回访早于办结、未办结已回访的行照常导入并记为警告，"
                           "这些工单的用时不计入办结用时中位数和90分位。",
                           "Dates before {earliest} or more than a day after the import: a received/filed time "
                           "rejects the row, other dates are left blank. Closed before received, due before received, "
                           "revisit before close and revisits on open orders are imported with a warning; their "
                           "durations stay out of the median and p90 hours to close."),
    "imp_mostly_rejected": ("{file}：读取{read}行，拒绝{rejected}行，请检查文件。主要原因：{reasons}",
                            "{file}: {rejected} of {read} rows rejected: check the file. Top reasons: {reasons}"),
    "imp_unmapped": ("{file}：未导入的列：{columns}", "{file}: columns not imported: {columns}"),
    "imp_missing": ("{file}：映射方案 {profile} 中有、文件中没有的字段：{fields}",
                    "{file}: fields of profile {profile} not found in the file: {fields}"),
})

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SAMPLE_ROWS = 5


def kind_label(kind: str, lang: str) -> str:
    return t(f"imp_kind_{kind}", lang)


def field_label(kind: str, name: str, lang: str) -> str:
    f = DATASETS[kind].field(name)
    return f.label_zh if lang == "zh" else f.label_en


def joined(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def shown_value(field, value, lang: str):
    """A typed preview value the way the dashboard writes it."""
    if value is None:
        return ""
    if field.kind == "bool":
        return t("yes" if value else "no", lang)
    if field.kind == "enum":
        return value_label(field.vocab, value, lang)
    if field.kind == "percent":
        return fmt.percent(value)
    if field.kind == "list":
        return joined(value, lang)
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@st.cache_data(show_spinner=False, max_entries=50, ttl=600)
def preview(name: str, digest: str, kind: str, _data: bytes) -> dict:
    """The preview of one upload, kept while the same bytes stay uploaded (hashing `digest`, not the bytes)."""
    try:
        return uploads.preview_upload(name, _data, kind, connection.config(), limit=SAMPLE_ROWS)
    except ImportFailure as failure:
        return {"error": str(failure)}


def mapping_table(kind: str, found: dict, lang: str) -> pd.DataFrame:
    fields = DATASETS[kind].fields
    return pd.DataFrame({
        t("imp_field", lang): [f.label_zh if lang == "zh" else f.label_en for f in fields],
        t("imp_header_in_file", lang): [found["columns"].get(f.name, t("imp_not_in_file", lang)) for f in fields],
    })


def sample_table(kind: str, found: dict, lang: str) -> pd.DataFrame:
    fields = [f for f in DATASETS[kind].fields if f.name in found["columns"]]
    return pd.DataFrame({(f.label_zh if lang == "zh" else f.label_en): [shown_value(f, r[f.name], lang)
                                                                         for r in found["sample"]]
                         for f in fields})


def failure_text(name: str, message: str, lang: str) -> str:
    return t("imp_cannot_read", lang, file=name, reason=uploads.in_language(uploads.reason(message, name), lang))


def show_preview(name: str, kind: str, found: dict, lang: str) -> None:
    if found.get("error"):
        st.error(failure_text(name, found["error"], lang), icon=":material/error:")
        return
    with st.expander(f"{name}", expanded=True, icon=":material/table_view:"):
        encoding = {"xlsx": "Excel"}.get(found["encoding"], found["encoding"].upper())
        st.caption(t("imp_preview_caption", lang, profile=found["profile"], encoding=encoding,
                     header_row=found["header_row"], rows=fmt.count(found["rows"])))
        left, right = st.columns([1, 2])
        with left:
            st.dataframe(mapping_table(kind, found, lang), hide_index=True, placeholder="—", height="content")
        with right:
            if found["personal_dropped"]:
                st.info(t("imp_personal_dropped", lang, columns=joined(found["personal_dropped"], lang)),
                        icon=":material/shield_person:")
            if found["ignored"]:
                st.caption(t("imp_ignored", lang,
                             columns=joined([uploads.in_language(c, lang) for c in found["ignored"]], lang)))
            st.markdown(f"**{t('imp_sample', lang, n=min(SAMPLE_ROWS, len(found['sample'])))}**")
            st.dataframe(sample_table(kind, found, lang), hide_index=True, placeholder="—")


def run_import(kind: str, files: list[tuple[str, bytes]], lang: str) -> dict:
    """Import into the user's database (created on first import; the demo is never written to)."""
    config = connection.config()
    created = not database_path(config).exists()
    with st.status(t("imp_running", lang), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(i, n, name):
            bar.progress(i / n, text=t("imp_progress", lang, i=i + 1, n=n, file=name))

        def queued(holder):
            st.info(t("imp_queued", lang, behind=uploads.in_language(holder.text(), lang) if holder else "?"),
                    icon=":material/hourglass_top:")

        who = viewer.account()
        try:   # confined to the account's street (community): rows outside it are rejected with their row number;
            # each file's audit entry is written under the write lock, once published (or known not to be)
            results = uploads.import_uploads(connection.user_database(), kind, files, config,
                                             rejection_dir=uploads.rejection_dir(config), progress=progress,
                                             on_wait=queued, record=viewer.record_import, scope=viewer.write_scope(),
                                             actor=who.login if who else None)
        except store.StoreError as refused:   # busy too long, no room on the disk: nothing was imported
            status.update(label=uploads.in_language(str(refused), lang), state="error", expanded=True)
            return {"kind": kind, "rows": [{"file": name, "error": str(refused)} for name, _ in files],
                    "created": False, "database": str(database_path(config))}
        bar.progress(1.0)
        failures = sum(isinstance(r, ImportFailure) for _, r in results)
        unpublished = sum(not isinstance(r, ImportFailure) and (not r.published or bool(r.not_audited))
                          for _, r in results)
        status.update(label=t("imp_finished_failures", lang, n=failures) if failures else
                      t("imp_unpublished_status", lang) if unpublished else t("imp_finished", lang),
                      state="error" if failures == len(results) or unpublished else "complete", expanded=False)
    return {"kind": kind, "rows": uploads.accounting(results), "created": created,
            "database": str(database_path(config))}


def accounting_table(rows: list[dict], lang: str) -> pd.DataFrame:
    done = [r for r in rows if not r["error"]]
    columns = {"file": "imp_file", "profile": "imp_profile", "rows_read": "imp_read", "rows_new": "imp_new",
               "rows_updated": "imp_updated", "rows_unchanged": "imp_unchanged", "rows_duplicate": "imp_duplicate",
               "rows_rejected": "imp_rejected", "warnings": "imp_warnings"}
    table = pd.DataFrame({t(key, lang): [r[name] for r in done] for name, key in columns.items()})
    table[t("imp_balanced", lang)] = ["✓" if r["balanced"] else "✗" for r in done]
    for check in IMPORT_CHECKS:
        table[t(f"imp_chk_{check}", lang)] = [r["checks"].get(check) for r in done]
    return table


def show_outcome(outcome: dict, lang: str, own: set) -> None:
    """The result of this tab's import; a rejection file only of an import the account's history lists (`own`)."""
    st.subheader(t("imp_result_title", lang, kind=kind_label(outcome["kind"], lang)))
    if outcome["created"] and any(not r["error"] for r in outcome["rows"]):
        st.success(t("imp_created_db", lang, path=outcome["database"]), icon=":material/database:")
    for r in outcome["rows"]:
        if r["error"]:
            st.error(failure_text(r["file"], r["error"], lang), icon=":material/error:")
            continue
        for problem in ("not_published", "not_audited"):
            if r.get(problem):
                st.warning(f"{r['file']}：{uploads.in_language(r[problem], lang)}", icon=":material/sync_problem:")
    if any(not r["error"] for r in outcome["rows"]):
        st.caption(t("imp_accounting", lang))
        st.dataframe(accounting_table(outcome["rows"], lang), hide_index=True, placeholder="—", key="imp_result_table")
        st.caption(t("imp_checks_caption", lang, earliest=plausible_window(connection.config(), dt.datetime.now())[0].date()))
    for r in outcome["rows"]:
        if r.get("mostly_rejected"):
            reasons = joined([f"{uploads.in_language(reason, lang)} × {fmt.count(n)}"
                              for reason, n in r["rejection_reasons"]], lang)
            st.error(t("imp_mostly_rejected", lang, file=r["file"], read=r["rows_read"], rejected=r["rows_rejected"],
                       reasons=reasons), icon=":material/error:")
        if r.get("unmapped_columns"):
            st.warning(t("imp_unmapped", lang, file=r["file"],
                         columns=joined([uploads.in_language(c, lang) for c in r["unmapped_columns"]], lang)))
        if r.get("missing_fields"):
            st.warning(t("imp_missing", lang, file=r["file"], profile=r["profile"],
                         fields=joined([field_label(outcome["kind"], f, lang) for f in r["missing_fields"]], lang)))
        for note in (r.get("notes") or []):
            st.caption(f"{r['file']}: {note}")
        path = r.get("rejection_file")
        if path and r["import_id"] in own:
            try:
                data = open(path, "rb").read()
            except OSError:
                continue
            name = path.replace("\\", "/").rsplit("/", 1)[-1]
            st.download_button(t("imp_rejection_download", lang, file=name), data, file_name=name, mime=XLSX,
                               key=f"imp_rejection_{r['import_id']}", icon=":material/download:",
                               on_click=downloads.downloaded, args=(name,))


def history_table(history: list[dict], undone: dict, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("imp_time", lang): [f"{r['imported_at']:%Y-%m-%d %H:%M}" for r in history],
        t("imp_kind", lang): [kind_label(r["kind"], lang) for r in history],
        t("imp_file", lang): [r["file_name"] for r in history],
        t("imp_profile", lang): [r["profile"] for r in history],
        t("imp_read", lang): [r["rows_read"] for r in history],
        t("imp_new", lang): [r["rows_new"] for r in history],
        t("imp_updated", lang): [r["rows_updated"] for r in history],
        t("imp_unchanged", lang): [r["rows_unchanged"] for r in history],
        t("imp_duplicate", lang): [r["rows_duplicate"] for r in history],
        t("imp_rejected", lang): [r["rows_rejected"] for r in history],
        t("imp_warnings", lang): [r["warnings"] for r in history],
        **{t(f"imp_chk_{c}", lang): [r[c] for r in history] for c in IMPORT_CHECKS},
        t("imp_undone", lang): [f"{undone[r['import_id']]['at']} {undone[r['import_id']]['actor'] or ''}".strip()
                                if r["import_id"] in undone else None for r in history],
    })


def undo_section(history: list[dict], undoable: list[int], lang: str) -> None:
    """Undo an import: the rows it added go, the rows it updated return to their earlier values (audited). Offered:
    the imports the account may undo now (access.undo.undoable_imports: the newest of each dataset, if its own)."""
    candidates = {r["import_id"]: r for r in history if r["import_id"] in undoable}
    with st.expander(t("imp_undo_title", lang), icon=":material/undo:"):
        st.caption(t("imp_undo_caption", lang))
        chosen = st.selectbox(t("imp_undo_pick", lang), list(candidates), index=None, key="imp_undo_pick",
                              placeholder=t("imp_undo_placeholder", lang),
                              format_func=lambda i: t("imp_undo_option", lang, id=i, kind=kind_label(candidates[i]["kind"], lang),
                                                      file=candidates[i]["file_name"], new=candidates[i]["rows_new"],
                                                      updated=candidates[i]["rows_updated"],
                                                      at=f"{candidates[i]['imported_at']:%Y-%m-%d %H:%M}"))
        sure = st.checkbox(t("imp_undo_confirm", lang), key="imp_undo_sure", disabled=chosen is None)
        if st.button(t("imp_undo_run", lang), key="imp_undo_run", disabled=not (chosen and sure), icon=":material/undo:"):
            try:
                done = undo_import(connection.user_database(), chosen, viewer.account().login, connection.config(),
                                   scope=viewer.account(), address=viewer.address())
            except (UndoRefused, store.StoreError) as refused:
                st.error(uploads.in_language(str(refused), lang), icon=":material/error:")
                return
            st.session_state["imp_undo_done"] = t("imp_undo_done", lang, id=done["import_id"], file=done["file_name"],
                                                  removed=done["rows_removed"], restored=done["rows_restored"])
            st.session_state.pop("imp_undo_pick", None)
            st.session_state.pop("imp_undo_sure", None)
            connection.refresh()
            st.rerun()
    if "imp_undo_done" in st.session_state:
        st.success(st.session_state.pop("imp_undo_done"), icon=":material/undo:")


def unmatched_table(unmatched: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("imp_name_in_file", lang): [r["compound_raw"] for r in unmatched],
        t("orders", lang): [r["orders"] for r in unmatched],
        t("complaints", lang): [r["complaints"] for r in unmatched],
        t("imp_suggestions", lang): [joined(r["suggestions"], lang) or fmt.DASH for r in unmatched],
    })


def issues_table(issues: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("imp_kind", lang): [kind_label(r["kind"], lang) for r in issues],
        t("imp_column", lang): [r["column_name"] for r in issues],
        t("imp_severity", lang): [t(f"imp_sev_{r['severity']}", lang) for r in issues],
        t("imp_reason", lang): [uploads.in_language(r["reason"], lang) for r in issues],
        t("imp_rows", lang): [r["rows"] for r in issues],
    })


lang = language.lang()
frame.page_header("page_import")
signin.require_admin("import")
config = connection.config()
if engine.facts()["rollups_only"]:   # rebuilt whole by the rollup job, never imported into
    st.warning(t("imp_rollups_only", lang, **engine.facts()["rollups_only"]), icon=":material/block:")
    st.stop()
if engine.facts()["is_demo"]:
    st.info(t("imp_demo_note", lang, path=str(database_path(config))), icon=":material/science:")

st.subheader(t("imp_templates_title", lang))
st.caption(t("imp_templates_caption", lang))
for column, (kind, path) in zip(st.columns(3), uploads.template_files().items()):
    column.download_button(t(f"imp_template_{kind}", lang), path.read_bytes(), file_name=path.name, mime=XLSX,
                           key=f"imp_template_{kind}", icon=":material/download:",
                           on_click=downloads.downloaded, args=(path.name,))

st.subheader(t("imp_upload_title", lang))
kind = st.radio(t("imp_kind", lang), uploads.KINDS, key="import_kind", horizontal=True,
                format_func=lambda k: kind_label(k, lang))
st.caption(t("imp_order_hint", lang))
if viewer.write_scope():   # a street or community admin: the import is confined to its scope
    st.info(t("imp_scope_note", lang, scope=viewer.account().scope_text()), icon=":material/location_on:")
files = st.file_uploader(t("imp_files", lang), type=["xlsx", "csv"], accept_multiple_files=True,
                         key="import_files") or []
limits = uploads.limits(config)
st.caption(t("imp_limits", lang, file_mb=f"{limits['file_mb']:g}", files=limits["import_files"],
             import_mb=f"{limits['import_mb']:g}"))
# over the limits: refused from the sizes alone, before any file is read or previewed
kept, refusals = uploads.screen([(f.name, f.size) for f in files], config)
for refused_name, message in refusals:
    st.error(failure_text(refused_name, message, lang) if refused_name else uploads.in_language(message, lang),
             icon=":material/block:")
files = [files[i] for i in kept]

if files:
    st.subheader(t("imp_preview_title", lang))
    uploaded = [(f.name, f.getvalue()) for f in files]
    previews = [preview(name, hashlib.sha256(data).hexdigest(), kind, data) for name, data in uploaded]
    for (name, _), found in zip(uploaded, previews):
        show_preview(name, kind, found, lang)
    readable = [u for u, found in zip(uploaded, previews) if not found.get("error")]
    if not readable:
        st.warning(t("imp_nothing_readable", lang))
    if st.button(t("imp_run", lang), key="import_run", type="primary", icon=":material/upload:",
                 disabled=not readable):
        # unreadable files are imported too, so each failure is reported with the others' results
        st.session_state["import_outcome"] = run_import(kind, uploaded, lang)
        connection.refresh()
        st.rerun()

quality = engine.quality()   # the imports made under the account's scope, the names of its own orders
if st.session_state.get("import_outcome"):
    show_outcome(st.session_state["import_outcome"], lang, {r["import_id"] for r in quality["history"]})

st.subheader(t("imp_history_title", lang))
if quality["history"]:
    history = history_table(quality["history"], quality["undone"], lang)
    st.dataframe(history, hide_index=True, placeholder="—", key="imp_history")
    downloads.download_buttons(history, t("imp_history_title", lang), "imp_history_dl", Scope(), period=False)
    undo_section(quality["history"], quality["undoable"], lang)
else:
    st.info(t("imp_no_history", lang))

st.subheader(t("imp_quality_title", lang))
st.markdown(f"**{t('imp_unmatched_title', lang)}**")
if quality["unmatched"]:
    st.caption(t("imp_unmatched_caption", lang))
    unmatched = unmatched_table(quality["unmatched"], lang)
    st.dataframe(unmatched, hide_index=True, placeholder="—", key="imp_unmatched")
    downloads.download_buttons(unmatched, t("imp_unmatched_title", lang), "imp_unmatched_dl", Scope(), period=False)
else:
    st.success(t("imp_unmatched_none", lang))

st.markdown(f"**{t('imp_issues_title', lang)}**")
if quality["issues"]:
    st.caption(t("imp_issues_caption", lang))
    issues = issues_table(quality["issues"], lang)
    st.dataframe(issues, hide_index=True, placeholder="—", key="imp_issues")
    downloads.download_buttons(issues, t("imp_issues_title", lang), "imp_issues_dl", Scope(), period=False)
else:
    st.success(t("imp_issues_none", lang))
