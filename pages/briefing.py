"""简报 Briefing: the report a street office sends up, for the sidebar's scope and period, in one click."""
import tempfile
from pathlib import Path

import streamlit as st

from briefing.content import build
from briefing.generate import issue_briefing, safe_file_name
from briefing.images import image_server
from briefing.sections import sections
from metrics.kpis import Scope
from ui import connection, downloads, engine, frame, language, sidebar, viewer, words
from ui.i18n import register, t

register({
    "briefing_intro": ("按左侧选择的街道（或社区）和统计时段生成简报；不选街道即为全区。正文中的每个数字都来自与看板相同的指标定义。",
                       "A briefing for the street (or community) and period chosen on the left; no street means the whole "
                       "district. Every number comes from the same KPI definitions as the dashboard."),
    "briefing_lang": ("简报语言", "Briefing language"),
    "briefing_preview": ("预览", "Preview"),
    "briefing_generate": ("生成 Word 和 PDF", "Generate Word and PDF"),
    "briefing_generating": ("正在生成简报…", "Writing the briefing…"),
    "briefing_done": ("简报已生成。", "The briefing is ready."),
    "download_docx": ("下载 Word", "Download Word"),
    "download_pdf": ("下载 PDF", "Download PDF"),
    "briefing_stale": ("范围、时段、语言或数据已变，上次生成的文件不再对应本页内容：请重新生成。",
                       "The scope, period, language or data changed since the last files were made: generate them again."),
    "briefing_scope_note": ("简报按街道、社区范围生成，其他筛选条件（类型、模式、来源、类别）不适用。",
                            "Briefings cover a street or community; the other filters (kind, mode, source, category) do not apply."),
})

lang = language.lang()
filters = sidebar.chosen()
frame.page_header("page_briefing", filters)
st.caption(t("briefing_intro", lang))
scope = Scope(street=filters.scope.street, community=filters.scope.community)
if set(filters.scope.as_dict()) - {"street", "community"}:
    st.info(t("briefing_scope_note", lang))
doc_lang = st.radio(t("briefing_lang", lang), ["zh", "en"], key="briefing_lang", horizontal=True,
                    format_func=lambda v: "简体中文" if v == "zh" else "English")

content = engine.ask(build, scope, filters.window, lang=doc_lang)
with st.container(border=True):
    st.markdown(f"### {words.plain(content.title)}")
    for part in sections(content):   # names of streets and compounds come from the data: shown as written
        st.markdown(f"**{words.plain(part['heading'])}**")
        for text in part["paragraphs"]:
            st.markdown(words.plain(text))
        for table in part["tables"]:
            if table.get("title"):
                st.markdown(f"*{words.plain(table['title'])}*")
            st.dataframe([dict(zip(table["header"], row)) for row in table["rows"]], hide_index=True, placeholder="—")
        for text in part.get("after", []):
            st.markdown(words.plain(text))

owner = downloads.made_for(scope, filters.period, doc_lang)   # the files below belong to what the page shows
if st.button(t("briefing_generate", lang), key="briefing_run", type="primary", icon=":material/description:"):
    folder = Path(tempfile.mkdtemp(prefix="briefing_"))
    name = safe_file_name(content.title)
    with st.status(t("briefing_generating", lang), expanded=False) as status:
        with image_server():   # one issue (期数 from the counter), its Word and PDF from one set of chart images
            files = engine.produce(issue_briefing, scope, filters.window, {fmt: folder / f"{name}.{fmt}" for fmt in ("docx", "pdf")},
                                  doc_lang, issue_db=connection.user_database())
        status.update(label=t("briefing_done", lang), state="complete")
    viewer.record("briefing", target=name, scope=viewer.allowed(scope).as_dict(),
                 details={"period": filters.period.label("zh"), "language": doc_lang, "formats": sorted(files)})
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
