"""Which messages describe the same problem at the same place: sparse cosine neighbours, connected components.

Two messages are linked when they are at the same place (the compound; messages that name none form one block of
their own), received at most `link_days` days apart, and the cosine of their weighted word vectors reaches
`similarity`. A component of these links is a group: forty residents writing over nine weeks chain into one group
even where the first and the last share few words, as long as each writes like some other within `link_days`. A
component whose messages lie less than `cohesion` close to its centre on average is no problem told many ways but a
chain of unrelated messages, each sharing a word with the next: `split` cuts it at higher similarities into its
cohesive parts.

A message's vector: each word's weight is 1 + ln(count) times its idf (metrics.hot.text: jieba's table, not our
data's), the row scaled to length one. Nothing in a link depends on the other messages, so the links an import
adds are the ones a full rebuild would find, and the components after it are the same (metrics.hot.store).

Only pairs that can link are ever compared: the messages of one place, in slices of time; never a dense matrix of
all messages (a group's own messages, a few dozen, are compared densely: residents, titles)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

CHUNK = 1500   # query rows per sparse product: keeps each product's output small


@dataclass(frozen=True)
class Params:
    similarity: float = 0.2            # cosine that links two messages of one place ...
    cohesion: float = 0.35             # a component whose messages lie this close to its centroid on average is a
                                       # group; a looser one (a chain of unrelated messages) is split at a higher cut
    link_days: int = 30                # ... received at most this many days apart
    same_writer_similarity: float = 0.7   # near-identical texts ...
    same_writer_days: int = 3          # ... this close are taken as one resident's repeated calls
    min_residents: int = 3             # a hot issue has at least this many residents (in the window)
    city_similarity: float = 0.25      # a message this close to a group's centroid matches it, anywhere
    city_min_places: int = 4           # a group whose matches lie in this many other compounds ...
    city_concentration: float = 4.0    # ... and whose own compound writes it at most this many times as often as the
                                       # average of those compounds is city-wide

    @classmethod
    def from_config(cls, config: dict) -> "Params":
        settings = (config or {}).get("hot_issues") or {}
        known = {f: settings[f] for f in cls.__dataclass_fields__ if f in settings}
        return cls(**known)


def normalise_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sparse.diags(1.0 / norms) @ matrix).tocsr()


def duplicates(X: sparse.csr_matrix, block: np.ndarray, days: np.ndarray) -> np.ndarray:
    """rep[k]: the first row of the same block and day with the very same words as row k (k itself when none)."""
    X = X.tocsr()
    X.sort_indices()
    seen: dict = {}
    rep = np.arange(X.shape[0])
    for k in range(X.shape[0]):
        a, b = X.indptr[k], X.indptr[k + 1]
        rep[k] = seen.setdefault((int(block[k]), int(days[k]), X.indices[a:b].tobytes(), X.data[a:b].tobytes()), k)
    return rep


def links(X: sparse.csr_matrix, block: np.ndarray, days: np.ndarray, threshold: float, max_days: int,
          query: np.ndarray | None = None, allowed=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j, cosine) of rows in the same `block`, at most `max_days` apart, with cosine >= threshold, where i
    is a `query` row (all rows when None). `allowed(i_rows, j_rows)` may veto pairs (a boolean mask). Messages with
    the very same words on the same day at the same place are linked to the first of them only (their pairs would be
    n²: 120,000 copies of one template text took 24 GB); the groups (components) are the same."""
    n = X.shape[0]
    rep = duplicates(X, block, days) if n else np.zeros(0, np.int64)
    dup = np.flatnonzero(rep != np.arange(n))
    if len(dup):
        alone = block.copy()
        alone[dup] = (block.min() if n else 0) - 1 - np.arange(len(dup))   # each copy in a block of its own
        if query is not None:
            query = np.unique(rep[np.asarray(query, np.int64)])
        i, j, s = _links(X, alone, days, threshold, max_days, query, allowed)
        di, dj = dup, rep[dup]
        if allowed is not None:
            keep = allowed(di, dj)
            di, dj = di[keep], dj[keep]
        return np.r_[i, di].astype(np.int64), np.r_[j, dj].astype(np.int64), np.r_[s, np.ones(len(di))]
    return _links(X, block, days, threshold, max_days, query, allowed)


def _links(X: sparse.csr_matrix, block: np.ndarray, days: np.ndarray, threshold: float, max_days: int,
           query: np.ndarray | None = None, allowed=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = X.shape[0]
    query_mask = np.ones(n, bool) if query is None else np.isin(np.arange(n), query)
    order = np.lexsort((days, block))
    sb, sd = block[order], days[order]
    out_i, out_j, out_s = [], [], []
    starts = np.flatnonzero(np.r_[True, sb[1:] != sb[:-1]])
    ends = np.r_[starts[1:], n]
    for a, b in zip(starts, ends):
        rows = order[a:b]
        q = rows[query_mask[rows]]
        if len(q) == 0 or b - a < 2:
            continue
        q_days = days[q]
        q = q[np.argsort(q_days, kind="stable")]
        q_days = days[q]
        for c0 in range(0, len(q), CHUNK):
            qc = q[c0:c0 + CHUNK]
            lo = np.searchsorted(sd[a:b], days[qc[0]] - max_days, "left")
            hi = np.searchsorted(sd[a:b], days[qc[-1]] + max_days, "right")
            cand = rows[lo:hi]
            S = (X[qc] @ X[cand].T).tocoo()
            keep = S.data >= threshold - 1e-12
            ii, jj, ss = qc[S.row[keep]], cand[S.col[keep]], S.data[keep]
            keep = (ii != jj) & (np.abs(days[ii] - days[jj]) <= max_days)
            ii, jj, ss = ii[keep], jj[keep], ss[keep]
            if allowed is not None and len(ii):
                keep = allowed(ii, jj)
                ii, jj, ss = ii[keep], jj[keep], ss[keep]
            out_i.append(ii)
            out_j.append(jj)
            out_s.append(ss)
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Component label of each of n nodes, given undirected edges (i, j)."""
    graph = sparse.coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels


def writers(X: sparse.csr_matrix, days: np.ndarray, repeat: np.ndarray, keys: list[str], params: Params) -> list[str]:
    """Who wrote each message of one group, as far as the data tells (we keep no caller identity): messages
    near-identical (cosine >= same_writer_similarity) within same_writer_days of each other are one resident's
    repeated calls; a message the export flags 是否重复诉求 is the repeat of the most similar earlier message of
    the group (its resident's). Returns each message's writer: the first key of its resident's messages."""
    n = X.shape[0]
    if n == 0:
        return []
    if n <= 1500:
        D, _ = local(X)
        S = D @ D.T
    else:
        S = None
    ii, jj = [], []
    if S is not None:
        close = (S >= params.same_writer_similarity - 1e-12) & \
                (np.abs(days[:, None] - days[None, :]) <= params.same_writer_days)
        a, b = np.nonzero(np.triu(close, 1))
        ii += list(a)
        jj += list(b)
    else:
        a, b, _ = links(X, np.zeros(n, np.int64), days, params.same_writer_similarity, params.same_writer_days)
        ii += list(a)
        jj += list(b)
    order = sorted(range(n), key=lambda k: (days[k], keys[k]))
    rank = {k: r for r, k in enumerate(order)}
    for k in np.flatnonzero(repeat):
        earlier = [m for m in range(n) if rank[m] < rank[k]]
        if not earlier:
            continue
        sims = S[k, earlier] if S is not None else np.asarray((X[k] @ X[earlier].T).todense()).ravel()
        best = earlier[int(np.argmax(sims))]
        ii.append(k)
        jj.append(best)
    labels = _union(n, ii, jj) if n <= 1500 else components(n, np.asarray(ii, np.int64), np.asarray(jj, np.int64))
    first: dict[int, str] = {}
    for k in range(n):
        label = labels[k]
        if label not in first or keys[k] < first[label]:
            first[label] = keys[k]
    return [first[labels[k]] for k in range(n)]


def _union(n: int, ii, jj) -> list[int]:
    """Connected components of a few nodes (a label per node): no sparse graph for a handful of pairs."""
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(ii, jj):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(a) for a in range(n)]


def centroid(X: sparse.csr_matrix, top: int = 30) -> sparse.csr_matrix:
    """The group's mean direction, its `top` heaviest words kept, of unit length (1 x V)."""
    return centroids(X, [np.arange(X.shape[0])], top)


def centroids(X: sparse.csr_matrix, groups: list, top: int = 30) -> sparse.csr_matrix:
    """One row per group (a list of row numbers of X): the mean direction of its rows, only its `top` heaviest
    words kept (0: all), of unit length. Sparse throughout: a vocabulary of 100,000 words costs nothing here."""
    lengths = np.array([len(g) for g in groups], np.int64)
    members = np.concatenate([np.asarray(g, np.int64) for g in groups]) if len(groups) else np.zeros(0, np.int64)
    M = sparse.csr_matrix((np.ones(len(members)), members, np.r_[0, np.cumsum(lengths)]),
                          shape=(len(groups), X.shape[0]))
    C = (M @ X).tocsr()
    C.sum_duplicates()
    if top:
        data, indices, indptr = [], [], [0]
        for r in range(C.shape[0]):
            a, b = C.indptr[r], C.indptr[r + 1]
            values, cols = C.data[a:b], C.indices[a:b]
            if b - a > top:
                keep = np.argpartition(-values, top - 1)[:top]
                cut = values[keep].min()
                keep = np.flatnonzero(values >= cut)   # ties at the cut stay: the same words whatever the order
                values, cols = values[keep], cols[keep]
            data.append(values)
            indices.append(cols)
            indptr.append(indptr[-1] + len(values))
        C = sparse.csr_matrix((np.concatenate(data) if data else np.zeros(0),
                               np.concatenate(indices) if indices else np.zeros(0, np.int64), np.array(indptr)),
                              shape=C.shape)
    return normalise_rows(C)


def local(X: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """A few rows as a dense matrix over the columns they use, and those columns (a group's words: small)."""
    X = X.tocsr()
    columns, inverse = np.unique(X.indices, return_inverse=True)
    D = np.zeros((X.shape[0], len(columns)))
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    np.add.at(D, (rows, inverse), X.data)
    return D, columns


def closeness(D: np.ndarray) -> np.ndarray:
    """Each row's cosine to the rows' (full) centroid."""
    c = D.sum(axis=0)
    norm = np.linalg.norm(c)
    return D @ (c / norm) if norm else np.zeros(D.shape[0])


def cohesion(X: sparse.csr_matrix) -> float:
    """The mean cosine of the rows to their (full) centroid: about 0.4 to 0.9 for one problem in many words (the
    fixture's groups), 0.1 to 0.2 for a chain of unrelated messages."""
    if X.shape[0] == 0:
        return 0.0
    if X.shape[0] > 3000:
        c = centroid(X, top=0)
        return float(np.asarray((X @ c.T).todense()).mean())
    return float(closeness(local(X)[0]).mean())


SPLIT_STEP = 0.05
SPLIT_LIMIT = 0.8


def split(X: sparse.csr_matrix, days: np.ndarray, params: Params, threshold: float | None = None) -> np.ndarray:
    """Labels of a component's rows (sorted by key by the caller): one label when it is cohesive (or of two
    messages); else its components at a cut SPLIT_STEP higher, each split again. A function of the rows alone, so a
    component splits the same whether it grew by imports or was built at once. Single links chain: forty residents
    of one problem chain rightly; forty unrelated messages sharing a common word each with the next must not."""
    n = X.shape[0]
    labels = np.zeros(n, np.int64)
    if n <= 2 or cohesion(X) >= params.cohesion:
        return labels
    cut = (params.similarity if threshold is None else threshold) + SPLIT_STEP
    if cut > SPLIT_LIMIT:
        return labels
    i, j, _ = links(X, np.zeros(n, np.int64), days, cut, params.link_days)
    parts = components(n, i, j)
    order = np.argsort(parts, kind="stable")
    bounds = np.flatnonzero(np.r_[True, parts[order][1:] != parts[order][:-1]])
    pieces = sorted(np.split(order, bounds[1:]), key=lambda rows: int(rows[0]))
    next_label = 0
    for rows in pieces:
        sub = split(X[rows], days[rows], params, cut) if len(rows) > 2 else np.zeros(len(rows), np.int64)
        labels[rows] = sub + next_label
        next_label += int(sub.max()) + 1
    return labels
