"""Corpus-level event merging: reports of the same real-world event -> one cluster.

``merge_events(events, documents)`` is a pure function of its two tables.

Two event mentions are *compatible* when

* they have the same CAMEO root code (first two digits of ``event_type``);
* they share an actor (blocking key) and their roles agree: a filled source (target) equals
  the other's source (target), or the other's target (source) -- "Lee met Xi" and "Xi met
  Lee" -- or one of them is missing;
* their dates are compatible: equal, one containing the other (``2026-01`` contains
  ``2026-01-05``) or at most ``date_window_days`` apart. An event without a TIMEX is
  assumed to have happened within ``undated_lookback_days`` before its document's
  publication date; without both it is compatible with any date.

Candidate pairs come from blocks keyed by (root code, actor): inside a block, mentions are
sorted by date and each is compared with its ``max_neighbours`` predecessors only, so the
work is O(n * max_neighbours) rather than all pairs. Pairs are then merged greedily, closest
dates first, and a merge is refused when the two clusters' core actor sets (sources and
targets) are not nested (Lee->China and Lee->Beijing stay apart: newsie has no gazetteer to
know Beijing is in China) or when the day-precise dates of the merged cluster would span
more than ``max_cluster_span_days``. Compatibility is checked on the clusters, so chains
of pairwise-compatible mentions cannot drift apart.

Disagreements inside a cluster are reported in ``conflicts`` ("date: 2026-01-04 (doc A)
vs 2026-01-05 (doc B)"); the cluster keeps the majority value (for dates: the most
frequent, then most specific value). A date that contains another (2026-01 vs 2026-01-05)
is a refinement, not a conflict.

``cluster_id`` is ``"evc_"`` + the first 16 hex digits of the SHA-1 of the sorted member
keys (``doc_id``, ``event_id``): stable across runs and independent of row order (it changes
when a new report joins the cluster).

Cluster confidence is a noisy-OR over documents of each document's best member
confidence, capped at 0.99: independent reports make the event more likely, but outlets
copy each other, so this is an optimistic prior, not a calibrated probability.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Optional

import numpy as np
import pandas as pd

from ..config import stage_options

DEFAULT_CONFIG = {
    "date_window_days": 1,  # max gap between two compatible dates
    "undated_lookback_days": 7,  # undated event: within this many days before publication
    "max_neighbours": 10,  # comparisons per mention inside a (root, actor) block
    "max_cluster_span_days": 3,  # max spread of day-precise dates inside a cluster
    "max_confidence": 0.99,
}

EVENT_COLUMNS = [
    "doc_id", "event_id", "start_char", "end_char", "trigger", "event_type", "event_label", "actors",
    "source_id", "target_id", "date", "location_id", "confidence",
]
CLUSTER_COLUMNS = [
    "cluster_id", "event_type", "event_label", "source_id", "target_id", "actors", "date", "location_id",
    "n_events", "n_docs", "doc_ids", "event_ids", "conflicts", "confidence",
]

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])")
_HALF = re.compile(r"^(\d{4})-H([12])")
_SEASON = re.compile(r"^(\d{4})-(SP|SU|FA|AU|WI)")
_YEAR = re.compile(r"^(\d{4})$")
_DECADE = re.compile(r"^(\d{3})X?$")


@lru_cache(maxsize=100_000)
def timex_interval(value) -> tuple[float, float, int]:
    """TIMEX3 value -> (first day, last day, specificity) as proleptic ordinals; NaNs if the
    value is not an anchored calendar date. Specificity: day 5, week 4, month 3, quarter/
    season 2, half/year 1, decade 0."""
    nan = (np.nan, np.nan, -1)
    if not isinstance(value, str) or not value:
        return nan
    try:
        m = _DAY.match(value)
        if m:
            d = _dt.date(int(m[1]), int(m[2]), int(m[3])).toordinal()
            return float(d), float(d), 5
        m = _MONTH.match(value)
        if m:
            y, mo = int(m[1]), int(m[2])
            first = _dt.date(y, mo, 1)
            last = (_dt.date(y + (mo == 12), mo % 12 + 1, 1) - _dt.timedelta(days=1))
            return float(first.toordinal()), float(last.toordinal()), 3
        m = _WEEK.match(value)
        if m:
            first = _dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return float(first.toordinal()), float(first.toordinal() + 6), 4
        m = _QUARTER.match(value)
        if m:
            y, q = int(m[1]), int(m[2])
            first = _dt.date(y, 3 * q - 2, 1)
            last = _dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - _dt.timedelta(days=1)
            return float(first.toordinal()), float(last.toordinal()), 2
        m = _SEASON.match(value)
        if m:  # generous: the three months of the northern season
            y = int(m[1])
            start = {"SP": (y, 3), "SU": (y, 6), "FA": (y, 9), "AU": (y, 9), "WI": (y, 12)}[m[2]]
            first = _dt.date(*start, 1)
            last = first + _dt.timedelta(days=91)
            return float(first.toordinal()), float(last.toordinal()), 2
        m = _HALF.match(value)
        if m:
            y, h = int(m[1]), int(m[2])
            first = _dt.date(y, 1 if h == 1 else 7, 1)
            last = _dt.date(y, 6, 30) if h == 1 else _dt.date(y, 12, 31)
            return float(first.toordinal()), float(last.toordinal()), 1
        m = _YEAR.match(value)
        if m:
            y = int(m[1])
            return float(_dt.date(y, 1, 1).toordinal()), float(_dt.date(y, 12, 31).toordinal()), 1
        m = _DECADE.match(value)
        if m:
            y = int(m[1]) * 10
            return float(_dt.date(y, 1, 1).toordinal()), float(_dt.date(y + 9, 12, 31).toordinal()), 0
    except ValueError:
        return nan
    return nan


def _published_ordinal(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.slice(0, 10)
    parsed = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    ok = parsed.notna()
    if ok.any():
        out[ok] = [d.toordinal() for d in parsed[ok].dt.date]
    return out


def _none_if_na(value):
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _as_list(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in list(value) if _none_if_na(v) is not None]


def _cluster_id(keys: list[str]) -> str:
    return "evc_" + hashlib.sha1("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:16]


class _UnionFind:
    def __init__(self, n: int, core: list[frozenset], lo: np.ndarray, hi: np.ndarray, max_span: float):
        self.parent = list(range(n))
        self.core = core
        self.lo = lo.copy()
        self.hi = hi.copy()
        self.max_span = max_span

    def find(self, a: int) -> int:
        root = a
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[a] != root:
            self.parent[a], a = root, self.parent[a]
        return root

    def try_union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ca, cb = self.core[ra], self.core[rb]
        if not (ca <= cb or cb <= ca):
            return False
        lo = np.nanmin([self.lo[ra], self.lo[rb]]) if not (np.isnan(self.lo[ra]) and np.isnan(self.lo[rb])) else np.nan
        hi = np.nanmax([self.hi[ra], self.hi[rb]]) if not (np.isnan(self.hi[ra]) and np.isnan(self.hi[rb])) else np.nan
        if not np.isnan(lo) and hi - lo > self.max_span:
            return False
        keep, drop = (ra, rb) if ra < rb else (rb, ra)
        self.parent[drop] = keep
        self.core[keep] = ca | cb
        self.lo[keep], self.hi[keep] = lo, hi
        return True


def _empty_outputs(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = events.copy()
    out["cluster_id"] = pd.Series([], dtype="object")
    return out.reset_index(drop=True), pd.DataFrame({c: pd.Series([], dtype="object") for c in CLUSTER_COLUMNS})


def merge_events(
    events: pd.DataFrame, documents: pd.DataFrame, config: Optional[dict] = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cluster event mentions across documents. Returns (events + ``cluster_id``, clusters)."""
    cfg = stage_options("merge_events", config, DEFAULT_CONFIG)
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"merge_events: events table lacks columns {missing}")
    if len(events) == 0:
        return _empty_outputs(events)

    ev = events.copy()
    ev["doc_id"] = ev["doc_id"].astype(str)
    ev["event_id"] = ev["event_id"].astype(str)
    ev["_key"] = ev["doc_id"] + "\x1f" + ev["event_id"]
    if ev["_key"].duplicated().any():
        raise ValueError("merge_events: (doc_id, event_id) must be unique")
    # canonical order: results never depend on the input row order
    ev = ev.sort_values("_key", kind="mergesort").reset_index(drop=True)
    n = len(ev)
    ev["_root"] = ev["event_type"].astype(str).str.slice(0, 2)
    src = np.array([_none_if_na(v) for v in ev["source_id"].tolist()] + [None], dtype=object)[:-1]
    tgt = np.array([_none_if_na(v) for v in ev["target_id"].tolist()] + [None], dtype=object)[:-1]
    actor_lists = [_as_list(v) for v in ev["actors"].tolist()]

    # --- dates: event TIMEX, else a window before publication, else unknown (NaN)
    parsed = [timex_interval(v if isinstance(v, str) else None) for v in ev["date"].tolist()]
    begin = np.array([p[0] for p in parsed], dtype="float64")
    end = np.array([p[1] for p in parsed], dtype="float64")
    spec = np.array([p[2] for p in parsed], dtype="int64")
    docs = documents[["doc_id", "published"]].copy() if len(documents) else pd.DataFrame(
        {"doc_id": pd.Series([], dtype=str), "published": pd.Series([], dtype=object)})
    docs["doc_id"] = docs["doc_id"].astype(str)
    pub = _published_ordinal(docs.drop_duplicates("doc_id").set_index("doc_id")["published"])
    pub_ev = ev["doc_id"].map(pub).to_numpy(dtype="float64")
    undated = np.isnan(begin) & ~np.isnan(pub_ev)
    begin = np.where(undated, pub_ev - cfg["undated_lookback_days"], begin)
    end = np.where(undated, pub_ev, end)
    precise = spec >= 5  # day-precise TIMEX dates bound the spread of a cluster
    lo = np.where(precise, begin, np.nan)
    hi = np.where(precise, end, np.nan)

    # --- core actors (source/target, else all actors) and blocking keys
    core = []
    for s, t, acts in zip(src, tgt, actor_lists):
        c = frozenset(x for x in (s, t) if x is not None)
        core.append(c if c else frozenset(acts))
    block_rows = [(i, a) for i, c in enumerate(core) for a in sorted(c)]
    pairs = pd.DataFrame(columns=["a", "b", "gap"])
    if block_rows:
        blocks = pd.DataFrame(block_rows, columns=["i", "actor"])
        blocks["root"] = ev["_root"].to_numpy()[blocks["i"].to_numpy()]
        blocks["begin"] = begin[blocks["i"].to_numpy()]
        blocks = blocks.sort_values(["root", "actor", "begin", "i"], na_position="last", kind="mergesort")
        bi = blocks["i"].to_numpy()
        bkey = (blocks["root"] + "\x1f" + blocks["actor"]).to_numpy()
        src_arr, tgt_arr = src, tgt
        chunks = []
        for k in range(1, int(cfg["max_neighbours"]) + 1):
            if k >= len(bi):
                break
            a, b = bi[:-k], bi[k:]
            same = bkey[:-k] == bkey[k:]
            if not same.any():
                break
            a, b = a[same], b[same]
            gap = np.maximum.reduce([np.zeros(len(a)), begin[b] - end[a], begin[a] - end[b]])
            date_ok = np.isnan(gap) | (gap <= cfg["date_window_days"])
            sa, sb, ta, tb = src_arr[a], src_arr[b], tgt_arr[a], tgt_arr[b]
            src_ok = (sa == None) | (sb == None) | (sa == sb) | (sa == tb)  # noqa: E711
            tgt_ok = (ta == None) | (tb == None) | (ta == tb) | (ta == sb)  # noqa: E711
            keep = date_ok & src_ok & tgt_ok
            if keep.any():
                chunks.append(pd.DataFrame({"a": np.minimum(a[keep], b[keep]), "b": np.maximum(a[keep], b[keep]),
                                            "gap": np.nan_to_num(gap[keep], nan=0.0)}))
        if chunks:
            pairs = pd.concat(chunks, ignore_index=True).drop_duplicates(["a", "b"])
            pairs = pairs.sort_values(["gap", "a", "b"], kind="mergesort")

    uf = _UnionFind(n, list(core), lo, hi, float(cfg["max_cluster_span_days"]))
    for a, b in zip(pairs["a"].to_numpy(dtype=int), pairs["b"].to_numpy(dtype=int)):
        uf.try_union(int(a), int(b))
    roots = np.array([uf.find(i) for i in range(n)])

    # --- cluster ids
    keys = ev["_key"].to_numpy()
    members: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(roots):
        members[int(r)].append(i)
    cid_of_root = {r: _cluster_id([keys[i] for i in idx]) for r, idx in members.items()}
    ev["cluster_id"] = [cid_of_root[int(r)] for r in roots]

    # --- cluster table
    rows = []
    doc_arr = ev["doc_id"].to_numpy()
    eid_arr = ev["event_id"].to_numpy()
    type_arr = ev["event_type"].astype(str).to_numpy()
    label_arr = ev["event_label"].to_numpy()
    date_arr = [_none_if_na(v) for v in ev["date"].tolist()]
    loc_arr = [_none_if_na(v) for v in ev["location_id"].tolist()]
    conf_arr = pd.to_numeric(ev["confidence"], errors="coerce").fillna(0.0).to_numpy()
    single = []
    for r, idx in members.items():
        if len(idx) == 1:
            single.append(idx[0])
            continue
        rows.append(_summarize(cid_of_root[r], idx, doc_arr, eid_arr, type_arr, label_arr, src, tgt,
                               actor_lists, date_arr, loc_arr, conf_arr, cfg))
    multi = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    # singletons, vectorized: the cluster is the mention
    single = np.array(sorted(single), dtype=int)
    singles = pd.DataFrame({
        "cluster_id": ev["cluster_id"].to_numpy()[single],
        "event_type": type_arr[single],
        "event_label": label_arr[single],
        "source_id": src[single],
        "target_id": tgt[single],
        "actors": [sorted(set(actor_lists[i]) | {x for x in (src[i], tgt[i]) if x is not None}) for i in single],
        "date": np.array(date_arr + [None], dtype=object)[:-1][single],
        "location_id": np.array(loc_arr + [None], dtype=object)[:-1][single],
        "n_events": 1,
        "n_docs": 1,
        "doc_ids": [[doc_arr[i]] for i in single],
        "event_ids": [[eid_arr[i]] for i in single],
        "conflicts": "",
        "confidence": conf_arr[single],
    }, columns=CLUSTER_COLUMNS)
    parts = [p for p in (multi, singles) if len(p)]
    clusters = pd.concat(parts, ignore_index=True) if parts else multi
    clusters = clusters.astype({"n_events": "int64", "n_docs": "int64", "confidence": "float64"})
    clusters = clusters.sort_values("cluster_id", kind="mergesort").reset_index(drop=True)

    out = ev.drop(columns=[c for c in ev.columns if c.startswith("_")])
    out = out.sort_values(["doc_id", "start_char", "end_char", "event_id"], kind="mergesort").reset_index(drop=True)
    return out, clusters


def _majority(values: list, docs: list[str]):
    """Most frequent non-null value (ties: smallest); with a conflict note when several."""
    present = [(v, d) for v, d in zip(values, docs) if v is not None]
    if not present:
        return None, []
    counts = Counter(v for v, _ in present)
    best = sorted(counts, key=lambda v: (-counts[v], str(v)))[0]
    return best, present


def _describe(name: str, best, present: list, compatible=lambda a, b: a == b) -> str:
    by_value: dict = defaultdict(set)
    for v, d in present:
        by_value[v].add(d)
    others = sorted((v for v in by_value if not compatible(v, best)), key=str)
    if not others:
        return ""
    parts = [f"{v} ({', '.join(sorted(by_value[v]))})" for v in [best] + others]
    return f"{name}: " + " vs ".join(parts)


def _dates_nested(a: str, b: str) -> bool:
    ia, ib = timex_interval(a), timex_interval(b)
    if np.isnan(ia[0]) or np.isnan(ib[0]):
        return a == b
    return (ia[0] <= ib[0] and ib[1] <= ia[1]) or (ib[0] <= ia[0] and ia[1] <= ib[1])


def _summarize(cid, idx, doc_arr, eid_arr, type_arr, label_arr, src_arr, tgt_arr, actor_arr, date_arr, loc_arr,
               conf_arr, cfg) -> dict:
    docs = [doc_arr[i] for i in idx]
    event_type, types = _majority([type_arr[i] for i in idx], docs)
    label = next(label_arr[i] for i in idx if type_arr[i] == event_type)
    source, sources = _majority([src_arr[i] for i in idx], docs)
    target, targets = _majority([tgt_arr[i] for i in idx], docs)
    location, locations = _majority([loc_arr[i] for i in idx], docs)
    dates = [(date_arr[i], doc_arr[i]) for i in idx if date_arr[i] is not None]
    date = None
    if dates:
        counts = Counter(v for v, _ in dates)
        date = sorted(counts, key=lambda v: (-counts[v], -timex_interval(v)[2], v))[0]
    conflicts = [
        _describe("event_type", event_type, types),
        _describe("source", source, sources),
        _describe("target", target, targets),
        _describe("date", date, dates, _dates_nested),
        _describe("location", location, locations),
    ]
    actors = sorted({a for i in idx for a in actor_arr[i]} | {x for x in (source, target) if x is not None}
                    | {x for i in idx for x in (src_arr[i], tgt_arr[i]) if x is not None})
    best_per_doc: dict[str, float] = {}
    for i in idx:
        best_per_doc[doc_arr[i]] = max(best_per_doc.get(doc_arr[i], 0.0), float(conf_arr[i]))
    miss = 1.0
    for c in best_per_doc.values():
        miss *= 1.0 - min(max(c, 0.0), 1.0)
    confidence = round(min(1.0 - miss, cfg["max_confidence"]), 4)
    return {
        "cluster_id": cid,
        "event_type": event_type,
        "event_label": label,
        "source_id": source,
        "target_id": target,
        "actors": actors,
        "date": date,
        "location_id": location,
        "n_events": len(idx),
        "n_docs": len(best_per_doc),
        "doc_ids": sorted(best_per_doc),
        "event_ids": [eid_arr[i] for i in idx],
        "conflicts": "; ".join(c for c in conflicts if c),
        "confidence": confidence,
    }
