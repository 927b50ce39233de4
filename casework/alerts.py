"""提醒 · the 督办 reply overdue rule (metrics.alerts' registry): a 督办 逾期 at 数据截至, its reply deadline's day
over without feedback and its orders not all closed (casework.cases.state, the 督办 page's own verdict).

The rule reads the 督办 tables of the access file (`access=`), so it is registered here, on the 督办 floor; the entry
points that run the rules import this module (ui.alerts, `python -m metrics alerts`). It runs with the others once
per data version: a 督办 is judged at 数据截至, and only a write moves 数据截至 past a deadline (a 督办 cannot be
opened with a deadline before today). One alert per 督办 (`supervision_overdue:<number>`), scoped by its place (a
street's 督办 to that street; one over two streets to district accounts only); feedback recorded later makes it
已反馈 on the page, and the alert, raised, stays until acknowledged, as every alert does."""
from __future__ import annotations

import datetime as dt

from metrics.alerts import day_text, rule, words
from metrics.kpis import Scope

from .cases import listing


@rule("supervision_overdue", access=True)
def supervision_overdue(con, config: dict, spec: dict, as_of: dt.datetime, access) -> list[dict]:
    """The 督办 逾期 at as_of, every place (the alert keeps the 督办's own street and community)."""
    out = []
    for c in listing(access, con, Scope(), as_of):
        if c["state"] != "overdue":
            continue
        due = dt.date.fromisoformat(c["reply_due"])
        out.append({"key": f"supervision_overdue:{c['case_id']}", "compound_name": c["compound_name"],
                    "street": c["street"], "community": c["community"], "month": due.replace(day=1).isoformat(),
                    "figures": {"case_id": c["case_id"], "handling_unit": c["handling_unit"],
                                "reply_due": c["reply_due"], "opened_on": c["opened_at"][:10],
                                "days": (as_of.date() - due).days, "orders": len(c["order_ids"])},
                    "view": {"page": "supervision", "params": {"case": str(c["case_id"])}}})
    return out


@words("supervision_overdue")
def said(alert: dict, lang: str) -> str:
    """E.g. 督办 #3（承办单位：甲物业）回复期限2024年6月28日已过3天，仍未反馈（工单2件，阳光花园）."""
    f, zh, place = alert["figures"], lang == "zh", alert["compound_name"]
    due = day_text(f["reply_due"], lang)
    if zh:
        return (f"督办 #{f['case_id']}（承办单位：{f['handling_unit']}）回复期限{due}已过{f['days']}天，仍未反馈"
                f"（工单{f['orders']}件{'，' + place if place else ''}）")
    days, orders = f["days"], f["orders"]
    return (f"督办 #{f['case_id']} ({f['handling_unit']}): no reply {days} day{'s' * (days != 1)} after its deadline "
            f"{due} ({orders} work order{'s' * (orders != 1)}{', ' + place if place else ''})")
