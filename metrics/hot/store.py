"""The hot-issue tables and their refresh after an import: only the new and changed messages are segmented and
linked, the groups they touch are recomputed, and pages read the tables.

Tables (every column is made from masked text, ids the platform wrote, dates and counts; no personal data):

- hot_docs: one row per message (a work order with text; a complaint, once exports carry its text): its place
  (the order's compound, else the compound its text names), day, 是否重复诉求, terms, group and writer.
- hot_groups: one row per group of two or more messages: place, title, terms, first and last day, messages,
  residents, and whether it is a city-wide theme's (then not a compound's hot issue).
- hot_seed_matches: for a group found city-wide, the messages anywhere in the city close to its centroid.
- hot_themes, hot_theme_docs: the city-wide themes (metrics.hot.city_themes) and their messages.
- hot_lexicon: the user dictionary of the last refresh (a word added since is looked for in the old messages).

Incremental equals rebuilt: a link depends on its two messages only (metrics.hot.grouping); an import's new
messages are linked to the messages of their place within link_days, joining or merging the groups there; a
changed or deleted message's old group is split again from its own remaining members (its members link to nothing
outside it, else they would have been one group). Writers, titles and terms depend on a group's members only; a
group's city-wide test on the messages within link_days of its span, and is recomputed whenever one of those days
changed. A new dictionary word re-reads the messages that hold it; a removed one, changed synonyms, stop words or
parameters rebuild everything (`refresh(..., full=True)` does too)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict

import numpy as np
import pyarrow as pa

from ..db import rows, scalar
from . import grouping
from .grouping import Params
from .text import Segmenter, build_lexicon, clauses

VERSION = "1"
META_SETTINGS = "hot_issues:settings"
EPOCH = dt.date(1970, 1, 1)

DDL = [
    """CREATE TABLE IF NOT EXISTS hot_docs (doc_key VARCHAR, kind VARCHAR, record_id VARCHAR, fingerprint VARCHAR,
        place VARCHAR, place_from VARCHAR, day DATE, is_repeat BOOLEAN, terms VARCHAR[], component_id VARCHAR,
        group_id VARCHAR, writer_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS hot_groups (group_id VARCHAR, first_key VARCHAR, place VARCHAR, title VARCHAR,
        terms VARCHAR[], first_day DATE, last_day DATE, docs BIGINT, residents BIGINT, seed BOOLEAN, spread BIGINT,
        own_share DOUBLE, seed_city BOOLEAN, city_wide BOOLEAN, theme_id VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS hot_seed_matches (group_id VARCHAR, doc_key VARCHAR, place VARCHAR)",
    """CREATE TABLE IF NOT EXISTS hot_themes (theme_id VARCHAR, title VARCHAR, terms VARCHAR[], first_day DATE,
        last_day DATE, places BIGINT, docs BIGINT)""",
    "CREATE TABLE IF NOT EXISTS hot_theme_docs (theme_id VARCHAR, doc_key VARCHAR)",
    "CREATE TABLE IF NOT EXISTS hot_lexicon (word VARCHAR, kind VARCHAR)",
]
TABLES = ("hot_docs", "hot_groups", "hot_seed_matches", "hot_themes", "hot_theme_docs", "hot_lexicon")


def ensure(con) -> None:
    for statement in DDL:
        con.execute(statement)


def ready(con) -> bool:
    """Whether the tables exist (a database no refresh has run on has none: the API then answers empty)."""
    return scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'hot_groups'") > 0


def gid(prefix: str, key: str) -> str:
    return prefix + hashlib.md5(key.encode("utf-8")).hexdigest()[:16]


def columns(con, table: str) -> set[str]:
    return {r["column_name"] for r in rows(con, "SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                           [table])}


def text_sql(con, table: str) -> str | None:
    """The text a record is read by: its title (a future 标题/留言主题 column) and its content, when the table has
    them; None when it has neither (complaints today)."""
    have = columns(con, table)
    parts = [c for c in ("title", "content") if c in have]
    if not parts:
        return None
    return "concat_ws('。', " + ", ".join(f"NULLIF(trim({c}), '')" for c in parts) + ")"


def source_sql(con) -> str:
    """The messages as the source tables hold them: key, kind, id, text, compound, day, repeat flag, fingerprint
    (of what grouping reads: a change of status does not make a message new)."""
    parts = []
    order_text = text_sql(con, "work_orders")
    if order_text:
        parts.append(f"""SELECT 'o:' || order_id AS doc_key, 'order' AS kind, order_id AS record_id,
            {order_text} AS text, compound_name, CAST(received_at AS DATE) AS day,
            coalesce(is_repeat, false) AS is_repeat FROM work_orders WHERE order_id IS NOT NULL""")
    complaint_text = text_sql(con, "complaints")
    if complaint_text:
        parts.append(f"""SELECT 'c:' || complaint_id, 'complaint', complaint_id, {complaint_text}, compound_name,
            CAST(filed_at AS DATE), false FROM complaints WHERE complaint_id IS NOT NULL""")
    if not parts:
        return "SELECT NULL::VARCHAR AS doc_key, NULL AS kind, NULL AS record_id, NULL AS text, NULL AS compound_name, " \
               "NULL::DATE AS day, NULL::BOOLEAN AS is_repeat, NULL AS fingerprint WHERE false"
    union = " UNION ALL ".join(parts)
    return f"""SELECT *, md5(concat_ws(chr(31), text, coalesce(compound_name, ''), CAST(day AS VARCHAR),
                                       CAST(is_repeat AS VARCHAR))) AS fingerprint
               FROM ({union}) WHERE text IS NOT NULL AND length(text) > 0"""


def _settings_key(params: Params, lexicon) -> str:
    return json.dumps({"version": VERSION, "params": params.__dict__, "synonyms": sorted(lexicon.synonyms.items()),
                       "stopwords": sorted(lexicon.stopwords)}, ensure_ascii=False, sort_keys=True)


def _lexicon_entries(lexicon) -> dict[str, str]:
    """word -> kind; a place's kind names its compound, so a form moving to another compound is a removal."""
    out = {w: "name" for w in lexicon.other_names}
    out.update({w: "category" for w in lexicon.categories})
    out.update({w: f"place:{c}" for w, c in lexicon.places.items()})
    return out


def _day_number(day) -> int:
    return (day - EPOCH).days


def refresh(con, config: dict, new_order_ids=None, *, full: bool = False) -> dict:
    """Bring the hot-issue tables up to date with work_orders (and complaints with text): after an import, inside
    its transaction or after it. `new_order_ids` (optional) names the orders the import wrote, new or updated: only
    they are compared (deleted orders are then not looked for); None compares everything (a fast scan). full=True
    rebuilds from nothing. Returns what it did (messages read, groups written, seconds)."""
    started = time.perf_counter()
    ensure(con)
    params = Params.from_config(config)
    lexicon = build_lexicon(con, config)
    settings = _settings_key(params, lexicon)
    stored_settings = scalar(con, "SELECT max(value) FROM meta WHERE key = ?", [META_SETTINGS])
    entries = _lexicon_entries(lexicon)
    old_entries = {r["word"]: r["kind"] for r in rows(con, "SELECT word, kind FROM hot_lexicon")}
    removed = {w for w, k in old_entries.items() if entries.get(w) != k}
    added = {w for w in entries if w not in old_entries}
    if stored_settings != settings or removed or not scalar(con, "SELECT count(*) FROM hot_docs"):
        full = True
    if full:
        for table in TABLES:
            con.execute(f"DELETE FROM {table}")
        added, new_order_ids = set(), None
    segmenter = Segmenter(lexicon)

    # 1. what changed: new or changed messages, deleted ones, and old ones holding a new dictionary word
    con.execute("DROP TABLE IF EXISTS hot_src")
    restrict = ""
    params_sql: list = []
    if new_order_ids is not None:
        restrict = "WHERE doc_key IN (SELECT 'o:' || unnest(?::VARCHAR[]))"
        params_sql = [list(new_order_ids)]
    con.execute(f"CREATE TEMP TABLE hot_src AS SELECT * FROM ({source_sql(con)}) {restrict}", params_sql)
    changed = rows(con, """SELECT s.doc_key, s.kind, s.record_id, s.text, s.compound_name, s.day, s.is_repeat,
                                  s.fingerprint
                           FROM hot_src s ANTI JOIN hot_docs h ON h.doc_key = s.doc_key AND h.fingerprint = s.fingerprint""")
    deleted = [] if new_order_ids is not None else [r["doc_key"] for r in rows(
        con, "SELECT doc_key FROM hot_docs ANTI JOIN hot_src USING (doc_key)")]
    if added:
        seen = {r["doc_key"] for r in changed}
        holders = [r for r in rows(con, """SELECT s.doc_key, s.kind, s.record_id, s.text, s.compound_name, s.day,
                                                  s.is_repeat, s.fingerprint FROM hot_src s SEMI JOIN hot_docs USING (doc_key)""")
                   if r["doc_key"] not in seen and _holds(r["text"], added, segmenter)]
        changed += holders
    con.execute("DROP TABLE hot_src")
    old_days = []
    touched_keys = [r["doc_key"] for r in changed] + deleted
    old = {}
    if touched_keys and not full:
        for r in rows(con, "SELECT doc_key, component_id, day FROM hot_docs WHERE doc_key IN (SELECT unnest(?::VARCHAR[]))",
                      [touched_keys]):
            old[r["doc_key"]] = r
            old_days.append(r["day"])

    # 2. read the changed messages
    new_docs = []
    for r in changed:
        found = segmenter.analyse(r["text"])
        place = r["compound_name"] or found.place
        new_docs.append({"doc_key": r["doc_key"], "kind": r["kind"], "record_id": r["record_id"],
                         "fingerprint": r["fingerprint"], "place": place,
                         "place_from": "order" if r["compound_name"] else ("text" if found.place else None),
                         "day": r["day"], "is_repeat": bool(r["is_repeat"]), "terms": found.terms})

    # 3. the components of the old versions are dirty: drop the old versions, write the new ones
    dirty = sorted({o["component_id"] for o in old.values() if o["component_id"]})
    if touched_keys and not full:
        con.execute("DELETE FROM hot_docs WHERE doc_key IN (SELECT unnest(?::VARCHAR[]))", [touched_keys])
    _insert_docs(con, new_docs)

    changed_days = sorted({d["day"] for d in new_docs} | set(old_days))
    components = _regroup(con, params, segmenter, new_docs, set(dirty), full)
    affected = _split(con, params, segmenter, components)
    # groups no message belongs to any more
    con.execute("DELETE FROM hot_groups WHERE group_id NOT IN (SELECT group_id FROM hot_docs WHERE group_id IS NOT NULL)")
    con.execute("DELETE FROM hot_seed_matches WHERE group_id NOT IN (SELECT group_id FROM hot_groups)")
    _describe(con, params, segmenter, affected)
    _seeds(con, params, affected, changed_days, full)
    _themes(con, params, segmenter)

    con.execute("DELETE FROM hot_lexicon")
    if entries:
        con.register("hot_lexicon_new", pa.table({"word": list(entries), "kind": list(entries.values())}))
        con.execute("INSERT INTO hot_lexicon SELECT word, kind FROM hot_lexicon_new")
        con.unregister("hot_lexicon_new")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_SETTINGS, settings])
    return {"full": full, "messages_read": len(new_docs), "deleted": len(deleted), "groups_written": len(affected),
            "seconds": round(time.perf_counter() - started, 3)}


def _holds(text: str | None, words: set[str], segmenter: Segmenter) -> bool:
    from .text import normalise

    folded = normalise(text, segmenter.lexicon.synonyms).lower()
    return any(w in folded for w in words)


def _insert_docs(con, docs: list[dict]) -> None:
    if not docs:
        return
    table = pa.table({
        "doc_key": [d["doc_key"] for d in docs], "kind": [d["kind"] for d in docs],
        "record_id": [d["record_id"] for d in docs], "fingerprint": [d["fingerprint"] for d in docs],
        "place": pa.array([d["place"] for d in docs], pa.string()),
        "place_from": pa.array([d["place_from"] for d in docs], pa.string()),
        "day": pa.array([d["day"] for d in docs], pa.date32()), "is_repeat": [d["is_repeat"] for d in docs],
        "terms": pa.array([d["terms"] for d in docs], pa.list_(pa.string())),
    })
    con.register("hot_docs_new", table)
    con.execute("""INSERT INTO hot_docs SELECT doc_key, kind, record_id, fingerprint, place, place_from, day, is_repeat,
                                               terms, NULL, NULL, doc_key FROM hot_docs_new""")
    con.unregister("hot_docs_new")


def _load(con, where: str, params=None) -> list[dict]:
    return rows(con, f"""SELECT doc_key, place, day, is_repeat, terms, component_id, group_id FROM hot_docs
                         WHERE {where}""",
                params)


def _regroup(con, params: Params, segmenter: Segmenter, new_docs: list[dict], dirty: set[str], full: bool) -> set[str]:
    """Link the new messages to their place's messages and re-split dirty components (those an old version left);
    write every touched message's component. Returns the ids of the components whose members changed."""
    if not new_docs and not dirty:
        return set()
    new_keys = [d["doc_key"] for d in new_docs]
    loaded: dict[str, dict] = {}
    if full:
        for r in _load(con, "true"):
            loaded[r["doc_key"]] = r
    else:
        # the new messages, the remaining members of dirty components, and every message of the new ones' places
        # within link_days of them
        for r in _load(con, "doc_key IN (SELECT unnest(?::VARCHAR[]))", [new_keys]):
            loaded[r["doc_key"]] = r
        if dirty:
            for r in _load(con, "component_id IN (SELECT unnest(?::VARCHAR[]))", [sorted(dirty)]):
                loaded[r["doc_key"]] = r
        con.register("hot_new_span", pa.table({"doc_key": pa.array(new_keys, pa.string())}))
        for r in rows(con, f"""
                SELECT h.doc_key, h.place, h.day, h.is_repeat, h.terms, h.component_id, h.group_id FROM hot_docs h
                JOIN (SELECT n.place, min(n.day) - {int(params.link_days)} AS lo, max(n.day) + {int(params.link_days)} AS hi
                      FROM hot_docs n SEMI JOIN hot_new_span USING (doc_key) GROUP BY n.place) r
                  ON h.place IS NOT DISTINCT FROM r.place AND h.day BETWEEN r.lo AND r.hi"""):
            loaded.setdefault(r["doc_key"], r)
        con.unregister("hot_new_span")
    docs = sorted(loaded.values(), key=lambda d: d["doc_key"])
    n = len(docs)
    index = {d["doc_key"]: k for k, d in enumerate(docs)}
    X, _ = grouping.vectorise([d["terms"] for d in docs], segmenter.weight)
    place_codes: dict = {}
    block = np.array([place_codes.setdefault(d["place"], len(place_codes)) for d in docs], np.int64)
    days = np.array([_day_number(d["day"]) for d in docs], np.int64)
    is_new = np.zeros(n, bool)
    is_new[[index[k] for k in new_keys]] = True
    in_dirty = np.array([(d["component_id"] in dirty) and not is_new[k] for k, d in enumerate(docs)], bool)

    # messages that name no place are linked across the whole city: only as close as a city-wide match
    placeless = np.array([d["place"] is None for d in docs], bool)
    strict = max(params.similarity, params.city_similarity)
    edges_i, edges_j = [], []

    def add(i, j, s):
        keep = ~placeless[i] | (s >= strict - 1e-12)
        edges_i.append(i[keep])
        edges_j.append(j[keep])

    if full:
        add(*grouping.links(X, block, days, params.similarity, params.link_days))
    else:
        query = np.flatnonzero(is_new)
        if len(query):
            add(*grouping.links(X, block, days, params.similarity, params.link_days, query=query))
        if in_dirty.any():
            codes: dict = {}
            dblock = np.array([codes.setdefault(d["component_id"], len(codes)) if in_dirty[k] else -1 - k
                               for k, d in enumerate(docs)], np.int64)
            add(*grouping.links(X, dblock, days, params.similarity, params.link_days, query=np.flatnonzero(in_dirty)))
    # old components (of two or more) untouched by the change stay whole: their loaded members hang on one node each
    first_of: dict[str, str] = {}
    if not full:
        loaded_components = sorted({d["component_id"] for d in docs if d["component_id"] and d["component_id"] not in dirty})
        if loaded_components:
            first_of = {r["component_id"]: r["first_key"] for r in rows(
                con, """SELECT component_id, min(doc_key) AS first_key FROM hot_docs
                        WHERE component_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY component_id HAVING count(*) > 1""",
                [loaded_components])}
    super_ids: dict[str, int] = {}
    for k, d in enumerate(docs):
        if not full and not is_new[k] and not in_dirty[k] and d["component_id"] in first_of:
            node = super_ids.setdefault(d["component_id"], n + len(super_ids))
            edges_i.append(np.array([k]))
            edges_j.append(np.array([node]))
    i = np.concatenate(edges_i) if edges_i else np.zeros(0, np.int64)
    j = np.concatenate(edges_j) if edges_j else np.zeros(0, np.int64)
    labels = grouping.components(n + len(super_ids), i.astype(np.int64), j.astype(np.int64))

    members: dict[int, list] = defaultdict(list)
    for k in range(n):
        members[labels[k]].append(("doc", k))
    for c, node in super_ids.items():
        members[labels[node]].append(("component", c))
    doc_component: dict[str, str] = {}
    renamed: dict[str, str] = {}
    affected: set[str] = set()
    for items in members.values():
        doc_items = [docs[k]["doc_key"] for kind, k in items if kind == "doc"]
        components_in = [c for kind, c in items if kind == "component"]
        changed_here = any(is_new[k] or in_dirty[k] for kind, k in items if kind == "doc")
        if not changed_here and (len(components_in) == 1 or (not components_in and len(doc_items) == 1)):
            continue   # an old component, or an old message alone, that nothing joined
        new_id = gid("k", min(doc_items + [first_of[c] for c in components_in]))
        for key in doc_items:
            doc_component[key] = new_id
        for c in components_in:
            if c != new_id:
                renamed[c] = new_id
        affected.add(new_id)
    if doc_component:
        con.register("hot_component_new", pa.table({"doc_key": list(doc_component),
                                                    "component_id": list(doc_component.values())}))
        con.execute("""UPDATE hot_docs SET component_id = n.component_id FROM hot_component_new n
                       WHERE hot_docs.doc_key = n.doc_key""")
        con.unregister("hot_component_new")
    if renamed:
        con.register("hot_component_renamed", pa.table({"old_id": list(renamed), "new_id": list(renamed.values())}))
        con.execute("""UPDATE hot_docs SET component_id = r.new_id FROM hot_component_renamed r
                       WHERE hot_docs.component_id = r.old_id""")
        con.unregister("hot_component_renamed")
    return affected


def _split(con, params: Params, segmenter: Segmenter, components: set[str]) -> set[str]:
    """The groups of each changed component (grouping.split: a loose chain is cut into its cohesive parts); writes
    every member's group. Returns the groups of two or more messages among them."""
    if not components:
        return set()
    found = rows(con, """SELECT doc_key, day, terms, component_id FROM hot_docs
                         WHERE component_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY component_id, doc_key""",
                 [sorted(components)])
    by_component: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        by_component[r["component_id"]].append(r)
    group_of: dict[str, str] = {}
    groups: set[str] = set()
    for docs in by_component.values():
        keys = [d["doc_key"] for d in docs]
        if len(docs) <= 2:
            labels = np.zeros(len(docs), np.int64)
        else:
            X, _ = grouping.vectorise([d["terms"] for d in docs], segmenter.weight)
            labels = grouping.split(X, np.array([_day_number(d["day"]) for d in docs], np.int64), params)
        by_label: dict[int, list[str]] = defaultdict(list)
        for key, label in zip(keys, labels):
            by_label[int(label)].append(key)
        for members in by_label.values():
            g = gid("g", min(members))
            for key in members:
                group_of[key] = g
            if len(members) >= 2:
                groups.add(g)
    con.register("hot_group_new", pa.table({"doc_key": list(group_of), "group_id": list(group_of.values())}))
    con.execute("""UPDATE hot_docs SET group_id = n.group_id, writer_id = hot_docs.doc_key FROM hot_group_new n
                   WHERE hot_docs.doc_key = n.doc_key""")   # writers: described again for groups of two or more
    con.unregister("hot_group_new")
    return groups


def _describe(con, params: Params, segmenter: Segmenter, affected: set[str]) -> None:
    """Writers, residents, title and terms of every affected group; a group of one is no row of hot_groups."""
    if not affected:
        return
    ids = sorted(affected)
    con.execute("DELETE FROM hot_groups WHERE group_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    found = rows(con, """SELECT h.doc_key, h.kind, h.record_id, h.place, h.day, h.is_repeat, h.terms, h.group_id
                         FROM hot_docs h WHERE group_id IN (SELECT unnest(?::VARCHAR[]))
                         ORDER BY group_id, doc_key""", [ids])
    by_group: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        by_group[r["group_id"]].append(r)
    writer_of: dict[str, str] = {}
    out = []
    texts = _texts(con, [r for g in by_group.values() if len(g) >= params.min_residents for r in g])
    for g, docs in by_group.items():
        keys = [d["doc_key"] for d in docs]
        if len(docs) == 1:
            writer_of[keys[0]] = keys[0]
            continue
        X, vocabulary = grouping.vectorise([d["terms"] for d in docs], segmenter.weight)
        days = np.array([_day_number(d["day"]) for d in docs], np.int64)
        repeat = np.array([bool(d["is_repeat"]) for d in docs])
        who = grouping.writers(X, days, repeat, keys, params)
        writer_of.update(zip(keys, who))
        residents = len(set(who))
        terms = top_terms(X, vocabulary, 5)
        title = None
        if len(docs) >= params.min_residents:
            title = make_title(segmenter, X, vocabulary, [texts.get(k) for k in keys])
        places = [d["place"] for d in docs]
        out.append({"group_id": g, "first_key": min(keys), "place": places[0], "title": title, "terms": terms,
                    "first_day": min(d["day"] for d in docs), "last_day": max(d["day"] for d in docs),
                    "docs": len(docs), "residents": residents})
    if writer_of:
        con.register("hot_writer_new", pa.table({"doc_key": list(writer_of), "writer_id": list(writer_of.values())}))
        con.execute("""UPDATE hot_docs SET writer_id = n.writer_id FROM hot_writer_new n
                       WHERE hot_docs.doc_key = n.doc_key""")
        con.unregister("hot_writer_new")
    if out:
        con.register("hot_groups_new", pa.table({
            "group_id": [o["group_id"] for o in out], "first_key": [o["first_key"] for o in out],
            "place": pa.array([o["place"] for o in out], pa.string()),
            "title": pa.array([o["title"] for o in out], pa.string()),
            "terms": pa.array([o["terms"] for o in out], pa.list_(pa.string())),
            "first_day": pa.array([o["first_day"] for o in out], pa.date32()),
            "last_day": pa.array([o["last_day"] for o in out], pa.date32()),
            "docs": [o["docs"] for o in out], "residents": [o["residents"] for o in out]}))
        con.execute("""INSERT INTO hot_groups SELECT group_id, first_key, place, title, terms, first_day, last_day, docs,
                           residents, NULL, NULL, NULL, false, false, NULL FROM hot_groups_new""")
        con.unregister("hot_groups_new")


def _texts(con, docs: list[dict]) -> dict[str, str]:
    """The (masked) texts of these messages, for titles."""
    orders = [d["record_id"] for d in docs if d["kind"] == "order"]
    complaints = [d["record_id"] for d in docs if d["kind"] == "complaint"]
    out = {}
    order_text = text_sql(con, "work_orders")
    if orders and order_text:
        for r in rows(con, f"""SELECT order_id, {order_text} AS text FROM work_orders
                               WHERE order_id IN (SELECT unnest(?::VARCHAR[]))""", [orders]):
            out["o:" + r["order_id"]] = r["text"]
    complaint_text = text_sql(con, "complaints")
    if complaints and complaint_text:
        for r in rows(con, f"""SELECT complaint_id, {complaint_text} AS text FROM complaints
                               WHERE complaint_id IN (SELECT unnest(?::VARCHAR[]))""", [complaints]):
            out["c:" + r["complaint_id"]] = r["text"]
    return out


def top_terms(X, vocabulary: dict[str, int], top: int) -> list[str]:
    """The words that weigh most in the group: summed over its messages (ties: alphabetical)."""
    weights = np.asarray(X.sum(axis=0)).ravel()
    names = {j: t for t, j in vocabulary.items()}
    ranked = sorted(((-weights[j], names[j]) for j in np.flatnonzero(weights)), key=lambda p: (round(p[0], 9), p[1]))
    return [t for _, t in ranked[:top]]


TITLE_MAX = 24
TITLE_SOURCES = 12
_BOILERPLATE_STARTS = ("市民来电反映", "来电人反映", "市民来电称", "来电反映", "市民反映", "来电人称", "来电称", "反映",
                       "12345热线转办", "网友留言", "市民")


def make_title(segmenter: Segmenter, X, vocabulary: dict[str, int], texts: list[str | None]) -> str | None:
    """A short title in the group's own words: of the clauses its messages were written with (masked at import), the
    one whose words weigh most in the group, per character; never a clause holding a masked token, digits of a
    number one could call, or a person's name (jieba's nr tag)."""
    weights = np.asarray(X.sum(axis=0)).ravel()
    weight_of = {t: weights[j] for t, j in vocabulary.items()}
    best, best_score = None, 0.0
    seen = set()
    # the messages closest to the group's centroid say it best (and a large group is not read whole)
    closeness = np.asarray((X @ grouping.centroid(X, top=0).T).todense()).ravel()
    chosen = sorted(range(len(texts)), key=lambda k: (-round(float(closeness[k]), 9), k))[:TITLE_SOURCES]
    for text in (texts[k] for k in chosen):
        for clause in clauses(text):
            clause = _strip_boilerplate(clause)
            if clause in seen or len(clause) < 4 or len(clause) > 40 or "[" in clause:
                continue
            seen.add(clause)
            if sum(ch.isdigit() for ch in clause) >= 5:
                continue
            terms = set(segmenter.analyse(clause).terms)
            score = sum(weight_of.get(t, 0.0) for t in terms) / (6 + len(clause))
            if score > best_score and not segmenter.has_person_name(clause):
                best, best_score = clause, score
    if best is None:
        return None
    return best if len(best) <= TITLE_MAX else best[:TITLE_MAX - 1] + "…"


def _strip_boilerplate(clause: str) -> str:
    for start in _BOILERPLATE_STARTS:
        if clause.startswith(start):
            clause = clause[len(start):].lstrip("：:，, ")
    return clause.strip()


def _seeds(con, params: Params, affected: set[str], changed_days: list, full: bool) -> None:
    """The city-wide test of the groups large enough to be hot issues (seeds) and of the groups of messages that name
    no place: a seed is city-wide when messages close to its centroid (city_similarity) lie in city_min_places other
    compounds within link_days of its span, and its own compound holds at most city_max_share of them (a place's
    own problem is concentrated there; a city's theme is written about everywhere)."""
    gap = int(params.link_days)
    where = ["((place IS NOT NULL AND residents >= $min_residents) OR (place IS NULL AND docs >= 2))"]
    args = {"min_residents": params.min_residents, "gap": gap}
    if not full:
        choose = ["group_id IN (SELECT unnest($affected::VARCHAR[]))"]
        args["affected"] = sorted(affected)
        if changed_days:
            choose.append("EXISTS (SELECT 1 FROM (SELECT unnest($days::DATE[]) AS d) c "
                          "WHERE c.d BETWEEN first_day - $gap AND last_day + $gap)")
            args["days"] = changed_days
        where.append("(" + " OR ".join(choose) + ")")
    seeds = rows(con, f"SELECT group_id, place, first_day, last_day FROM hot_groups WHERE {' AND '.join(where)}", args)
    if not full:
        stale = sorted(set(affected) | {s["group_id"] for s in seeds})
        con.execute("DELETE FROM hot_seed_matches WHERE group_id IN (SELECT unnest(?::VARCHAR[]))", [stale])
        con.execute("""UPDATE hot_groups SET seed = NULL, spread = NULL, own_share = NULL, seed_city = false
                       WHERE group_id IN (SELECT unnest(?::VARCHAR[]))""", [stale])
    if not seeds:
        return
    lo = min(s["first_day"] for s in seeds) - dt.timedelta(days=gap)
    hi = max(s["last_day"] for s in seeds) + dt.timedelta(days=gap)
    docs = _load(con, "day BETWEEN ? AND ?", [lo, hi])
    from .text import idf_table

    idf, unknown = idf_table()
    X, _ = grouping.vectorise([d["terms"] for d in docs], lambda t: idf.get(t, unknown))
    days = np.array([_day_number(d["day"]) for d in docs], np.int64)
    by_group: dict[str, list[int]] = defaultdict(list)
    for k, d in enumerate(docs):
        by_group[d["group_id"]].append(k)
    seeds.sort(key=lambda s: s["first_day"])
    results, matches_out = [], []
    for c0 in range(0, len(seeds), 200):
        chunk = seeds[c0:c0 + 200]
        cents = [grouping.centroid(X[by_group[s["group_id"]]]) for s in chunk]
        from scipy import sparse

        C = sparse.vstack(cents).tocsr()
        c_lo = _day_number(min(s["first_day"] for s in chunk)) - gap
        c_hi = _day_number(max(s["last_day"] for s in chunk)) + gap
        in_range = np.flatnonzero((days >= c_lo) & (days <= c_hi))
        S = (X[in_range] @ C.T).tocsc()
        for m, s in enumerate(chunk):
            col = S.getcol(m).tocoo()
            rows_m = in_range[col.row[col.data >= params.city_similarity - 1e-12]]
            s_lo, s_hi = _day_number(s["first_day"]) - gap, _day_number(s["last_day"]) + gap
            rows_m = np.sort(rows_m[(days[rows_m] >= s_lo) & (days[rows_m] <= s_hi)])
            placed = [docs[k]["place"] for k in rows_m if docs[k]["place"] is not None]
            others = {p for p in placed if p != s["place"]}
            own = sum(1 for p in placed if p == s["place"]) if s["place"] is not None else 0
            share = own / len(placed) if placed else 0.0
            city = len(others) >= params.city_min_places and (s["place"] is None or share <= params.city_max_share)
            results.append((s["group_id"], len(others), share, city))
            if city:   # one step further: the messages close to the centroid of what it matched
                again = X[in_range] @ grouping.centroid(X[rows_m]).T
                again = np.asarray(again.todense()).ravel()
                more = in_range[(again >= params.city_similarity - 1e-12) & (days[in_range] >= s_lo)
                                & (days[in_range] <= s_hi)]
                rows_m = np.union1d(rows_m, more)
                matches_out += [(s["group_id"], docs[k]["doc_key"], docs[k]["place"]) for k in rows_m]
    con.register("hot_seed_new", pa.table({"group_id": [r[0] for r in results], "spread": [r[1] for r in results],
                                           "own_share": [r[2] for r in results], "seed_city": [r[3] for r in results]}))
    con.execute("""UPDATE hot_groups SET seed = true, spread = n.spread, own_share = n.own_share, seed_city = n.seed_city
                   FROM hot_seed_new n WHERE hot_groups.group_id = n.group_id""")
    con.unregister("hot_seed_new")
    if matches_out:
        con.register("hot_matches_new", pa.table({"group_id": [m[0] for m in matches_out],
                                                  "doc_key": [m[1] for m in matches_out],
                                                  "place": pa.array([m[2] for m in matches_out], pa.string())}))
        con.execute("INSERT INTO hot_seed_matches SELECT group_id, doc_key, place FROM hot_matches_new")
        con.unregister("hot_matches_new")


def _themes(con, params: Params, segmenter: Segmenter) -> None:
    """The city-wide themes, rebuilt from the city-wide seeds' matches (few): seeds sharing a message are one theme;
    a group whose messages are mostly a theme's is that theme's, not a compound's hot issue."""
    con.execute("DELETE FROM hot_themes")
    con.execute("DELETE FROM hot_theme_docs")
    con.execute("UPDATE hot_groups SET city_wide = false, theme_id = NULL WHERE city_wide OR theme_id IS NOT NULL")
    found = rows(con, """SELECT m.group_id, m.doc_key, g.first_key FROM hot_seed_matches m
                         JOIN hot_groups g USING (group_id) WHERE g.seed_city ORDER BY m.group_id, m.doc_key""")
    if not found:
        return
    seeds = sorted({r["group_id"] for r in found})
    seed_index = {g: k for k, g in enumerate(seeds)}
    doc_index: dict[str, int] = {}
    i, j = [], []
    for r in found:
        d = doc_index.setdefault(r["doc_key"], len(seeds) + len(doc_index))
        i.append(seed_index[r["group_id"]])
        j.append(d)
    labels = grouping.components(len(seeds) + len(doc_index), np.array(i, np.int64), np.array(j, np.int64))
    first_key = {r["group_id"]: r["first_key"] for r in found}
    first_of_label: dict[int, str] = {}
    for g in seeds:
        label = labels[seed_index[g]]
        first_of_label[label] = min(first_key[g], first_of_label.get(label, first_key[g]))
    theme_of_label = {label: gid("t", key) for label, key in first_of_label.items()}
    theme_docs = [(theme_of_label[labels[k]], key) for key, k in doc_index.items()]
    con.register("hot_theme_docs_new", pa.table({"theme_id": [t for t, _ in theme_docs],
                                                 "doc_key": [d for _, d in theme_docs]}))
    con.execute("INSERT INTO hot_theme_docs SELECT theme_id, doc_key FROM hot_theme_docs_new")
    con.unregister("hot_theme_docs_new")
    # a group most of whose messages are a theme's belongs to the theme
    con.execute("""UPDATE hot_groups SET city_wide = true, theme_id = t.theme_id FROM (
                       SELECT h.group_id, arg_max(td.theme_id, 1) AS theme_id, count(td.doc_key) AS inside,
                              count(*) AS docs
                       FROM hot_docs h LEFT JOIN hot_theme_docs td USING (doc_key)
                       WHERE h.group_id IN (SELECT group_id FROM hot_groups) GROUP BY h.group_id) t
                   WHERE hot_groups.group_id = t.group_id AND t.inside * 2 > t.docs""")
    # each theme's words, title and reach
    docs = rows(con, """SELECT td.theme_id, h.doc_key, h.kind, h.record_id, h.place, h.day, h.terms
                        FROM hot_theme_docs td JOIN hot_docs h USING (doc_key) ORDER BY td.theme_id, h.doc_key""")
    by_theme: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        by_theme[d["theme_id"]].append(d)
    texts = _texts(con, docs)
    out = []
    for t, members in by_theme.items():
        X, vocabulary = grouping.vectorise([d["terms"] for d in members], segmenter.weight)
        out.append({"theme_id": t, "title": make_title(segmenter, X, vocabulary,
                                                       [texts.get(d["doc_key"]) for d in members]),
                    "terms": top_terms(X, vocabulary, 5), "first_day": min(d["day"] for d in members),
                    "last_day": max(d["day"] for d in members),
                    "places": len({d["place"] for d in members if d["place"]}), "docs": len(members)})
    con.register("hot_themes_new", pa.table({
        "theme_id": [o["theme_id"] for o in out], "title": pa.array([o["title"] for o in out], pa.string()),
        "terms": pa.array([o["terms"] for o in out], pa.list_(pa.string())),
        "first_day": pa.array([o["first_day"] for o in out], pa.date32()),
        "last_day": pa.array([o["last_day"] for o in out], pa.date32()),
        "places": [o["places"] for o in out], "docs": [o["docs"] for o in out]}))
    con.execute("INSERT INTO hot_themes SELECT * FROM hot_themes_new")
    con.unregister("hot_themes_new")


def partition(con) -> dict[str, str]:
    """Each message's cluster as the dashboard shows it: its group, when the group has two or more messages and
    is a compound's (not city-wide); else its city-wide theme; else itself alone. What the fixture's labels are
    measured against (tests/test_hot.py)."""
    found = rows(con, """
        SELECT h.doc_key, CASE WHEN g.group_id IS NOT NULL AND NOT g.city_wide AND g.place IS NOT NULL THEN g.group_id
                               WHEN td.theme_id IS NOT NULL THEN td.theme_id
                               ELSE 'single:' || h.doc_key END AS cluster
        FROM hot_docs h LEFT JOIN hot_groups g USING (group_id) LEFT JOIN hot_theme_docs td USING (doc_key)""")
    return {r["doc_key"]: r["cluster"] for r in found}
