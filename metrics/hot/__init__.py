"""热点诉求 · Hot issues: many residents of one place writing about one concrete problem, in their own words.

A hot issue is a group of work orders (and complaints, once exports carry their text) that describe the same
problem at the same compound within a time window, from at least `hot_issues.min_residents` different residents.

How a group is found (metrics.hot.grouping, metrics.hot.store): each message is segmented (rjieba, with the names
the registry and the data know as a user dictionary) and becomes a vector of its words weighted by jieba's
inverse document frequencies; two messages are linked when they are at the same compound, at most `link_days`
apart, and their cosine reaches `similarity`; a group is a connected component of links (one whose messages lie
less than `cohesion` close to its centre on average, a chain of unrelated messages, is cut at higher similarities
into its cohesive parts). Messages that name no place are linked across the city, at `city_similarity`. The place
is the order's
matched compound (`compound_name`), else the compound its text names (the registry's names and aliases,
config.yaml compound_aliases, the spellings the data carries). `refresh` runs after an import on the new and
changed messages only and stores the groups in tables (hot_docs, hot_groups ...): pages read them.

Residents (居民数): we keep no caller identity, so residents are counted from what the data says. Messages of one
group that are near-identical (cosine >= `same_writer_similarity`) within `same_writer_days` days of each other are
one resident's repeated calls; a message flagged 是否重复诉求 is the repeat of the most similar earlier message of
its group. Residents = the number of writers left. A group of one resident's calls, however many, is no hot issue.

City-wide themes (全市性议题): a generic topic ("建议加快交通建设") is written from everywhere. A group is city-wide
when messages close to its centroid (`city_similarity`) lie in at least `city_min_places` other compounds within
`link_days` of its span and its own compound writes it at most `city_concentration` times as often as the average
of those (a compound's own problem is concentrated there, a city's theme is not); such groups, groups mostly
made of their messages, and the messages themselves form the themes `city_themes` lists apart. They are never a
compound's hot issue.

热度 (heat), for a window (metrics.periods.Window) and a scope:

    base = w_resident x residents + w_repeat x (orders - residents) + w_complaint x complaints + w_like x likes
    热度 = base x (1 + w_growth x min(max(growth, 0), growth_cap))

residents: distinct writers in the window; orders - residents: the repeated calls (support beyond one voice);
complaints: complaints filed in the window about the group's orders (关联工单) and complaints with text in the group;
likes: a `likes` (点赞) column where the export has one, else 0; growth = (records in the window - records in the
previous window) / records in the previous window (None when it had none); `new`: no message of the group (in the
scope) before the window, and a new group counts growth_cap. Weights in config.yaml `hot_issues.heat` (defaults 3, 1, 1, 0.1, 0.5, growth_cap 2). Ranked by 热度, then
residents, then the latest day.

API (pages, the command line and briefings use these; each reads the stored tables only):

- `refresh(con, config, new_order_ids=None, full=False)`: after an import (metrics.hot.store).
- `hot_issues(con, config, scope, window, top=None)`: the hot issues, each a dict: id, title, place, street,
  community, terms, first_day, last_day, orders, complaints, distinct_days, residents, open,
  on_time_closure_rate, satisfaction_rate, categories, units, heat, growth, new, previous, repeats, likes,
  order_ids.
- `rising_terms(con, config, scope, window, top=20)`: words written more than in the previous window.
- `city_themes(con, config, scope=None, window=None, top=None)`: the city-wide themes, apart.
- `issue_orders(con, config, scope, window, issue_id)`: the orders of one hot issue in the window and scope, as a
  page opens them (masked title and content, dates, state at as_of).
"""
from __future__ import annotations

import math

from ..db import rows
from ..kpis import Scope
from ..periods import Window
from ..rollup import REVISIT_ANSWERS
from . import store
from .grouping import Params
from .store import refresh

__all__ = ["hot_issues", "rising_terms", "city_themes", "issue_orders", "refresh", "HEAT_DEFAULTS"]

HEAT_DEFAULTS = {"resident": 3.0, "repeat": 1.0, "complaint": 1.0, "like": 0.1, "growth": 0.5, "growth_cap": 2.0}


def heat_weights(config: dict) -> dict:
    return {**HEAT_DEFAULTS, **(((config or {}).get("hot_issues") or {}).get("heat") or {})}


def heat(residents: int, orders: int, complaints: int, likes: float, growth: float | None, new: bool,
         weights: dict) -> float:
    """热度 (see the module's docstring)."""
    base = (weights["resident"] * residents + weights["repeat"] * max(orders - residents, 0)
            + weights["complaint"] * complaints + weights["like"] * (likes or 0))
    g = weights["growth_cap"] if new or growth is None else min(max(growth, 0.0), weights["growth_cap"])
    return round(base * (1 + weights["growth"] * g), 1)


def _has_column(con, table: str, column: str) -> bool:
    return column in store.columns(con, table)


def _members_sql(con, where_docs: str = "true") -> str:
    """Every stored message with the columns a Scope filters work orders by (street and community of its place
    where the order has none: a place found in the text), its record's status, and its group."""
    likes = "w.likes" if _has_column(con, "work_orders", "likes") else "NULL::DOUBLE"
    complaint_join, complaint_cols = "", "NULL::TIMESTAMP AS filed_at, NULL AS k_street, NULL AS k_community"
    if store.text_sql(con, "complaints"):
        complaint_join = "LEFT JOIN complaints k ON h.kind = 'complaint' AND k.complaint_id = h.record_id"
        complaint_cols = "k.filed_at, k.street AS k_street, k.community AS k_community"
    return f"""
        SELECT h.doc_key, h.kind, h.record_id, h.group_id, h.writer_id, h.is_repeat, h.terms,
               h.place AS compound_name, coalesce(w.received_at, filed_at) AS received_at,
               coalesce(w.street, k_street, c.street) AS street, coalesce(w.community, k_community, c.community) AS community,
               w.source, w.category, w.request_type, coalesce(w.compound_kind, c.compound_kind) AS compound_kind,
               coalesce(w.management_mode, c.management_mode) AS management_mode, w.handling_unit, w.closed_at,
               w.due_at, w.revisit_result, w.revisited_at, {likes} AS likes
        FROM (SELECT h.*, {complaint_cols} FROM hot_docs h {complaint_join} WHERE {where_docs}) h
        LEFT JOIN work_orders w ON h.kind = 'order' AND w.order_id = h.record_id
        LEFT JOIN compounds c ON c.compound_name = h.place"""


def _window_params(window: Window, prefix: str = "") -> dict:
    return {f"{prefix}start": window.start, f"{prefix}end": window.end, f"{prefix}as_of": window.as_of}


def _in(prefix: str = "") -> str:
    return (f"received_at >= ${prefix}start AND received_at < ${prefix}end AND received_at <= ${prefix}as_of")


def hot_issues(con, config: dict, scope: Scope | None, window: Window, top: int | None = None) -> list[dict]:
    """The hot issues of `window` within `scope`, hottest first (see the module's docstring for 热度)."""
    if not store.ready(con):
        return []
    scope = scope or Scope()
    params = Params.from_config(config)
    weights = heat_weights(config)
    satisfied = ((config or {}).get("satisfaction") or {}).get("weights") or {"satisfied": 1.0,
                                                                              "basically_satisfied": 1.0}
    where, scope_params = scope.where("work_orders", "m")
    previous = window.compared("previous_period")
    members = _members_sql(con, "h.group_id IN (SELECT group_id FROM hot_groups WHERE NOT city_wide "
                                "AND place IS NOT NULL AND residents >= $min_residents)")
    weight_case = "CASE revisit_result " + " ".join(
        f"WHEN '{a}' THEN {float(satisfied.get(a, 0.0))}" for a in REVISIT_ANSWERS) + " END"
    found = rows(con, f"""
        WITH m AS (SELECT * FROM ({members}) m WHERE {where}),
        cur AS (
            SELECT group_id,
                   count(*) FILTER (WHERE kind = 'order') AS orders,
                   count(*) FILTER (WHERE kind = 'complaint') AS complaint_docs,
                   count(DISTINCT writer_id) AS residents,
                   count(DISTINCT CAST(received_at AS DATE)) AS distinct_days,
                   min(received_at) AS first_at, max(received_at) AS last_at,
                   count(*) FILTER (WHERE kind = 'order' AND (closed_at IS NULL OR closed_at > $as_of)) AS open,
                   count(*) FILTER (WHERE closed_at <= $as_of AND due_at IS NOT NULL) AS closed_with_deadline,
                   count(*) FILTER (WHERE closed_at <= $as_of AND closed_at <= due_at) AS closed_on_time,
                   count(*) FILTER (WHERE closed_at <= $as_of AND revisit_result IN {REVISIT_ANSWERS}
                                    AND (revisited_at IS NULL OR revisited_at <= $as_of)) AS answered,
                   sum({weight_case}) FILTER (WHERE closed_at <= $as_of AND revisit_result IN {REVISIT_ANSWERS}
                                              AND (revisited_at IS NULL OR revisited_at <= $as_of)) AS satisfied,
                   count(*) FILTER (WHERE is_repeat) AS repeats,
                   coalesce(sum(likes), 0) AS likes,
                   list(record_id ORDER BY received_at, record_id) FILTER (WHERE kind = 'order') AS order_ids,
                   list(category ORDER BY received_at) FILTER (WHERE category IS NOT NULL) AS categories,
                   list(handling_unit ORDER BY received_at) FILTER (WHERE handling_unit IS NOT NULL) AS units
            FROM m WHERE {_in()} GROUP BY group_id),
        prev AS (SELECT group_id, count(*) AS records FROM m WHERE {_in('prev_')} GROUP BY group_id),
        seen AS (SELECT group_id, min(received_at) AS first_seen FROM m GROUP BY group_id),
        linked AS (SELECT m.group_id, count(*) AS complaints FROM complaints k
                   JOIN m ON m.kind = 'order' AND k.order_id = m.record_id
                   WHERE k.filed_at >= $start AND k.filed_at < $end AND k.filed_at <= $as_of GROUP BY m.group_id)
        SELECT g.group_id AS id, g.title, g.place, g.terms, cur.*, coalesce(prev.records, 0) AS previous,
               coalesce(linked.complaints, 0) + cur.complaint_docs AS complaints, seen.first_seen,
               (SELECT any_value(street) FROM m WHERE m.group_id = g.group_id) AS street,
               (SELECT any_value(community) FROM m WHERE m.group_id = g.group_id) AS community
        FROM cur JOIN hot_groups g USING (group_id) JOIN seen USING (group_id)
        LEFT JOIN prev USING (group_id) LEFT JOIN linked USING (group_id)
        WHERE cur.residents >= $min_residents""",
        {**scope_params, **_window_params(window), **_window_params(previous, "prev_"),
         "min_residents": params.min_residents})
    out = []
    for r in found:
        records = r["orders"] + r["complaint_docs"]
        new = r["first_seen"] >= window.start
        growth = None if not r["previous"] else round((records - r["previous"]) / r["previous"], 3)
        likes = float(r["likes"] or 0)
        out.append({
            "id": r["id"], "title": r["title"], "place": r["place"], "street": r["street"],
            "community": r["community"], "terms": list(r["terms"] or []),
            "first_day": r["first_at"].date(), "last_day": r["last_at"].date(),
            "orders": r["orders"], "complaints": r["complaints"], "distinct_days": r["distinct_days"],
            "residents": r["residents"], "open": r["open"],
            "on_time_closure_rate": (r["closed_on_time"] / r["closed_with_deadline"]
                                     if r["closed_with_deadline"] else None),
            "satisfaction_rate": (float(r["satisfied"]) / r["answered"] if r["answered"] else None),
            "categories": _ranked(r["categories"]), "units": _ranked(r["units"]),
            "heat": heat(r["residents"], r["orders"], r["complaints"], likes, growth, new, weights),
            "growth": growth, "new": new, "previous": r["previous"], "repeats": r["repeats"], "likes": likes,
            "order_ids": list(r["order_ids"] or []),
        })
    out.sort(key=lambda h: (-h["heat"], -h["residents"], -h["last_day"].toordinal(), h["id"]))
    return out[:top] if top else out


def _ranked(values) -> list[str]:
    """Distinct values, the most frequent first (ties: as first written)."""
    counts: dict[str, int] = {}
    for v in values or []:
        counts[v] = counts.get(v, 0) + 1
    return sorted(counts, key=lambda v: -counts[v])


def rising_terms(con, config: dict, scope: Scope | None, window: Window, top: int = 20,
                 min_count: int = 3) -> list[dict]:
    """Words of the messages in scope written in more messages in `window` than in the previous window: term,
    count, previous, growth (None when new), places (compounds writing it), rise = (count - previous) /
    sqrt(previous + 1), the order they come in. Place names and person names are never terms."""
    if not store.ready(con):
        return []
    scope = scope or Scope()
    where, scope_params = scope.where("work_orders", "m")
    previous = window.compared("previous_period")
    found = rows(con, f"""
        WITH m AS (SELECT * FROM ({_members_sql(con)}) m WHERE {where}),
        t AS (SELECT DISTINCT doc_key, compound_name, unnest(terms) AS term,
                     CASE WHEN {_in()} THEN 'cur' WHEN {_in('prev_')} THEN 'prev' END AS span
              FROM m WHERE ({_in()}) OR ({_in('prev_')}))
        SELECT term, count(*) FILTER (WHERE span = 'cur') AS count, count(*) FILTER (WHERE span = 'prev') AS previous,
               count(DISTINCT compound_name) FILTER (WHERE span = 'cur') AS places
        FROM t GROUP BY term HAVING count(*) FILTER (WHERE span = 'cur') >= $min_count""",
        {**scope_params, **_window_params(window), **_window_params(previous, "prev_"), "min_count": min_count})
    out = []
    for r in found:
        if r["count"] <= r["previous"]:
            continue
        rise = (r["count"] - r["previous"]) / math.sqrt(r["previous"] + 1)
        out.append({"term": r["term"], "count": r["count"], "previous": r["previous"],
                    "growth": round((r["count"] - r["previous"]) / r["previous"], 3) if r["previous"] else None,
                    "places": r["places"], "rise": round(rise, 3)})
    out.sort(key=lambda r: (-r["rise"], -r["count"], r["term"]))
    return out[:top] if top else out


def city_themes(con, config: dict, scope: Scope | None = None, window: Window | None = None,
                top: int | None = None) -> list[dict]:
    """The city-wide themes, apart from the hot issues: id, title, terms, first_day, last_day, records (messages in
    the window and scope), orders, places (compounds writing), streets, growth (None when new), order_ids. Without
    a window, all their messages."""
    if not store.ready(con):
        return []
    scope = scope or Scope()
    where, scope_params = scope.where("work_orders", "m")
    args = dict(scope_params)
    inside, before = "true", "false"
    if window is not None:
        previous = window.compared("previous_period")
        inside, before = _in(), _in("prev_")
        args.update({**_window_params(window), **_window_params(previous, "prev_")})
    found = rows(con, f"""
        WITH m AS (SELECT m.*, td.theme_id FROM ({_members_sql(con)}) m JOIN hot_theme_docs td USING (doc_key)
                   WHERE {where})
        SELECT t.theme_id AS id, t.title, t.terms,
               count(*) FILTER (WHERE {inside}) AS records,
               count(*) FILTER (WHERE {inside} AND kind = 'order') AS orders,
               count(*) FILTER (WHERE {before}) AS previous,
               count(DISTINCT compound_name) FILTER (WHERE {inside}) AS places,
               count(DISTINCT street) FILTER (WHERE {inside}) AS streets,
               min(received_at) FILTER (WHERE {inside}) AS first_at, max(received_at) FILTER (WHERE {inside}) AS last_at,
               list(record_id ORDER BY received_at, record_id) FILTER (WHERE {inside} AND kind = 'order') AS order_ids
        FROM m JOIN hot_themes t USING (theme_id) GROUP BY ALL HAVING count(*) FILTER (WHERE {inside}) > 0
        ORDER BY records DESC, id""", args)
    out = [{"id": r["id"], "title": r["title"], "terms": list(r["terms"] or []), "first_day": r["first_at"].date(),
            "last_day": r["last_at"].date(), "records": r["records"], "orders": r["orders"], "places": r["places"],
            "streets": r["streets"],
            "growth": round((r["records"] - r["previous"]) / r["previous"], 3) if r["previous"] else None,
            "order_ids": list(r["order_ids"] or [])} for r in found]
    return out[:top] if top else out


def built(con, config: dict | None = None, scope: Scope | None = None, window: Window | None = None) -> bool:
    """Whether any message has been read (the tables exist and hold one): else a page says none were made yet. False
    where config.yaml turns hot issues off (hot_issues.enabled: false): pages and the briefing then say nothing of them."""
    if ((config or {}).get("hot_issues") or {}).get("enabled", True) is False:
        return False
    return store.ready(con) and bool(rows(con, "SELECT EXISTS (SELECT 1 FROM hot_docs) AS b")[0]["b"])


def issue_orders(con, config: dict, scope: Scope | None, window: Window, issue_id: str = "") -> list[dict]:
    """The work orders of hot issue `issue_id` received in `window` within `scope`, in the order received: order_id,
    received_at, category, handling_unit, title and content (as masked at import), is_repeat, due_at, closed_at
    (None when not closed at as_of) and state at as_of: closed_on_time, closed_late, closed (no deadline), overdue,
    open. Only fields the schema keeps: no caller, no phone."""
    if not store.ready(con) or not issue_id:
        return []
    scope = scope or Scope()
    where, scope_params = scope.where("work_orders", "m")
    title = "w.title" if _has_column(con, "work_orders", "title") else "NULL::VARCHAR"
    found = rows(con, f"""
        SELECT w.order_id, w.received_at, w.category, w.handling_unit, {title} AS title, w.content, w.is_repeat,
               w.due_at, CASE WHEN w.closed_at <= $as_of THEN w.closed_at END AS closed_at
        FROM ({_members_sql(con, "h.group_id = $issue")}) m
        JOIN work_orders w ON m.kind = 'order' AND w.order_id = m.record_id
        WHERE {where} AND {_in().replace("received_at", "m.received_at")}
        ORDER BY w.received_at, w.order_id""", {**scope_params, **_window_params(window), "issue": issue_id})
    for r in found:
        due, closed = r["due_at"], r["closed_at"]
        if closed is not None:
            r["state"] = "closed" if due is None else ("closed_on_time" if closed <= due else "closed_late")
        else:
            r["state"] = "overdue" if due is not None and due < window.as_of else "open"
    return found
