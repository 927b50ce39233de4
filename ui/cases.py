"""督办 (casework/) on the dashboard: the 督办 of the signed-in account's scope, their counts, one 督办's detail with
its feedback form, the form that opens one, and the 督办单 (Excel, CSV, Word). Every question is narrowed to the
account's scope here (ui.viewer.allowed, or the account's own place for one 督办), never by a page; a look at a
督办 outside it is refused and audited once per tab (access_refused), an act outside it by casework (refused).

Not cached: a 督办 changes without a new snapshot (the access file is written by every process), and reading it
takes milliseconds. The open demo shows none and offers no form (nobody signed in; its orders are not the user's)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from access import NoAccess
from briefing.sheet import sheet_docx
from casework import CaseError, state_word
from casework import cases as casework
from metrics import formatting as fmt
from metrics.kpis import Scope
from metrics.periods import Window, parse_day
from metrics.supervision import orders_by_id
from ui import connection, downloads, tables, words
from ui.engine import facts
from ui.i18n import register, t
from ui.language import lang
from ui.sidebar import date_box
from ui.viewer import account, address, allowed, record

register({
    "cs_title": ("督办事项", "Supervision cases (督办)"),
    "cs_caption": ("对超期工单发起的督办：承办单位、督办意见、回复期限和反馈。状态按数据截至时间判断：工单在最新数据中全部办结即为“已办结”，"
                   "无需手工办结；已记录反馈为“已反馈”；回复期限已过仍无反馈为“逾期”。未办结的在前，逾期未反馈的最前。",
                   "督办 opened on overdue orders: the responsible unit, the instruction, the reply deadline and the "
                   "feedback. States are judged at the data's moment: “Closed” once every order is closed in the latest "
                   "data (nobody closes it by hand), “Replied” once feedback is recorded, “Reply overdue” when the "
                   "deadline passed without feedback. Open ones first, overdue replies on top."),
    "cs_counts": ("{period}发起督办{n}件、已反馈{m}件、逾期未反馈{k}件（按发起日期计，判断时点为数据截至时间）。",
                  "{period}: {n} 督办 opened, {m} replied, {k} with the reply overdue (by the day they were opened, judged "
                  "at the data's moment)."),
    "cs_none": ("本范围内尚无督办。", "No 督办 in this scope yet."),
    "cs_none_open": ("没有未办结的督办。", "No open 督办."),
    "cs_closed_title": ("已办结的督办（{n}件）", "Closed 督办 ({n})"),
    "cs_help": ("点击一行查看该督办的工单、反馈并记录反馈。", "Click a row to see the 督办's orders and feedback, and to record "
                "feedback."),
    "cs_id": ("督办编号", "No."),
    "cs_state": ("状态", "State"),
    "cs_reply_due": ("回复期限", "Reply by"),
    "cs_unit": ("承办单位", "Responsible unit"),
    "cs_orders": ("工单", "Orders"),
    "cs_instruction": ("督办意见", "Instruction"),
    "cs_latest": ("最新反馈", "Latest feedback"),
    "cs_opened_by": ("发起人", "Opened by"),
    "cs_opened_at": ("发起时间", "Opened"),
    "cs_detail_title": ("督办 #{id}（{state}）", "督办 #{id} ({state})"),
    "cs_facts": ("承办单位：{unit} · 回复期限：{due} · 发起：{by}，{at}", "Responsible unit: {unit} · Reply by: {due} · "
                 "Opened by {by}, {at}"),
    "cs_place": ("范围：{place}", "Place: {place}"),
    "cs_missing": ("工单 {ids} 不在当前数据中（导入被撤销或恢复了较早的备份），无法判断是否办结。",
                   "Order {ids} is not in the current data (an import undone, or an older backup restored): whether it "
                   "is closed cannot be told."),
    "cs_order_id": ("工单编号", "Order id"),
    "cs_compound": ("小区", "Compound"),
    "cs_order_state": ("工单状态", "Order state"),
    "cs_category": ("诉求类别", "Category"),
    "cs_received": ("受理时间", "Received"),
    "cs_due": ("办结时限", "Deadline"),
    "cs_replied_future": ("反馈日期不能晚于今天。", "The day of the reply cannot be after today."),
    "cs_closed_at": ("办结时间", "Closed"),
    "cs_content": ("诉求内容（已脱敏）", "Content (masked)"),
    "cs_days_overdue": ("超期天数", "Days overdue"),
    "cs_feedback": ("反馈情况", "Feedback"),
    "cs_order_closed": ("已办结", "Closed"),
    "cs_order_overdue": ("超期{d}天未办结", "Open, {d} days overdue"),
    "cs_order_pending": ("在办，未到期", "Open, not yet due"),
    "cs_order_no_deadline": ("在办（无时限）", "Open, no deadline"),
    "cs_feedback_title": ("反馈", "Feedback"),
    "cs_no_feedback": ("尚无反馈。", "No feedback yet."),
    "cs_replied_on": ("反馈日期", "Day of the reply"),
    "cs_feedback_text": ("反馈内容", "What came back"),
    "cs_recorded_by": ("记录人", "Recorded by"),
    "cs_recorded_at": ("记录时间", "Recorded"),
    "cs_feedback_submit": ("记录反馈", "Record feedback"),
    "cs_feedback_done": ("已记录督办 #{id} 的反馈。", "Feedback recorded for 督办 #{id}."),
    "cs_close_detail": ("收起", "Close"),
    "cs_sheet": ("督办单", "Supervision sheet"),
    "cs_sheet_stem": ("督办单_{id}号_截至{day}", "supervision_sheet_{id}_as_of_{day}"),
    "cs_pick_placeholder": ("选择工单", "Choose orders"),
    "cs_open_title": ("发起督办", "Open a 督办"),
    "cs_open_how": ("督办对象", "Covering"),
    "cs_open_orders": ("选定的工单", "Chosen orders"),
    "cs_open_compound": ("某小区的全部超期工单", "A compound's overdue orders"),
    "cs_pick_orders": ("工单（可多选）", "Orders (one or more)"),
    "cs_pick_compound": ("小区", "Compound"),
    "cs_compound_orders": ("将督办该小区列表中的超期工单：{ids}", "Covers the compound's overdue orders listed: {ids}"),
    "cs_no_compound": ("列表中没有超期工单的小区。", "No compound with overdue orders in the list."),
    "cs_open_submit": ("发起督办", "Open the 督办"),
    "cs_open_done": ("已发起督办 #{id}。", "督办 #{id} opened."),
    "cs_open_for": ("对工单 {id} 发起督办", "Open a 督办 on order {id}"),
    "cs_instruction_help": ("写明要求和时限；请勿填写群众姓名、电话等个人信息（电话、身份证号会自动隐去）。",
                            "Say what is asked and by when; no resident's name or phone (phone and ID numbers are "
                            "masked anyway)."),
    "cs_sign_in": ("登录后可发起督办、记录反馈。", "Sign in to open a 督办 and record feedback."),
    "cs_demo": ("演示数据不能发起督办：导入本区数据并登录后可用。", "No 督办 on the demo data: import your data and sign in."),
})

PLACE_PARTS = ("street", "community", "compound_name")


def _db():
    return connection.user_database()


def _shows_user_data() -> bool:
    return not facts()["is_demo"]


def may_act() -> bool:
    """Whether this tab may open a 督办 and record feedback: a signed-in account (casework.cases.may_act), on the
    user's data."""
    return _shows_user_data() and casework.may_act(account())


def why_not() -> str:
    """Why no form is offered, in the reader's language."""
    return t("cs_demo" if not _shows_user_data() else "cs_sign_in", lang())


def _own_scope() -> Scope:
    """The account's own place (a 督办 asked for by its number: the sidebar's filters do not hide it)."""
    who = account()
    return casework.account_scope(who) if who is not None else Scope()


def listing(scope: Scope, window: Window) -> list[dict]:
    """The 督办 of the scope (narrowed to the account's) with their states at 数据截至 (casework.cases.listing)."""
    if not _shows_user_data():
        return []
    return casework.listing(_db(), connection.cursor(), allowed(scope), window.as_of)


def counts(scope: Scope, window: Window) -> dict:
    """督办N件、已反馈M件、逾期未反馈K件 of the scope (narrowed) and period: casework.cases.counts, as the briefing and
    `python -m metrics cases` count them."""
    if not _shows_user_data():
        return {"opened": 0, "replied": 0, "overdue": 0, "closed": 0, "pending": 0}
    return casework.counts(_db(), connection.cursor(), allowed(scope), window)


def _refused_look(refused: NoAccess, case_id) -> None:
    """A 督办 outside the account's scope (or none): the one message, and one access_refused entry per tab and
    request (a rerun is not a new attempt)."""
    from metrics.ingest.uploads import in_language

    seen = st.session_state.setdefault("_refusals", set())
    key = ("case", str(case_id))
    if key not in seen and account() is not None:
        seen.add(key)
        record("access_refused", target=casework.target(case_id), scope=refused.requested, outcome="out_of_scope")
    st.error(in_language(str(refused), lang()), icon=":material/block:")


def case(case_id, window: Window) -> dict | None:
    """One 督办 of the account's place, or None after the refusal was shown (and audited)."""
    try:
        if not _shows_user_data():
            raise NoAccess(casework.CASE_REFUSED, {"case": str(case_id)})
        return casework.case(_db(), connection.cursor(), _own_scope(), case_id, window.as_of)
    except NoAccess as refused:
        _refused_look(refused, case_id)
        return None


def _shown_error(exc: Exception) -> None:
    from metrics.ingest.uploads import in_language

    st.error(in_language(str(exc), lang()), icon=":material/error:")


def open_case(order_ids, handling_unit: str, instruction: str, reply_due: dt.date, window: Window,
              compound: str | None = None) -> int | None:
    """Open a 督办 as the signed-in account (casework.cases.open_case: scope, masking, audit); its number, or None
    after the refusal was shown."""
    try:
        return casework.open_case(_db(), connection.cursor(), account=account(), order_ids=order_ids,
                                  handling_unit=handling_unit, instruction=instruction, reply_due=reply_due,
                                  as_of=window.as_of, compound=compound, address=address())
    except (CaseError, NoAccess) as refused:
        _shown_error(refused)
        return None


def record_feedback(case_id, text: str, replied_on: dt.date) -> int | None:
    try:
        return casework.record_feedback(_db(), account=account(), case_id=case_id, text=text, replied_on=replied_on,
                                        address=address())
    except (CaseError, NoAccess) as refused:
        _shown_error(refused)
        return None


# ---- words and tables --------------------------------------------------------------------------------------------

def day_text(value, language: str) -> str:
    """A day as officials write it: 2024年6月28日 (English: 2024-06-28)."""
    if value in (None, ""):
        return fmt.DASH
    day = dt.date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日" if language == "zh" else day.isoformat()


def _moment(value, language: str) -> str:
    if value in (None, ""):
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return f"{moment:%Y-%m-%d %H:%M}"


def feedback_text(found: dict, language: str) -> str:
    """Every feedback of a 督办, a line each: its day and what came back."""
    colon = "：" if language == "zh" else ": "
    return "\n".join(f"{day_text(f['replied_on'], language)}{colon}{f['text']}" for f in found["feedback"])


def order_state(order: dict, language: str) -> str:
    if order["closed_at"] is not None:
        return t("cs_order_closed", language)
    if order["due_at"] is None:
        return t("cs_order_no_deadline", language)
    if order["days_overdue"]:
        return t("cs_order_overdue", language, d=order["days_overdue"])
    return t("cs_order_pending", language)


def cases_table(found: list[dict], language: str) -> pd.DataFrame:
    """The 督办 as the page lists them: the reply deadline a date (shown as officials write it), the latest feedback."""
    return pd.DataFrame({
        t("cs_id", language): [c["case_id"] for c in found],
        t("cs_state", language): [state_word(c["state"], language) for c in found],
        t("cs_reply_due", language): pd.to_datetime([c["reply_due"] for c in found]),
        t("cs_unit", language): [c["handling_unit"] for c in found],
        t("cs_orders", language): [("、" if language == "zh" else ", ").join(c["order_ids"]) for c in found],
        t("cs_instruction", language): [c["instruction"] for c in found],
        t("cs_latest", language): [c["feedback"][-1]["text"] if c["feedback"] else "" for c in found],
        t("cs_opened_by", language): [c["opened_by"] for c in found],
        t("cs_opened_at", language): pd.to_datetime([c["opened_at"] for c in found]),
    })


def _text_cells(frame: pd.DataFrame, language: str) -> tuple[list[str], list[list[str]]]:
    """A table's header and rows as text for the Word file: times as 2024-06-15 09:00, a day as officials write it,
    a missing number blank."""
    day_columns = {t("cs_reply_due", language)}
    rows = []
    for values in frame.itertuples(index=False):
        row = []
        for column, value in zip(frame.columns, values):
            if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
                row.append("")
            elif column in day_columns:
                row.append(day_text(f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else value, language))
            elif isinstance(value, (dt.datetime, pd.Timestamp)):
                row.append(f"{value:%Y-%m-%d %H:%M}")
            else:
                row.append(str(value))
        rows.append(row)
    return [str(c) for c in frame.columns], rows


def word_of(frame: pd.DataFrame, language: str):
    """The Word file of a 督办单 table (briefing.sheet), given the heading lines downloads.title_block writes."""
    header, rows = _text_cells(frame, language)

    def write(heading: list[str]) -> bytes:
        return sheet_docx(heading[0], heading[1:], header, rows, connection.config(),
                          whole=(t("cs_order_id", language),), lang=language)
    return write


def sheet_columns(order_ids: list[str], scope: Scope, window: Window, language: str, listed: list[dict]) -> dict:
    """What the 督办单 adds to the orders of the 督办 list: the content (masked at import), and for an order under a
    督办 its instruction, reply deadline and feedback (blank otherwise: the column to fill in on paper). `listed`: the
    page's listing of the 督办 (section's), not read again."""
    narrowed = allowed(scope)
    content = {o["order_id"]: o["content"] for o in orders_by_id(connection.cursor(), narrowed, order_ids, window.as_of)}
    under = {i: c for c in listed for i in c["order_ids"]}
    return {
        t("cs_content", language): [content.get(i) or "" for i in order_ids],
        t("cs_instruction", language): [under[i]["instruction"] if i in under else "" for i in order_ids],
        t("cs_reply_due", language): pd.to_datetime([under[i]["reply_due"] if i in under else None for i in order_ids]),
        t("cs_feedback", language): [feedback_text(under[i], language) if i in under else "" for i in order_ids],
    }


def case_sheet(found: dict, language: str) -> pd.DataFrame:
    """One 督办's 督办单: each of its orders with the masked content, the instruction, the reply deadline and the
    feedback."""
    orders = found["orders"]
    n = len(orders)
    return pd.DataFrame({
        t("cs_order_id", language): [o["order_id"] for o in orders],
        t("cs_compound", language): [o["compound_name"] or o["compound_raw"] or "" for o in orders],
        t("cs_order_state", language): [order_state(o, language) for o in orders],
        t("cs_days_overdue", language): pd.array([o["days_overdue"] for o in orders], dtype="Int64"),
        t("cs_unit", language): [found["handling_unit"]] * n,
        t("cs_category", language): [o["category"] or "" for o in orders],
        t("cs_received", language): pd.to_datetime([o["received_at"] for o in orders]),
        t("cs_due", language): pd.to_datetime([o["due_at"] for o in orders]),
        t("cs_content", language): [o["content"] or "" for o in orders],
        t("cs_instruction", language): [found["instruction"]] * n,
        t("cs_reply_due", language): pd.to_datetime([found["reply_due"]] * n),
        t("cs_feedback", language): [feedback_text(found, language)] * n,
    })


DATE_KINDS = lambda language: {t("cs_reply_due", language): "date"}  # noqa: E731


# ---- drawing -----------------------------------------------------------------------------------------------------

def _picked(key: str, ids: list[int]) -> None:
    """A click on a row of a 督办 list (callbacks run before the script): that 督办's detail, in the address."""
    rows = st.session_state[key]["selection"]["rows"]
    if rows and rows[0] < len(ids):
        st.query_params["case"] = str(ids[rows[0]])


def _table(found: list[dict], key: str, language: str) -> None:
    table = cases_table(found, language)
    st.dataframe(table, hide_index=True, placeholder="—", key=key, on_select=lambda: _picked(key, [c["case_id"] for c in found]),
                 selection_mode="single-row",
                 column_config={t("cs_id", language): st.column_config.NumberColumn(format="#%d", width="small"),
                                t("cs_reply_due", language): st.column_config.DateColumn(
                                    format="YYYY年M月D日" if language == "zh" else "YYYY-MM-DD"),
                                t("cs_instruction", language): st.column_config.TextColumn(width="medium"),
                                t("cs_latest", language): st.column_config.TextColumn(width="medium"),
                                t("cs_opened_at", language): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})


def section(scope: Scope, window: Window, period_label: str) -> list[dict]:
    """督办事项 at the top of the 督办 page: the period's counts, the open 督办 (overdue replies first), the closed ones
    folded, and the detail of the one chosen (?case=N)."""
    language = lang()
    st.subheader(t("cs_title", language))
    notice = st.session_state.pop("_cs_notice", None)
    if notice:
        st.success(notice, icon=":material/task_alt:")
    found = listing(scope, window)
    tally = casework.tally(casework.opened_in(found, window.period))   # counts(scope, window), from the same read
    st.caption(t("cs_caption", language) + " " + t("cs_counts", language, period=period_label, n=tally["opened"],
                                                    m=tally["replied"], k=tally["overdue"]))
    open_ones = [c for c in found if c["state"] != "closed"]
    closed = [c for c in found if c["state"] == "closed"]
    if not found:
        st.caption(t("cs_none", language) + ("" if may_act() else " " + why_not()))
    elif open_ones:
        st.caption(t("cs_help", language))
        _table(open_ones, "cs_open_list", language)
    else:
        st.caption(t("cs_none_open", language))
    if closed:
        with st.expander(t("cs_closed_title", language, n=len(closed))):
            _table(closed, "cs_closed_list", language)
    chosen = st.query_params.get("case")
    if chosen:
        found_case = case(chosen, window)
        if found_case is not None:
            detail(found_case, language)
    return found


def detail(found: dict, language: str) -> None:
    """One 督办: what was asked, its orders as they stand, its feedback, the form to record more, its 督办单."""
    with st.container(border=True):
        st.markdown(f"**{words.plain(t('cs_detail_title', language, id=found['case_id'], state=state_word(found['state'], language)))}**")
        st.markdown(words.plain(t("cs_facts", language, unit=found["handling_unit"],
                                  due=day_text(found["reply_due"], language), by=found["opened_by"],
                                  at=_moment(found["opened_at"], language))))
        place = " · ".join(found[p] for p in PLACE_PARTS if found[p])
        if place:
            st.caption(t("cs_place", language, place=place))
        st.caption(t("cs_instruction", language))
        st.text(found["instruction"])
        sheet = case_sheet(found, language)
        if len(sheet):
            shown = sheet.drop(columns=[t("cs_unit", language), t("cs_instruction", language),
                                        t("cs_reply_due", language), t("cs_feedback", language)])
            st.dataframe(shown, hide_index=True, placeholder="—", key="cs_orders_table",
                         column_config={t("cs_order_id", language): st.column_config.TextColumn(
                                            width=tables.id_width(shown[t("cs_order_id", language)])),
                                        t("cs_content", language): st.column_config.TextColumn(width="large"),
                                        t("cs_received", language): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                                        t("cs_due", language): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
        if found["missing"]:
            st.caption(t("cs_missing", language, ids="、".join(found["missing"])))
        st.markdown(f"**{t('cs_feedback_title', language)}**")
        if found["feedback"]:
            st.dataframe(pd.DataFrame({
                t("cs_replied_on", language): pd.to_datetime([f["replied_on"] for f in found["feedback"]]),
                t("cs_feedback_text", language): [f["text"] for f in found["feedback"]],
                t("cs_recorded_by", language): [f["recorded_by"] for f in found["feedback"]],
                t("cs_recorded_at", language): pd.to_datetime([f["recorded_at"] for f in found["feedback"]])}),
                hide_index=True, key="cs_feedback_table",
                column_config={t("cs_replied_on", language): st.column_config.DateColumn(
                                   format="YYYY年M月D日" if language == "zh" else "YYYY-MM-DD"),
                               t("cs_feedback_text", language): st.column_config.TextColumn(width="large"),
                               t("cs_recorded_at", language): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
        else:
            st.caption(t("cs_no_feedback", language))
        if may_act():
            feedback_form(found, language)
        if len(sheet):
            case_downloads(found, sheet, language)
        if st.button(t("cs_close_detail", language), key="cs_close", icon=":material/close:"):
            del st.query_params["case"]
            st.rerun()


def case_heading(found: dict, language: str) -> list[str]:
    """The 督办单's title block: its number, place, unit, instruction, reply deadline, state, who opened it, 数据截至."""
    colon = "：" if language == "zh" else ": "
    place = " · ".join(found[p] for p in PLACE_PARTS if found[p]) or t("district", language)
    lines = [(t("cs_id", language), f"#{found['case_id']}"), (t("scope_label", language), place),
             (t("cs_unit", language), found["handling_unit"]), (t("cs_instruction", language), found["instruction"]),
             (t("cs_reply_due", language), day_text(found["reply_due"], language)),
             (t("cs_state", language), state_word(found["state"], language)),
             (t("cs_opened_by", language), f"{found['opened_by']}，{_moment(found['opened_at'], language)}"
              if language == "zh" else f"{found['opened_by']}, {_moment(found['opened_at'], language)}"),
             (t("as_of", language), fmt.as_of(facts()["as_of"], language))]
    return [t("cs_sheet", language)] + [f"{label}{colon}{value}" for label, value in lines]


def case_downloads(found: dict, sheet: pd.DataFrame, language: str) -> None:
    """One 督办's 督办单 in Excel, CSV and Word, named with its number and the day of 数据截至; each download audited
    with the 督办's place."""
    from metrics.exports import to_csv_bytes, to_xlsx_bytes

    heading = case_heading(found, language)
    as_of = facts()["as_of"]
    stem = t("cs_sheet_stem", language, id=found["case_id"], day=f"{as_of:%Y-%m-%d}" if as_of else "")
    place = Scope(**{("compound" if p == "compound_name" else p): found[p] for p in PLACE_PARTS if found[p]})
    files = [("download_xlsx", "xlsx", to_xlsx_bytes(sheet, kinds=DATE_KINDS(language), heading=heading),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             ("download_csv", "csv", to_csv_bytes(sheet), "text/csv"),
             ("download_docx_table", "docx", word_of(sheet, language)(heading),
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    for column, (label, ext, data, mime) in zip(st.columns([1, 1, 1, 3]), files):
        column.download_button(t(label, language), data, file_name=f"{stem}.{ext}", mime=mime, key=f"cs_sheet_{ext}",
                               icon=":material/download:", on_click=downloads.downloaded,
                               args=(f"{stem}.{ext}", place, len(sheet)))


def feedback_form(found: dict, language: str) -> None:
    today = dt.date.today()
    with st.form(f"cs_feedback_{found['case_id']}", clear_on_submit=True, border=False):
        left, right = st.columns([1, 3])
        # a typed day, not st.date_input: its calendar would speak the browser's language (sidebar.date_box); a
        # form's box takes no callback, so the day is read when the form is sent
        typed = left.text_input(t("cs_replied_on", language), value=today.isoformat(), max_chars=16,
                                key="cs_replied_on", placeholder="2024-01-01", help=t("date_help", language))
        day = parse_day(typed)
        if day is None or day > today:
            day = None
        text = right.text_area(t("cs_feedback_text", language), max_chars=casework.MAX_FEEDBACK, height=100,
                               key="cs_feedback_text", help=t("cs_instruction_help", language))
        if st.form_submit_button(t("cs_feedback_submit", language), type="primary", icon=":material/reply:"):
            if day is None:
                st.error(t("date_unreadable", language, text=words.plain(typed), date=today.isoformat())
                         if parse_day(typed) is None else t("cs_replied_future", language))
            elif record_feedback(found["case_id"], text, day) is not None:
                st.session_state["_cs_notice"] = t("cs_feedback_done", language, id=found["case_id"])
                st.rerun()


def _for_order(order_id: str) -> None:
    """The history's button (a callback, before the script): the form below the list, holding this order."""
    st.session_state["cs_how"] = "orders"
    st.session_state["cs_orders"] = [order_id]
    st.session_state["_cs_expand"] = True


def open_button(order_id: str, queue_ids: list[str]) -> None:
    """Under an order's history: open a 督办 on it (the form, with the order chosen)."""
    if may_act() and order_id in queue_ids:
        st.button(t("cs_open_for", lang(), id=order_id), key=f"cs_open_for_{order_id}", icon=":material/campaign:",
                  on_click=_for_order, args=(order_id,))


def open_form(queue: list[dict], window: Window) -> None:
    """发起督办 under the 督办 list: chosen orders of the list, or one compound's overdue orders of it; the responsible
    unit (the orders' own when they share one), the instruction, the reply deadline (a week from today)."""
    language = lang()
    if not may_act():
        st.caption(why_not())
        return
    if st.session_state.pop("_cs_clear", False):
        for key in ("cs_orders", "cs_instruction"):
            st.session_state.pop(key, None)
    ids = [r["order_id"] for r in queue]
    if any(i not in ids for i in st.session_state.get("cs_orders", [])):
        st.session_state["cs_orders"] = [i for i in st.session_state["cs_orders"] if i in ids]
    overdue = {}
    for r in queue:
        if r["status"] != "due_soon" and r["compound_name"]:
            overdue.setdefault(r["compound_name"], []).append(r["order_id"])
    with st.expander(t("cs_open_title", language), expanded=bool(st.session_state.get("_cs_expand")),
                     icon=":material/campaign:"):
        how = st.radio(t("cs_open_how", language), ["orders", "compound"], key="cs_how", horizontal=True,
                       format_func=lambda v: t(f"cs_open_{v}", language))
        compound = None
        if how == "orders":
            chosen = st.multiselect(t("cs_pick_orders", language), ids, key="cs_orders", select_all=False,
                                    placeholder=t("cs_pick_placeholder", language))
        elif overdue:
            compound = st.selectbox(t("cs_pick_compound", language), list(overdue), key="cs_compound")
            chosen = overdue.get(compound, [])
            st.caption(t("cs_compound_orders", language, ids=("、" if language == "zh" else ", ").join(chosen)))
        else:
            chosen = []
            st.caption(t("cs_no_compound", language))
        units = {r["handling_unit"] for r in queue if r["order_id"] in chosen}
        common = units.pop() if len(units) == 1 and None not in units else ""
        unit = st.text_input(t("cs_unit", language), value=common or "", max_chars=casework.MAX_UNIT,
                             key=f"cs_unit_{'_'.join(sorted(chosen))[:200]}")
        instruction = st.text_area(t("cs_instruction", language), key="cs_instruction", max_chars=casework.MAX_INSTRUCTION,
                                   help=t("cs_instruction_help", language), height=100)
        today = dt.date.today()
        due, said = date_box(st, t("cs_reply_due", language), "cs_due", today + dt.timedelta(days=7), today,
                             today + dt.timedelta(days=3650), language)   # a typed day (sidebar.date_box)
        if said:
            st.warning(said, icon=":material/event_busy:")
        if st.button(t("cs_open_submit", language), type="primary", key="cs_open_submit", icon=":material/campaign:"):
            number = open_case(chosen, unit, instruction, due, window, compound=compound)
            if number is not None:
                st.session_state["_cs_notice"] = t("cs_open_done", language, id=number)
                st.session_state["_cs_clear"] = True
                st.session_state["_cs_expand"] = False
                st.query_params["case"] = str(number)
                st.rerun()
