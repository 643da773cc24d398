"""Corpus-level entity canonicalization: one ``entity_id`` per real-world entity.

``canonicalize_entities(mentions)`` is a pure function of its input (plus the static gazetteer
tables in ``pipeline/data/entities/``, used only to map place/demonym aliases such as "S.Korea"
to "South Korea"):

1. Every mention gets a normalized key: accents, case, periods, hyphens, apostrophes and a
   trailing possessive are ignored ("Wi Sung-lac" == "Wi Sung Lac"); GPE and NORP aliases are
   resolved through the gazetteer.
2. Each within-document cluster (``doc_id``, ``local_entity``) takes the key of its most
   complete member (most tokens, then most frequent, then alphabetical) and its majority label.
   A bare surname the component already joined to "Lee Jae Myung" therefore carries the full
   name's key; a document whose only mention is a bare "Lee" keeps the key "lee" and does not
   merge with any full name (different people sharing a surname stay apart).
3. Clusters merge across documents on (label, key). ``entity_id = "E" + sha1(label|key)[:12]``,
   so ids depend on neither row order nor the other documents in the run (stable across
   incremental runs).

Entity confidence: the maximum confidence among the entity's mentions that carry the entity's
label. Mentions of one entity are strongly dependent evidence (same string, same model, usually
the same error when wrong), so they are not combined as independent votes: the noisy-OR
1 - prod(1 - c) would turn ten 0.5-confidence mentions of a systematically mis-tagged string into
0.999. Under full dependence the best-supported mention bounds the probability that the entity
is real; this is conservative and does not grow with repetition.

All steps are vectorized groupbys over the mention table (string normalization runs once per
distinct string), so 10^6 mentions take seconds.
"""
from __future__ import annotations

import csv
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
from ..resources import lookup_key, name_key

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "entities"
ENTITY_COLUMNS = ["entity_id", "name", "label", "aliases", "title", "country", "n_mentions", "n_docs", "confidence"]
_POSSESSIVE_SUFFIXES = ("'s", "’s", "'S", "’S", "'", "’")


def _clean_surface(text: str) -> str:
    text = " ".join(str(text).split())
    for suffix in _POSSESSIVE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].rstrip()
    return text


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in r.items()}
            for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


@lru_cache(maxsize=2)
def _alias_tables(data_dir: Optional[str] = None) -> tuple[dict, dict]:
    """(GPE lookup key -> canonical name, NORP surface key -> canonical demonym)."""
    folder = Path(data_dir) if data_dir else DATA_DIR
    gpe: dict = {}
    for table in ("countries.tsv", "places.tsv"):
        for row in _rows(folder / table):
            name = row["name"]
            for alias in [name] + [a.strip().lstrip("~") for a in row["aliases"].split("|") if a.strip()]:
                key = lookup_key(alias)
                # a country's own name wins over a same-named place (Singapore, Georgia)
                if table == "countries.tsv" or key not in gpe:
                    gpe[key] = name
    norp: dict = {}
    for row in _rows(folder / "demonyms.tsv"):
        for form in [row["demonym"]] + [p.strip() for p in row["plural"].split("|") if p.strip()]:
            norp.setdefault(lookup_key(form), row["demonym"])
    return gpe, norp


def _entity_id(key: str) -> str:
    return "E" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def _most_frequent(df: pd.DataFrame, group: str, value: str) -> pd.Series:
    """Most frequent non-null ``value`` per ``group``; ties -> longest, then alphabetical."""
    sub = df[[group, value]].dropna()
    if sub.empty:
        return pd.Series(dtype=object)
    counts = sub.groupby([group, value], sort=False).size().rename("n").reset_index()
    counts["len"] = counts[value].str.len()
    counts = counts.sort_values([group, "n", "len", value], ascending=[True, False, False, True], kind="mergesort")
    return counts.drop_duplicates(group).set_index(group)[value]


def canonicalize_entities(mentions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mentions with ``entity_id`` filled, ``entities`` table). See the module docstring.

    ``mentions`` itself gets the ``entity_id`` column (no copy: it is the largest frame
    of a corpus run); its row order is kept, the writers sort.
    """
    out = mentions
    if len(out) == 0:
        out["entity_id"] = pd.Series(dtype=object)
        return out, pd.DataFrame({c: pd.Series(dtype=object) for c in ENTITY_COLUMNS})

    gpe_alias, norp_alias = _alias_tables()
    n = len(out)
    # Strings are factorized once with sort=True, so integer codes (and every tie-break on them)
    # follow string order, not row order; all groupbys run on integer codes.
    def codes(values) -> tuple[np.ndarray, np.ndarray]:
        c, uniq = pd.factorize(pd.Series(values, dtype=object).to_numpy(dtype=object), sort=True)
        return c.astype(np.int64), np.asarray(uniq, dtype=object)

    text_c, text_u = codes(out["text"].fillna("").astype(str).to_numpy(dtype=object))
    label_c, label_u = codes(out["label"].fillna("MISC").astype(str).to_numpy(dtype=object))
    doc_c, _ = codes(out["doc_id"].astype(str).to_numpy(dtype=object))
    surf_of_text = np.array([_clean_surface(t) for t in text_u], dtype=object)

    # 1. per-mention key, computed once per distinct (label, text)
    pair = label_c * len(text_u) + text_c
    pair_u, pair_inv = np.unique(pair, return_inverse=True)

    def key_of(lab: str, surf: str) -> str:
        look = lookup_key(surf)
        if lab == "GPE" and look in gpe_alias:
            return lookup_key(gpe_alias[look])
        if lab == "NORP" and look in norp_alias:
            return lookup_key(norp_alias[look])
        return name_key(surf)

    pair_keys = [key_of(label_u[p // len(text_u)], surf_of_text[p % len(text_u)]) for p in pair_u]
    pkey_c, key_u = codes(pair_keys)
    key_c = pkey_c[pair_inv.ravel()]
    surf_c, surf_u = codes(surf_of_text)
    surf_c = surf_c[text_c]
    ntok_u = np.array([k.count(" ") + (len(k) > 0) for k in key_u], dtype=np.int64)

    def clean_col(name: str) -> pd.Series:
        if name not in out:
            return pd.Series([None] * n, dtype=object)
        col = out[name].astype(object).to_numpy()
        ok = pd.notna(col) & (pd.Series(col).astype(str).to_numpy() != "")
        return pd.Series(np.where(ok, col, None), dtype=object)

    # 2. within-document clusters: (doc, local_entity); mentions without one are singletons
    local = (pd.to_numeric(out["local_entity"], errors="coerce").to_numpy(dtype=float)
             if "local_entity" in out else np.full(n, np.nan))
    mention_c, _ = codes(out["mention_id"].astype(str).to_numpy(dtype=object))
    local_i = np.where(np.isnan(local), -1 - mention_c, np.nan_to_num(local, nan=0).astype(np.int64))
    work = pd.DataFrame({"doc": doc_c, "local": local_i, "label": label_c, "key": key_c, "surf": surf_c,
                         "conf": pd.to_numeric(out["confidence"], errors="coerce").to_numpy(dtype=float)})
    work["cluster"] = work.groupby(["doc", "local"], sort=True).ngroup().to_numpy()
    work["ntok"] = ntok_u[key_c]

    cl_label = (work.groupby(["cluster", "label"], sort=False).size().rename("n").reset_index()
                .sort_values(["cluster", "n", "label"], ascending=[True, False, True], kind="mergesort")
                .drop_duplicates("cluster").set_index("cluster")["label"])
    cl_key = (work.groupby(["cluster", "key"], sort=False).size().rename("n").reset_index())
    cl_key["ntok"] = ntok_u[cl_key["key"].to_numpy()]
    cl_key = (cl_key.sort_values(["cluster", "ntok", "n", "key"], ascending=[True, False, False, True], kind="mergesort")
              .drop_duplicates("cluster").set_index("cluster")["key"])
    work["elabel"] = cl_label.reindex(work["cluster"]).to_numpy()
    work["ekey"] = cl_key.reindex(work["cluster"]).to_numpy()

    # 3. entity ids from (label, key) only
    work["ent"] = work.groupby(["elabel", "ekey"], sort=True).ngroup().to_numpy()
    ent_pairs = work[["ent", "elabel", "ekey"]].drop_duplicates("ent").sort_values("ent")
    ent_ids = np.array([_entity_id(f"{label_u[lab]}|{key_u[k]}")
                        for lab, k in zip(ent_pairs["elabel"], ent_pairs["ekey"])], dtype=object)
    out["entity_id"] = ent_ids[work["ent"].to_numpy()]

    # 4. entities table (indexed by the integer entity code until the end)
    g = work.groupby("ent", sort=True)
    ents = pd.DataFrame({
        "entity_id": ent_ids,
        "label": label_u[ent_pairs["elabel"].to_numpy()],
        "ekey": key_u[ent_pairs["ekey"].to_numpy()],
        "n_mentions": g.size().to_numpy().astype("int64"),
        "n_docs": g["doc"].nunique().to_numpy().astype("int64"),
    })
    agree = work[work["label"] == work["elabel"]]
    ents["confidence"] = agree.groupby("ent")["conf"].max().reindex(ents.index).to_numpy(dtype=float)
    # name: a surface form whose key is the canonical key, then well-cased, most frequent, longest,
    # alphabetical; GPE/NORP known to the gazetteer use the gazetteer's canonical name
    forms = work.groupby(["ent", "surf", "key"], sort=False).size().rename("n").reset_index()
    forms["full"] = forms["key"].to_numpy() == ent_pairs["ekey"].to_numpy()[forms["ent"].to_numpy()]
    surf_text = pd.Series(surf_u[forms["surf"].to_numpy()], dtype=object)
    forms["cased"] = ~(surf_text.str.isupper() | surf_text.str.islower()).to_numpy(dtype=bool)
    forms["ntok"] = surf_text.str.count(" ").to_numpy()
    best = (forms.sort_values(["ent", "full", "cased", "n", "ntok", "surf"],
                              ascending=[True, False, False, False, False, True], kind="mergesort")
            .drop_duplicates("ent").set_index("ent")["surf"])
    ents["name"] = surf_u[best.reindex(ents.index).to_numpy()]
    canon = {"GPE": {lookup_key(v): v for v in gpe_alias.values()},
             "NORP": {lookup_key(v): v for v in norp_alias.values()}}
    ents["name"] = [canon.get(lab, {}).get(k, name) for lab, k, name in zip(ents["label"], ents["ekey"], ents["name"])]
    pairs = forms[["ent", "surf"]].drop_duplicates().sort_values(["ent", "surf"], kind="mergesort")
    e_arr = pairs["ent"].to_numpy()
    cuts = np.flatnonzero(e_arr[1:] != e_arr[:-1]) + 1
    groups = np.split(surf_u[pairs["surf"].to_numpy()], cuts)
    ents["aliases"] = [[a for a in grp.tolist() if a != name] for grp, name in zip(groups, ents["name"])]
    work["title"] = clean_col("title").to_numpy()
    work["country"] = clean_col("country").to_numpy()
    ents["title"] = _most_frequent(work, "ent", "title").reindex(ents.index).to_numpy()
    ents["country"] = _most_frequent(work, "ent", "country").reindex(ents.index).to_numpy()
    for col in ("title", "country"):
        ents[col] = ents[col].astype(object).where(ents[col].notna(), None)
    ents = ents[ENTITY_COLUMNS].sort_values("entity_id", kind="mergesort").reset_index(drop=True)

    return out, ents
