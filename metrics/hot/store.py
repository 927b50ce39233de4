"""The hot-issue tables and their refresh after an import: only the new and changed messages are segmented and
linked, the groups they touch are recomputed, and pages read the tables.

Tables (every column is made from masked text, ids the platform wrote, dates, counts and numbers; no personal data):

- hot_docs: one row per message (a work order with text; a complaint, once exports carry its text): its place
  (the order's compound, else the compound its text names), day, 是否重复诉求, terms, component, group and writer.
- hot_terms, hot_doc_terms: each message's unit vector (word id, weight), read back as arrays, never recomputed.
- hot_groups: one row per group of two or more messages: place, title, terms, first and last day, messages,
  residents, its city-wide test (seed, spread, concentration, seed_city) and whether it is a city-wide theme's
  (city_wide: then not a compound's hot issue).
- hot_centroids, hot_seed_matches: for each seed of the city-wide test (a group that can be a hot issue, or a
  group of messages naming no place) its centroid and the messages anywhere in the city close to it.
- hot_themes, hot_theme_docs: the city-wide themes (metrics.hot.city_themes) and their messages.
- hot_lexicon: the user dictionary of the last refresh (a word added since is looked for in the old messages).

Incremental equals rebuilt (tests/test_hot.py compares every table): a link depends on its two messages only
(metrics.hot.grouping); an import's new messages are linked to the messages of their place within link_days,
joining or merging the components there; a changed or deleted message's old component is split again from its own
remaining members (they link to nothing outside it, else they would have been one component). Groups (a loose
component cut by cohesion), writers, titles and terms depend on a component's or group's members only. A seed's
matches are the messages within link_days of its span close to its centroid: a seed whose members changed is
matched anew, the others lose the changed messages' matches and are matched against their new versions. Themes are
rebuilt from the stored centroids and matches. A new dictionary word re-reads the messages that hold it; a removed
one, changed synonyms, stop words or parameters rebuild everything (`refresh(..., full=True)` does too)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from scipy import sparse

from ..db import rows, scalar
from . import grouping
from .grouping import Params
from .text import Segmenter, build_lexicon, clauses

VERSION = "2"
META_SETTINGS = "hot_issues:settings"
EPOCH = dt.date(1970, 1, 1)
SEED_CHUNK = 64   # seeds whose centroids are compared with the messages at once (bounds the product's memory)
CENTROID_TERMS = 30

DDL = [
    """CREATE TABLE IF NOT EXISTS hot_docs (doc_key VARCHAR, kind VARCHAR, record_id VARCHAR, fingerprint VARCHAR,
        place VARCHAR, place_from VARCHAR, day DATE, is_repeat BOOLEAN, terms VARCHAR[], component_id VARCHAR,
        group_id VARCHAR, writer_id VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS hot_terms (term VARCHAR, term_id INTEGER)",
    "CREATE TABLE IF NOT EXISTS hot_doc_terms (doc_key VARCHAR, term_id INTEGER, weight DOUBLE)",
    """CREATE TABLE IF NOT EXISTS hot_groups (group_id VARCHAR, first_key VARCHAR, place VARCHAR, title VARCHAR,
        terms VARCHAR[], first_day DATE, last_day DATE, docs BIGINT, residents BIGINT, seed BOOLEAN, spread BIGINT,
        concentration DOUBLE, seed_city BOOLEAN, city_wide BOOLEAN, theme_id VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS hot_centroids (group_id VARCHAR, term_id INTEGER, weight DOUBLE)",
    "CREATE TABLE IF NOT EXISTS hot_seed_matches (group_id VARCHAR, doc_key VARCHAR, place VARCHAR)",
    """CREATE TABLE IF NOT EXISTS hot_themes (theme_id VARCHAR, title VARCHAR, terms VARCHAR[], first_day DATE,
        last_day DATE, places BIGINT, docs BIGINT)""",
    "CREATE TABLE IF NOT EXISTS hot_theme_docs (theme_id VARCHAR, doc_key VARCHAR)",
    "CREATE TABLE IF NOT EXISTS hot_lexicon (word VARCHAR, kind VARCHAR)",
]
TABLES = ("hot_docs", "hot_terms", "hot_doc_terms", "hot_groups", "hot_centroids", "hot_seed_matches", "hot_themes",
          "hot_theme_docs", "hot_lexicon")
# a group tested for being city-wide: one that can be a hot issue, or a group of messages that name no place
def seed_sql(alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return (f"(({p}place IS NOT NULL AND {p}residents >= $min_residents) OR ({p}place IS NULL AND {p}docs >= 2))")


SEED_SQL = seed_sql()


def ensure(con) -> None:
    for statement in DDL:
        con.execute(statement)


def ready(con) -> bool:
    """Whether the tables exist (a database no refresh has run on has none: the API then answers empty). A lake read
    on Spark carries no hot tables (they are kept by imports into a database), so it has none either."""
    if not isinstance(con, (duckdb.DuckDBPyConnection,)):
        return False
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


class Terms:
    """The word dictionary of the stored vectors (hot_terms: word -> id, only ever added to)."""

    def __init__(self, con):
        found = con.execute("SELECT term, term_id FROM hot_terms").fetchall()
        self.ids = {t: int(i) for t, i in found}
        self.new: dict[str, int] = {}

    def id(self, term: str) -> int:
        j = self.ids.get(term)
        if j is None:
            j = self.ids[term] = len(self.ids)
            self.new[term] = j
        return j

    def names(self) -> list[str]:
        out = [""] * len(self.ids)
        for t, j in self.ids.items():
            out[j] = t
        return out

    def save(self, con) -> None:
        if self.new:
            _insert(con, "hot_terms", {"term": pa.array(list(self.new), pa.string()),
                                       "term_id": pa.array(list(self.new.values()), pa.int32())})
            self.new = {}

    def __len__(self) -> int:
        return len(self.ids)


def _insert(con, table: str, columns: dict) -> None:
    """Append an Arrow table built from `columns` to `table` (names as the table's)."""
    data = pa.table(columns)
    if data.num_rows == 0:
        return
    con.register("hot_insert_rows", data)
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM hot_insert_rows")
    con.unregister("hot_insert_rows")


def _keys_table(con, name: str, keys) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (k VARCHAR)")
    if keys:
        con.register("hot_keys_rows", pa.table({"k": pa.array(list(keys), pa.string())}))
        con.execute(f"INSERT INTO {name} SELECT k FROM hot_keys_rows")
        con.unregister("hot_keys_rows")


@dataclass
class Loaded:
    """Messages read back with their stored vectors: row k of X is keys[k]."""
    keys: list[str]
    place: list
    day: np.ndarray
    repeat: np.ndarray
    component: list
    group: list
    kind: list
    record: list
    X: sparse.csr_matrix

    def __len__(self) -> int:
        return len(self.keys)


def load(con, where: str, params=None, n_terms: int = 0, order: str = "doc_key") -> Loaded:
    """The messages `where` selects (an SQL condition on hot_docs), ordered by key, and their vectors: two queries,
    read as arrays (no Python row per message)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE hot_sel AS
                    SELECT doc_key, place, date_diff('day', DATE '1970-01-01', day) AS day, is_repeat, component_id,
                           group_id, kind, record_id, CAST(row_number() OVER (ORDER BY {order}) - 1 AS BIGINT) AS r
                    FROM hot_docs WHERE {where}""", params or [])
    meta = con.sql("SELECT * FROM hot_sel ORDER BY r").to_arrow_table()
    n = meta.num_rows
    entries = con.execute("""SELECT s.r, t.term_id, t.weight FROM hot_sel s JOIN hot_doc_terms t USING (doc_key)""").fetchnumpy()
    width = max(n_terms, int(entries["term_id"].max()) + 1 if len(entries["term_id"]) else 1, 1)
    X = sparse.csr_matrix((np.asarray(entries["weight"], np.float64),
                           (np.asarray(entries["r"], np.int64), np.asarray(entries["term_id"], np.int64))),
                          shape=(n, width))
    con.execute("DROP TABLE hot_sel")
    column = meta.column
    return Loaded(keys=column("doc_key").to_pylist(), place=column("place").to_pylist(),
                  day=np.asarray(column("day").to_numpy(zero_copy_only=False), np.int64),
                  repeat=np.asarray(column("is_repeat").fill_null(False).to_numpy(zero_copy_only=False), bool),
                  component=column("component_id").to_pylist(), group=column("group_id").to_pylist(),
                  kind=column("kind").to_pylist(), record=column("record_id").to_pylist(), X=X)


def vector(terms: list[str], dictionary: Terms, weight) -> tuple[list[int], list[float]]:
    """A message's unit vector: (1 + ln count) x idf per word (grouping's docstring)."""
    counts: dict[str, int] = {}
    for t in terms:
        counts[t] = counts.get(t, 0) + 1
    values = [(1.0 + math.log(c)) * weight(t) for t, c in counts.items()]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [dictionary.id(t) for t in counts], [v / norm for v in values]


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
    old_entries = dict(con.execute("SELECT word, kind FROM hot_lexicon").fetchall())
    removed = {w for w, k in old_entries.items() if entries.get(w) != k}
    added = {w for w in entries if w not in old_entries}
    if stored_settings != settings or removed or not scalar(con, "SELECT count(*) FROM hot_docs"):
        full = True
    if full:
        for table in TABLES:
            con.execute(f"DELETE FROM {table}")
        added, new_order_ids = set(), None
    segmenter = Segmenter(lexicon)
    dictionary = Terms(con)

    # 1. what changed: new or changed messages, deleted ones, and old ones holding a new dictionary word
    restrict, args = "", []
    if new_order_ids is not None:
        _keys_table(con, "hot_named", ["o:" + str(i) for i in new_order_ids])
        restrict = "WHERE doc_key IN (SELECT k FROM hot_named)"
    con.execute(f"CREATE OR REPLACE TEMP TABLE hot_src AS SELECT * FROM ({source_sql(con)}) {restrict}", args)
    changed = rows(con, """SELECT s.doc_key, s.kind, s.record_id, s.text, s.compound_name, s.day, s.is_repeat,
                                  s.fingerprint
                           FROM hot_src s ANTI JOIN hot_docs h ON h.doc_key = s.doc_key AND h.fingerprint = s.fingerprint""")
    deleted = [] if new_order_ids is not None else [r[0] for r in con.execute(
        "SELECT doc_key FROM hot_docs ANTI JOIN hot_src USING (doc_key)").fetchall()]
    if added:
        seen = {r["doc_key"] for r in changed}
        holders = [r for r in rows(con, """SELECT s.doc_key, s.kind, s.record_id, s.text, s.compound_name, s.day,
                                                  s.is_repeat, s.fingerprint FROM hot_src s SEMI JOIN hot_docs USING (doc_key)""")
                   if r["doc_key"] not in seen and _holds(r["text"], added, segmenter)]
        changed += holders
    con.execute("DROP TABLE hot_src")
    touched = [r["doc_key"] for r in changed] + deleted
    _keys_table(con, "hot_touched", touched)
    old = rows(con, "SELECT doc_key, component_id, day FROM hot_docs WHERE doc_key IN (SELECT k FROM hot_touched)")
    dirty = sorted({o["component_id"] for o in old if o["component_id"]})
    old_days = [o["day"] for o in old]

    # 2. read the changed messages; replace their old versions
    new_docs, term_rows = [], {"doc_key": [], "term_id": [], "weight": []}
    for r in changed:
        found = segmenter.analyse(r["text"])
        place = r["compound_name"] or found.place
        new_docs.append({"doc_key": r["doc_key"], "kind": r["kind"], "record_id": r["record_id"],
                         "fingerprint": r["fingerprint"], "place": place,
                         "place_from": "order" if r["compound_name"] else ("text" if found.place else None),
                         "day": r["day"], "is_repeat": bool(r["is_repeat"]), "terms": found.terms})
        ids, weights = vector(found.terms, dictionary, segmenter.weight)
        term_rows["doc_key"] += [r["doc_key"]] * len(ids)
        term_rows["term_id"] += ids
        term_rows["weight"] += weights
    if touched and not full:
        con.execute("DELETE FROM hot_docs WHERE doc_key IN (SELECT k FROM hot_touched)")
        con.execute("DELETE FROM hot_doc_terms WHERE doc_key IN (SELECT k FROM hot_touched)")
        con.execute("DELETE FROM hot_seed_matches WHERE doc_key IN (SELECT k FROM hot_touched)")
    dictionary.save(con)
    _insert_docs(con, new_docs)
    _insert(con, "hot_doc_terms", {"doc_key": pa.array(term_rows["doc_key"], pa.string()),
                                   "term_id": pa.array(term_rows["term_id"], pa.int32()),
                                   "weight": pa.array(term_rows["weight"], pa.float64())})
    n_terms = len(dictionary)

    if not new_docs and not touched and not full:   # nothing changed: the tables stand
        _finish(con, entries, settings)
        return {"full": False, "messages_read": 0, "deleted": 0, "groups_written": 0,
                "seconds": round(time.perf_counter() - started, 3)}
    # 3. regroup, describe, test for city-wide, themes
    changed_days = sorted({d["day"] for d in new_docs} | set(old_days))
    components = _regroup(con, params, new_docs, set(dirty), full, n_terms)
    affected = _split(con, params, components, n_terms)
    con.execute("DELETE FROM hot_groups WHERE group_id NOT IN (SELECT group_id FROM hot_docs WHERE group_id IS NOT NULL)")
    _describe(con, params, segmenter, dictionary, affected, n_terms)
    _seeds(con, params, affected, [d["doc_key"] for d in new_docs], changed_days, full, n_terms)
    _themes(con, params)

    _finish(con, entries, settings)
    return {"full": full, "messages_read": len(new_docs), "deleted": len(deleted), "groups_written": len(affected),
            "seconds": round(time.perf_counter() - started, 3)}


def _finish(con, entries: dict, settings: str) -> None:
    """Record the dictionary and settings this refresh used; drop its scratch tables."""
    con.execute("DELETE FROM hot_lexicon")
    _insert(con, "hot_lexicon", {"word": pa.array(list(entries), pa.string()),
                                 "kind": pa.array(list(entries.values()), pa.string())})
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_SETTINGS, settings])
    for name in ("hot_named", "hot_touched", "hot_new_keys", "hot_dirty", "hot_loaded", "hot_components",
                 "hot_affected", "hot_fresh", "hot_seed_keys"):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _holds(text: str | None, words: set[str], segmenter: Segmenter) -> bool:
    from .text import normalise

    folded = normalise(text, segmenter.lexicon.synonyms).lower()
    return any(w in folded for w in words)


def _insert_docs(con, docs: list[dict]) -> None:
    if not docs:
        return
    _insert(con, "hot_docs", {
        "doc_key": pa.array([d["doc_key"] for d in docs], pa.string()),
        "kind": pa.array([d["kind"] for d in docs], pa.string()),
        "record_id": pa.array([d["record_id"] for d in docs], pa.string()),
        "fingerprint": pa.array([d["fingerprint"] for d in docs], pa.string()),
        "place": pa.array([d["place"] for d in docs], pa.string()),
        "place_from": pa.array([d["place_from"] for d in docs], pa.string()),
        "day": pa.array([d["day"] for d in docs], pa.date32()),
        "is_repeat": pa.array([d["is_repeat"] for d in docs], pa.bool_()),
        "terms": pa.array([d["terms"] for d in docs], pa.list_(pa.string())),
        "writer_id": pa.array([d["doc_key"] for d in docs], pa.string()),
    })


def _regroup(con, params: Params, new_docs: list[dict], dirty: set[str], full: bool, n_terms: int) -> set[str]:
    """Link the new messages to their place's messages and re-split dirty components (those an old version left);
    write every touched message's component. Returns the ids of the components whose members changed."""
    if not new_docs and not dirty:
        return set()
    new_keys = [d["doc_key"] for d in new_docs]
    if full:
        docs = load(con, "true", n_terms=n_terms)
    else:
        # the new messages, the remaining members of dirty components, and every message of the new ones' places
        # within link_days of them
        _keys_table(con, "hot_new_keys", new_keys)
        _keys_table(con, "hot_dirty", sorted(dirty))
        gap = int(params.link_days)
        docs = load(con, f"""doc_key IN (SELECT k FROM hot_new_keys) OR component_id IN (SELECT k FROM hot_dirty)
            OR EXISTS (SELECT 1 FROM (SELECT n.place, min(n.day) - {gap} AS lo, max(n.day) + {gap} AS hi
                                      FROM hot_docs n WHERE n.doc_key IN (SELECT k FROM hot_new_keys) GROUP BY n.place) r
                       WHERE hot_docs.place IS NOT DISTINCT FROM r.place AND hot_docs.day BETWEEN r.lo AND r.hi)""",
                    n_terms=n_terms)
    n = len(docs)
    X, days = docs.X, docs.day
    index = {k: i for i, k in enumerate(docs.keys)}
    place_codes: dict = {}
    block = np.array([place_codes.setdefault(p, len(place_codes)) for p in docs.place], np.int64)
    is_new = np.zeros(n, bool)
    is_new[[index[k] for k in new_keys]] = True
    in_dirty = np.array([(c in dirty) and not is_new[k] for k, c in enumerate(docs.component)], bool)

    # messages that name no place are linked across the whole city: only as close as a city-wide match
    placeless = np.array([p is None for p in docs.place], bool)
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
            dblock = np.array([codes.setdefault(c, len(codes)) if in_dirty[k] else -1 - k
                               for k, c in enumerate(docs.component)], np.int64)
            add(*grouping.links(X, dblock, days, params.similarity, params.link_days, query=np.flatnonzero(in_dirty)))
    # old components (of two or more) untouched by the change stay whole: their loaded members hang on one node each
    first_of: dict[str, str] = {}
    if not full:
        loaded = sorted({c for c in docs.component if c and c not in dirty})
        if loaded:
            _keys_table(con, "hot_loaded", loaded)
            first_of = dict(con.execute("""SELECT component_id, min(doc_key) FROM hot_docs
                                           WHERE component_id IN (SELECT k FROM hot_loaded)
                                           GROUP BY component_id HAVING count(*) > 1""").fetchall())
    super_ids: dict[str, int] = {}
    for k, c in enumerate(docs.component):
        if not full and not is_new[k] and not in_dirty[k] and c in first_of:
            node = super_ids.setdefault(c, n + len(super_ids))
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
        doc_items = [docs.keys[k] for kind, k in items if kind == "doc"]
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


def _split(con, params: Params, components: set[str], n_terms: int) -> set[str]:
    """The groups of each changed component (grouping.split: a loose chain is cut into its cohesive parts); writes
    every member's group (and resets its writer: described again below). Returns the groups of two or more."""
    if not components:
        return set()
    _keys_table(con, "hot_components", sorted(components))
    docs = load(con, "component_id IN (SELECT k FROM hot_components)", n_terms=n_terms)
    by_component: dict[str, list[int]] = defaultdict(list)
    for k, c in enumerate(docs.component):
        by_component[c].append(k)
    group_of: dict[str, str] = {}
    groups: set[str] = set()
    for rows_c in by_component.values():
        rows_c = np.array(rows_c, np.int64)
        if len(rows_c) <= 2:
            labels = np.zeros(len(rows_c), np.int64)
        else:
            labels = grouping.split(docs.X[rows_c], docs.day[rows_c], params)
        by_label: dict[int, list[str]] = defaultdict(list)
        for k, label in zip(rows_c, labels):
            by_label[int(label)].append(docs.keys[k])
        for keys in by_label.values():
            g = gid("g", min(keys))
            for key in keys:
                group_of[key] = g
            if len(keys) >= 2:
                groups.add(g)
    con.register("hot_group_new", pa.table({"doc_key": list(group_of), "group_id": list(group_of.values())}))
    con.execute("""UPDATE hot_docs SET group_id = n.group_id, writer_id = hot_docs.doc_key FROM hot_group_new n
                   WHERE hot_docs.doc_key = n.doc_key""")
    con.unregister("hot_group_new")
    return groups


def _describe(con, params: Params, segmenter: Segmenter, dictionary: Terms, affected: set[str], n_terms: int) -> None:
    """Writers, residents, title and terms of every affected group (of two or more messages)."""
    if not affected:
        return
    _keys_table(con, "hot_affected", sorted(affected))
    con.execute("DELETE FROM hot_groups WHERE group_id IN (SELECT k FROM hot_affected)")
    docs = load(con, "group_id IN (SELECT k FROM hot_affected)", n_terms=n_terms, order="group_id, doc_key")
    by_group: dict[str, list[int]] = defaultdict(list)
    for k, g in enumerate(docs.group):
        by_group[g].append(k)
    by_group = {g: slice(ks[0], ks[-1] + 1) for g, ks in by_group.items()}   # contiguous: rows in group order
    names = dictionary.names()
    writer_of: dict[str, str] = {}
    residents: dict[str, int] = {}
    for g, ks in by_group.items():
        keys = docs.keys[ks]
        who = grouping.writers(docs.X[ks], docs.day[ks], docs.repeat[ks], keys, params)
        writer_of.update(zip(keys, who))
        residents[g] = len(set(who))
    titled = [k for g, ks in by_group.items() if _titled(docs.place[ks.start], residents[g], params)
              for k in range(ks.start, ks.stop)]
    texts = _texts(con, [{"kind": docs.kind[k], "record_id": docs.record[k], "doc_key": docs.keys[k]} for k in titled])
    out = []
    for g, ks in by_group.items():
        keys = docs.keys[ks]
        X = docs.X[ks]
        title = None
        if _titled(docs.place[ks.start], residents[g], params):
            title = make_title(segmenter, X, dictionary.ids, [texts.get(k) for k in keys])
        out.append({"group_id": g, "first_key": min(keys), "place": docs.place[ks.start], "title": title,
                    "terms": top_terms(X, names, 5), "first_day": EPOCH + dt.timedelta(days=int(docs.day[ks].min())),
                    "last_day": EPOCH + dt.timedelta(days=int(docs.day[ks].max())), "docs": ks.stop - ks.start,
                    "residents": residents[g]})
    if writer_of:
        con.register("hot_writer_new", pa.table({"doc_key": list(writer_of), "writer_id": list(writer_of.values())}))
        con.execute("""UPDATE hot_docs SET writer_id = n.writer_id FROM hot_writer_new n
                       WHERE hot_docs.doc_key = n.doc_key""")
        con.unregister("hot_writer_new")
    _insert(con, "hot_groups", {
        "group_id": pa.array([o["group_id"] for o in out], pa.string()),
        "first_key": pa.array([o["first_key"] for o in out], pa.string()),
        "place": pa.array([o["place"] for o in out], pa.string()),
        "title": pa.array([o["title"] for o in out], pa.string()),
        "terms": pa.array([o["terms"] for o in out], pa.list_(pa.string())),
        "first_day": pa.array([o["first_day"] for o in out], pa.date32()),
        "last_day": pa.array([o["last_day"] for o in out], pa.date32()),
        "docs": pa.array([o["docs"] for o in out], pa.int64()),
        "residents": pa.array([o["residents"] for o in out], pa.int64()),
        "seed_city": pa.array([False] * len(out)), "city_wide": pa.array([False] * len(out)),
    })


def _titled(place, residents: int, params: Params) -> bool:
    """Whether a group gets a title: one that can be a hot issue, or a theme's seed (seed_sql)."""
    return residents >= params.min_residents or (place is None and residents >= 2)


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



def top_terms(X, names: list[str], top: int) -> list[str]:
    """The words that weigh most in the group: summed over its messages (ties: alphabetical). `names`: the words by
    column."""
    X = X.tocsr()
    if X.nnz == 0:
        return []
    columns, inverse = np.unique(X.indices, return_inverse=True)
    weights = np.bincount(inverse, weights=X.data)
    ranked = sorted(((-round(float(w), 9), names[j]) for w, j in zip(weights, columns) if w > 0))
    return [t for _, t in ranked[:top]]


TITLE_MAX = 24
TITLE_SOURCES = 8
_BOILERPLATE_STARTS = ("市民来电反映", "来电人反映", "市民来电称", "来电反映", "市民反映", "来电人称", "来电称", "反映",
                       "12345热线转办", "网友留言", "市民")


def make_title(segmenter: Segmenter, X, vocabulary: dict[str, int], texts: list[str | None]) -> str | None:
    """A short title in the group's own words: of the clauses its messages were written with (masked at import), the
    one whose words weigh most in the group, per character; never a clause holding a masked token, digits of a
    number one could call, or a person's name (jieba's nr tag)."""
    D, columns = grouping.local(X)
    weights = dict(zip(columns.tolist(), D.sum(axis=0).tolist()))

    def weight_of(term: str) -> float:
        return weights.get(vocabulary.get(term), 0.0)

    best, best_score = None, 0.0
    seen = set()
    # the messages closest to the group's centroid say it best (and a large group is not read whole)
    close = grouping.closeness(D)
    chosen = sorted(range(len(texts)), key=lambda k: (-round(float(close[k]), 9), k))[:TITLE_SOURCES]
    for text in (texts[k] for k in chosen):
        for clause in clauses(text):
            clause = _strip_boilerplate(clause)
            if clause in seen or len(clause) < 4 or len(clause) > 40 or "[" in clause:
                continue
            seen.add(clause)
            if sum(ch.isdigit() for ch in clause) >= 5:
                continue
            found = segmenter.analyse(clause)
            score = sum(weight_of(t) for t in set(found.terms)) / (6 + len(clause))
            if score > best_score and not found.person:
                best, best_score = clause, score
    if best is None:
        return None
    return best if len(best) <= TITLE_MAX else best[:TITLE_MAX - 1] + "…"


def _strip_boilerplate(clause: str) -> str:
    for start in _BOILERPLATE_STARTS:
        if clause.startswith(start):
            clause = clause[len(start):].lstrip("：:，, ")
    return clause.strip()



def _centroids_from_table(con, seeds: list[str], n_terms: int) -> sparse.csr_matrix:
    """The stored centroids of `seeds`, one row each, in their order."""
    _keys_table(con, "hot_seed_keys", seeds)
    found = con.execute("""SELECT s.r, c.term_id, c.weight FROM hot_centroids c
                           JOIN (SELECT k, CAST(row_number() OVER (ORDER BY k) - 1 AS BIGINT) AS r FROM hot_seed_keys) s
                             ON s.k = c.group_id""").fetchnumpy()
    order = {k: r for r, k in enumerate(sorted(seeds))}
    C = sparse.csr_matrix((np.asarray(found["weight"], np.float64),
                           (np.asarray(found["r"], np.int64), np.asarray(found["term_id"], np.int64))),
                          shape=(len(seeds), max(n_terms, 1)))
    return C[[order[k] for k in seeds]]


def _match(X: sparse.csr_matrix, days: np.ndarray, C: sparse.csr_matrix, lo: np.ndarray, hi: np.ndarray,
           threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(message row, seed) pairs: the message within the seed's days [lo, hi] and its cosine to the seed's centroid
    at least `threshold`. Seeds are taken SEED_CHUNK at a time, in order of their first day."""
    out_r, out_m = [], []
    order = np.argsort(lo, kind="stable")
    for c0 in range(0, len(order), SEED_CHUNK):
        ks = order[c0:c0 + SEED_CHUNK]
        in_range = np.flatnonzero((days >= lo[ks].min()) & (days <= hi[ks].max()))
        if not len(in_range):
            continue
        S = (X[in_range] @ C[ks].T).tocoo()
        keep = S.data >= threshold - 1e-12
        r, m = in_range[S.row[keep]], ks[S.col[keep]]
        keep = (days[r] >= lo[m]) & (days[r] <= hi[m])
        out_r.append(r[keep])
        out_m.append(m[keep])
    if not out_r:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_r), np.concatenate(out_m)


def _seeds(con, params: Params, affected: set[str], new_keys: list[str], changed_days: list, full: bool,
           n_terms: int) -> None:
    """The city-wide test. Its seeds are the groups that can be hot issues and the groups of messages that name no
    place; a seed's matches are the messages anywhere within link_days of its span whose cosine to its centroid (its
    CENTROID_TERMS heaviest words) reaches city_similarity. A seed is city-wide when its matches lie in
    city_min_places other compounds and its own compound writes it at most city_concentration times as often as the
    average of those (a place's own problem is concentrated there; a city's theme is written about everywhere
    alike).

    A seed whose members changed is matched anew; another, whose days an import touched, loses the matches of the
    messages that changed (refresh deleted them) and is matched against their new versions: its matches are then
    what matching anew would give."""
    gap = int(params.link_days)
    args = {"min_residents": params.min_residents}
    _keys_table(con, "hot_affected", sorted(affected))
    if not full:
        con.execute("DELETE FROM hot_centroids WHERE group_id IN (SELECT k FROM hot_affected) "
                    "OR group_id NOT IN (SELECT group_id FROM hot_groups)")
        con.execute("DELETE FROM hot_seed_matches WHERE group_id IN (SELECT k FROM hot_affected) "
                    "OR group_id NOT IN (SELECT group_id FROM hot_groups)")
    chosen = "true" if full else "group_id IN (SELECT k FROM hot_affected)"
    fresh = rows(con, f"""SELECT group_id, place, date_diff('day', DATE '1970-01-01', first_day) - {gap} AS lo,
                                 date_diff('day', DATE '1970-01-01', last_day) + {gap} AS hi
                          FROM hot_groups WHERE {SEED_SQL} AND {chosen} ORDER BY group_id""", args)
    if fresh:
        lo = np.array([s["lo"] for s in fresh], np.int64)
        hi = np.array([s["hi"] for s in fresh], np.int64)
        _keys_table(con, "hot_fresh", [s["group_id"] for s in fresh])
        docs = load(con, f"""day BETWEEN DATE '1970-01-01' + INTERVAL ({int(lo.min())}) DAY
                                 AND DATE '1970-01-01' + INTERVAL ({int(hi.max())}) DAY""", n_terms=n_terms)
        members: dict[str, list[int]] = defaultdict(list)
        for k, g in enumerate(docs.group):
            members[g].append(k)
        C = grouping.centroids(docs.X, [members[s["group_id"]] for s in fresh], CENTROID_TERMS)
        C.sort_indices()
        cc = C.tocoo()
        _insert(con, "hot_centroids", {"group_id": pa.array([fresh[r]["group_id"] for r in cc.row], pa.string()),
                                       "term_id": pa.array(cc.col, pa.int32()), "weight": pa.array(cc.data, pa.float64())})
        r, m = _match(docs.X, docs.day, C, lo, hi, params.city_similarity)
        _insert_matches(con, [fresh[k]["group_id"] for k in m], [docs.keys[k] for k in r], [docs.place[k] for k in r])
    others: list[dict] = []
    if not full and changed_days:
        # the other seeds whose days the change touched (they lost the old versions' matches above): matched against
        # the new messages only
        days = [(d - EPOCH).days for d in changed_days]
        others = rows(con, f"""SELECT group_id, date_diff('day', DATE '1970-01-01', first_day) - {gap} AS lo,
                                      date_diff('day', DATE '1970-01-01', last_day) + {gap} AS hi
                               FROM hot_groups WHERE {SEED_SQL} AND group_id NOT IN (SELECT k FROM hot_affected)
                                 AND date_diff('day', DATE '1970-01-01', last_day) + {gap} >= {min(days)}
                                 AND date_diff('day', DATE '1970-01-01', first_day) - {gap} <= {max(days)}
                               ORDER BY group_id""", args)
        if others and new_keys:
            _keys_table(con, "hot_new_keys", new_keys)
            docs = load(con, "doc_key IN (SELECT k FROM hot_new_keys)", n_terms=n_terms)
            C = _centroids_from_table(con, [s["group_id"] for s in others], n_terms)
            lo = np.array([s["lo"] for s in others], np.int64)
            hi = np.array([s["hi"] for s in others], np.int64)
            r, m = _match(docs.X, docs.day, C, lo, hi, params.city_similarity)
            _insert_matches(con, [others[k]["group_id"] for k in m], [docs.keys[k] for k in r],
                            [docs.place[k] for k in r])
    # the reach of every seed whose matches changed (and of every group when rebuilding): other compounds, and how
    # concentrated on its own compound it is
    if full:
        changed_seeds = "true"
    else:
        _keys_table(con, "hot_fresh", [s["group_id"] for s in fresh] + [s["group_id"] for s in others])
        changed_seeds = "group_id IN (SELECT k FROM hot_fresh) OR group_id IN (SELECT k FROM hot_affected)"
    con.execute(f"""UPDATE hot_groups SET seed = false, spread = NULL, concentration = NULL, seed_city = false
                    WHERE {changed_seeds}""")
    con.execute(f"""
        UPDATE hot_groups SET seed = true, spread = a.spread, concentration = a.concentration,
               seed_city = a.spread >= $min_places AND (hot_groups.place IS NULL OR a.concentration <= $concentration)
        FROM (SELECT g.group_id, coalesce(m.spread, 0) AS spread,
                     CASE WHEN m.others > 0 THEN m.own * m.spread / m.others END AS concentration
              FROM hot_groups g LEFT JOIN (
                  SELECT s.group_id,
                         count(DISTINCT s.place) FILTER (WHERE s.place IS DISTINCT FROM g.place) AS spread,
                         count(*) FILTER (WHERE s.place = g.place) AS own,
                         count(*) FILTER (WHERE s.place IS DISTINCT FROM g.place) AS others
                  FROM hot_seed_matches s JOIN hot_groups g USING (group_id)
                  WHERE s.place IS NOT NULL AND ({changed_seeds.replace('group_id', 's.group_id')})
                  GROUP BY s.group_id) m USING (group_id)
              WHERE {seed_sql('g')} AND ({changed_seeds.replace('group_id', 'g.group_id')})) a
        WHERE hot_groups.group_id = a.group_id""",
        {**args, "min_places": params.city_min_places, "concentration": params.city_concentration})


def _insert_matches(con, groups: list[str], keys: list[str], places: list) -> None:
    _insert(con, "hot_seed_matches", {"group_id": pa.array(groups, pa.string()), "doc_key": pa.array(keys, pa.string()),
                                      "place": pa.array(places, pa.string())})


def _themes(con, params: Params) -> None:
    """The city-wide themes, rebuilt from the city-wide seeds' stored centroids and matches: seeds whose centroids
    are city_similarity alike and whose days lie within link_days of each other are one theme (its id from its
    seeds' first key), its messages their matches; a group most of whose messages are a theme's is that theme's, not
    a compound's hot issue, unless it was tested itself and found a compound's own (a seed that is not seed_city:
    concentrated at its compound, or written from too few others: the words of a concrete problem, "3号楼电梯停运",
    are close to a generic theme's, "电梯故障", yet the problem is the compound's). Its title is its largest seed's,
    its words its seeds' centroids'."""
    con.execute("DELETE FROM hot_themes")
    con.execute("DELETE FROM hot_theme_docs")
    con.execute("UPDATE hot_groups SET city_wide = false, theme_id = NULL WHERE city_wide OR theme_id IS NOT NULL")
    found = rows(con, """SELECT group_id, first_key, date_diff('day', DATE '1970-01-01', first_day) AS lo,
                                 date_diff('day', DATE '1970-01-01', last_day) AS hi
                          FROM hot_groups WHERE seed_city ORDER BY group_id""")
    if not found:
        return
    seed_ids = [r["group_id"] for r in found]
    n_s = len(seed_ids)
    n_terms = scalar(con, "SELECT coalesce(max(term_id), 0) + 1 FROM hot_centroids")
    C = _centroids_from_table(con, seed_ids, n_terms)
    lo = np.array([r["lo"] for r in found], np.int64)
    hi = np.array([r["hi"] for r in found], np.int64)
    gap = int(params.link_days)
    link_i, link_j = [], []
    CT = C.T.tocsc()
    for c0 in range(0, n_s, 512):   # in slices, each thresholded at once: alike seeds only are kept
        S = (C[c0:c0 + 512] @ CT).tocoo()
        row = S.row + c0
        keep = (S.data >= params.city_similarity - 1e-12) & (row < S.col) \
            & (lo[row] <= hi[S.col] + gap) & (lo[S.col] <= hi[row] + gap)
        link_i.append(row[keep].astype(np.int64))
        link_j.append(S.col[keep].astype(np.int64))
    labels = grouping.components(n_s, np.concatenate(link_i), np.concatenate(link_j))
    first_of_label: dict[int, str] = {}
    for k, r in enumerate(found):
        label = int(labels[k])
        first_of_label[label] = min(r["first_key"], first_of_label.get(label, r["first_key"]))
    con.execute("CREATE OR REPLACE TEMP TABLE hot_seed_theme (group_id VARCHAR, theme_id VARCHAR)")
    con.register("hot_seed_theme_rows", pa.table({
        "group_id": pa.array(seed_ids, pa.string()),
        "theme_id": pa.array([gid("t", first_of_label[int(labels[k])]) for k in range(n_s)], pa.string())}))
    con.execute("INSERT INTO hot_seed_theme SELECT * FROM hot_seed_theme_rows")
    con.unregister("hot_seed_theme_rows")
    con.execute("""INSERT INTO hot_theme_docs SELECT DISTINCT t.theme_id, m.doc_key
                   FROM hot_seed_matches m JOIN hot_seed_theme t USING (group_id)""")
    # a group most of whose messages are a theme's belongs to the theme
    con.execute("""UPDATE hot_groups SET city_wide = true, theme_id = t.theme_id FROM (
                       SELECT h.group_id, min(td.theme_id) AS theme_id, count(td.doc_key) AS inside, count(*) AS docs
                       FROM hot_docs h LEFT JOIN hot_theme_docs td USING (doc_key)
                       WHERE h.group_id IN (SELECT group_id FROM hot_groups) GROUP BY h.group_id) t
                   WHERE hot_groups.group_id = t.group_id AND t.inside * 2 > t.docs
                     AND NOT (hot_groups.seed AND NOT hot_groups.seed_city)""")
    con.execute("""
        INSERT INTO hot_themes
        WITH seeds AS (SELECT t.theme_id, g.group_id, g.title, g.docs FROM hot_seed_theme t JOIN hot_groups g USING (group_id)),
        titles AS (SELECT theme_id, arg_max(title, [docs::DOUBLE, -hash(group_id)::DOUBLE]) FILTER (WHERE title IS NOT NULL) AS title
                   FROM seeds GROUP BY theme_id),
        words AS (SELECT theme_id, list(term ORDER BY w DESC, term)[1:5] AS terms FROM (
                      SELECT s.theme_id, w.term, round(sum(c.weight), 9) AS w FROM seeds s
                      JOIN hot_centroids c USING (group_id) JOIN hot_terms w USING (term_id) GROUP BY ALL)
                  GROUP BY theme_id),
        reach AS (SELECT td.theme_id, min(h.day) AS first_day, max(h.day) AS last_day,
                         count(DISTINCT h.place) AS places, count(*) AS docs
                  FROM hot_theme_docs td JOIN hot_docs h USING (doc_key) GROUP BY td.theme_id)
        SELECT reach.theme_id, titles.title, words.terms, first_day, last_day, places, docs
        FROM reach LEFT JOIN titles USING (theme_id) LEFT JOIN words USING (theme_id)""")
    con.execute("DROP TABLE hot_seed_theme")


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

