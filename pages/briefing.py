"""简报 Briefing: the report a street office sends up, for the sidebar's scope and period, in one click; the briefings
issued for the scope, kept exactly as issued, to download again."""
import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st

from briefing import issues
from briefing.archive import ArchiveError
from briefing.content import build
from briefing.generate import issue_briefing, safe_file_name
from briefing.images import complaint_figures, image_server
from briefing.sections import distribution_lines, head, sections
from metrics.kpis import Scope
from metrics.periods import today_in
from ui import cases, connection, downloads, engine, frame, language, sidebar, viewer, words
from ui.i18n import register, t

register({
    "briefing_intro": ("按左侧选择的街道（或社区）和统计时段生成简报；不选街道即为全区。正文中的每个数字都来自与看板相同的指标定义。",
                       "A briefing for the street (or community) and period chosen on the left; no street means the whole "
                       "district. Every number comes from the same KPI definitions as the dashboard."),
    "briefing_lang": ("简报语言", "Briefing language"),
    "briefing_issued_on": ("印发日期", "Date of issue"),
    "briefing_preview": ("预览", "Preview"),
    "briefing_next_issue": ("印发时编为第{n}期", "Numbered No. {n} when issued"),
    "briefing_generate": ("印发 Word 和 PDF", "Issue Word and PDF"),
    "briefing_generating": ("正在生成简报…", "Writing the briefing…"),
    "briefing_done": ("简报已印发并存档。", "The briefing is issued and archived."),
    "download_docx": ("下载 Word", "Download Word"),
    "download_pdf": ("下载 PDF", "Download PDF"),
    "briefing_stale": ("范围、时段、语言或数据已变，上次生成的文件不再对应本页内容：请重新生成。",
                       "The scope, period, language or data changed since the last files were made: generate them again."),
    "briefing_scope_note": ("简报按街道、社区范围生成，其他筛选条件（类型、模式、来源、类别）不适用。",
                            "Briefings cover a street or community; the other filters (kind, mode, source, category) do not apply."),
    "archive_heading": ("已印发简报", "Issued briefings"),
    "archive_none": ("本范围尚未印发简报。", "No briefing has been issued for this scope yet."),
    "archive_caption": ("按印发时的原样保存，重新下载的文件与印发时逐字节相同。",
                        "Kept exactly as issued: a file downloaded again is byte for byte the one issued."),
    "archive_issue": ("期数", "No."),
    "archive_download_docx": ("重新下载 Word", "Word again"),
    "archive_download_pdf": ("重新下载 PDF", "PDF again"),
    "archive_period": ("统计时段", "Period"),
    "archive_issued_on": ("印发日期", "Date of issue"),
    "archive_when": ("生成时间", "Written at"),
    "archive_by": ("印发者", "Issued by"),
    "archive_schedule": ("定时任务", "the schedule"),
    "archive_command": ("命令行", "command line"),
    "archive_pick": ("选择一期重新下载", "Choose an issue to download again"),
    "archive_broken": ("存档文件缺失或已被改动，不能作为印发的文件提供。", "The archived file is missing or changed: it cannot be "
                       "offered as the one issued."),
})

lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_briefing", filters)
st.caption(t("briefing_intro", lang))
scope = Scope(street=filters.scope.street, community=filters.scope.community)
if set(filters.scope.as_dict()) - {"street", "community"}:
    st.info(t("briefing_scope_note", lang))
left, right = st.columns(2)
doc_lang = left.radio(t("briefing_lang", lang), ["zh", "en"], key="briefing_lang", horizontal=True,
                      format_func=lambda v: "简体中文" if v == "zh" else "English")
today = today_in((connection.config().get("briefing") or {}).get("time_zone"))   # Asia/Shanghai, not the machine's
# a typed day, not st.date_input: its calendar would speak the browser's language (sidebar.date_box)
issued_on, said = sidebar.date_box(right, t("briefing_issued_on", lang), "briefing_issued_on", today,
                                   today - dt.timedelta(days=3660), today + dt.timedelta(days=366), lang)
if said:
    st.warning(said, icon=":material/event_busy:")

content = engine.ask(build, scope, filters.window, lang=doc_lang)
content.cases = cases.counts(scope, filters.window)   # the 督办 change between imports: not cached with the rest
content.issued_on = issued_on
top = head(content)
with st.container(border=True):   # the head block, the sections with their charts and the last lines, as the files
    for line in top["title_lines"]:
        st.markdown(f"### :red[{words.plain(line)}]", text_alignment="center")
    st.markdown(words.plain(t("briefing_next_issue", lang,
                              n=issues.upcoming(connection.user_database(), content.scope_name, connection.config()))),
                text_alignment="center")
    issuer, date = st.columns(2)
    issuer.markdown(words.plain(top["issuer"]))
    date.markdown(words.plain(top["date"]), text_alignment="right")
    st.divider()
    figures = complaint_figures(content)
    for part in sections(content):   # names of streets and compounds come from the data: shown as written
        st.markdown(f"**{words.plain(part['heading'])}**")
        for text in part["paragraphs"]:
            st.markdown(words.plain(text))
        for table in part["tables"]:
            if table.get("title"):
                st.markdown(f"*{words.plain(table['title'])}*")
            st.dataframe([dict(zip(table["header"], [str(v).replace("\n", " ") for v in row])) for row in table["rows"]],
                         hide_index=True, placeholder="—")
        for text in part.get("after", []):
            st.markdown(words.plain(text))
        for caption, figure, key in figures:
            if key == part["key"]:
                figure.update_layout(title={"text": ""})   # the caption under it names it, as in the files
                st.plotly_chart(figure, key=f"briefing_chart_{caption}", config={"displayModeBar": False})
                st.caption(words.plain(caption))
    lines = distribution_lines(content)
    if lines:
        st.divider()
        for text in lines:
            st.markdown(words.plain(text))

owner = downloads.made_for(scope, filters.period, doc_lang)   # the files below belong to what the page shows
if st.button(t("briefing_generate", lang), key="briefing_run", type="primary", icon=":material/description:"):
    folder = Path(tempfile.mkdtemp(prefix="briefing_"))
    name = safe_file_name(content.title)
    who = viewer.account()
    with st.status(t("briefing_generating", lang), expanded=False) as status:
        with image_server():   # one issue (期数 from the counter), its Word and PDF from one set of chart images, archived
            files = engine.produce(issue_briefing, scope, filters.window, {fmt: folder / f"{name}.{fmt}" for fmt in ("docx", "pdf")},
                                   doc_lang, issue_db=connection.user_database(), issued_on=issued_on,
                                   archive={"issued_by": who.login if who else None, "via": "page"},
                                   cases_db=None if engine.facts()["is_demo"] else connection.user_database())
        status.update(label=t("briefing_done", lang), state="complete")
    viewer.record("briefing", target=name, scope=viewer.allowed(scope).as_dict(),
                  details={"period": filters.period.label("zh"), "language": doc_lang, "formats": sorted(files),
                           "issued_on": issued_on.isoformat()})
    downloads.keep_files("briefing_files", owner, {fmt: (path.name, path.read_bytes()) for fmt, path in files.items()})

made, stale = downloads.kept_files("briefing_files", owner)
if stale:
    st.info(t("briefing_stale", lang), icon=":material/refresh:")
if made:
    left, right, _ = st.columns([1, 1, 4])
    name, data = made["docx"]
    left.download_button(t("download_docx", lang), data, file_name=name, key="briefing_docx",
                         on_click=downloads.downloaded, args=(name, scope),
                         mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    name, data = made["pdf"]
    right.download_button(t("download_pdf", lang), data, file_name=name, key="briefing_pdf",
                          on_click=downloads.downloaded, args=(name, scope),
                          mime="application/pdf")

st.subheader(t("archive_heading", lang))
kept = engine.archive(scope)   # this scope's issued briefings, narrowed to the account's
if not kept:
    st.caption(t("archive_none", lang))
else:
    st.caption(t("archive_caption", lang))

    def issued_by(entry) -> str:
        if entry["via"] == "schedule":
            return t("archive_schedule", lang)
        if entry["via"] == "command":
            return f"{entry['issued_by'] or ''}（{t('archive_command', lang)}）"
        return entry["issued_by"] or "—"

    def label(entry) -> str:
        number = f"第{entry['issue']}期" if lang == "zh" else f"No. {entry['issue']}"
        return f"{number} · {entry['period_label']} · {entry['issued_on']}"

    st.dataframe([{t("archive_issue", lang): entry["issue"], t("archive_period", lang): entry["period_label"],
                   t("archive_issued_on", lang): entry["issued_on"], t("archive_when", lang): entry["issued_at"],
                   t("archive_by", lang): issued_by(entry)} for entry in kept], hide_index=True, key="archive_table")
    chosen = st.selectbox(t("archive_pick", lang), range(len(kept)), key="archive_pick",
                          format_func=lambda i: words.plain(label(kept[i])))
    entry = kept[chosen]
    try:
        again = {fmt: engine.archived_file(entry["id"], fmt, scope) for fmt in ("docx", "pdf") if fmt in entry["files"]}
    except ArchiveError:
        st.error(t("archive_broken", lang), icon=":material/error:")
        again = {}
    columns = st.columns([1, 1, 4])
    for column, fmt in zip(columns, ("docx", "pdf")):
        if fmt in again:
            name, data = again[fmt]
            stem, dot, ext = name.rpartition(".")   # the issue's number in the name: not taken for the fresh file's
            name = f"{stem}_第{entry['issue']}期.{ext}" if lang == "zh" and "期" not in stem else (
                f"{stem}_No{entry['issue']}.{ext}" if "_No" not in stem and lang != "zh" else name)
            column.download_button(t(f"archive_download_{fmt}", lang), data, file_name=name, key=f"archive_{fmt}",
                                   on_click=downloads.downloaded, args=(name, scope), icon=":material/download:",
                                   mime="application/pdf" if fmt == "pdf" else
                                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
