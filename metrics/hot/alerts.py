"""提醒 · the new hot issue rule (metrics.alerts' registry): a 集中诉求 first written in the latest complete month or
in the month running at 数据截至.

A hot issue is new when no message of its group came before the month it is judged in (metrics.hot.hot_issues'
`new`, over the whole district) and it has, in that month and the days of the next one up to 数据截至, at least
`min_residents` residents (default: hot_issues.min_residents, the hot issues' own threshold). The window is the
spike rule's: from the first day of the latest complete month to 数据截至. One alert per hot issue, keyed by its
group (`new_hot_issue:<group id>`): found again in later data its figures follow (more residents, more orders) and
it raises nothing new; a group's id is its earliest message's, so a group joined by an older one is another group
and, when new, another alert. Nothing when hot issues are not made (hot_issues.enabled false, no text imported)."""
from __future__ import annotations

import datetime as dt

from ..alerts import day_text, month_window, rule, view, words
from ..kpis import Scope
from ..periods import last_complete_month
from . import built, hot_issues
from .grouping import Params


@rule("new_hot_issue")
def new_hot_issue(con, config: dict, spec: dict, as_of: dt.datetime) -> list[dict]:
    """The hot issues first written since the latest complete month began (module docstring)."""
    if not built(con, config):
        return []
    least = spec.get("min_residents") or Params.from_config(config).min_residents
    first = last_complete_month(as_of)
    out = []
    for h in hot_issues(con, config, Scope(), month_window(first, as_of.date(), as_of)):
        if not h["new"] or h["residents"] < int(least):
            continue
        began = h["first_day"].replace(day=1)
        out.append({"key": f"new_hot_issue:{h['id']}", "compound_name": h["place"], "street": h["street"],
                    "community": h["community"], "month": began.isoformat(),
                    "figures": {"issue_id": h["id"], "title": h["title"], "residents": int(h["residents"]),
                                "orders": int(h["orders"]), "complaints": int(h["complaints"]),
                                "first_day": h["first_day"].isoformat(), "last_day": h["last_day"].isoformat(),
                                "heat": float(h["heat"])},
                    "view": view("profile", began, as_of.date(), compound=h["place"])})
    return out


@words("new_hot_issue")
def said(alert: dict, lang: str) -> str:
    """E.g. 阳光花园新出现集中诉求“电梯停运”：2024年6月3日以来5位居民反映，工单7件."""
    f, zh = alert["figures"], lang == "zh"
    title = f["title"] or ("未命名" if zh else "untitled")
    since = day_text(f["first_day"], lang)
    complaints = (f"、投诉{f['complaints']}件" if zh else f", {f['complaints']} complaints") if f["complaints"] else ""
    if zh:
        return (f"{alert['compound_name']}新出现集中诉求“{title}”：{since}以来{f['residents']}位居民反映，"
                f"工单{f['orders']}件{complaints}")
    return (f"{alert['compound_name']}: a new hot issue, “{title}”: {f['residents']} residents since {since}, "
            f"{f['orders']} work orders{complaints}")

