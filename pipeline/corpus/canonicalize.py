"""Corpus-level entity canonicalization: the ``entities`` table, one row per real-world entity.

Every mention already carries its ``entity_id``, assigned with its document
(``pipeline.entity_ids``: ids depend only on the mentioning document, so they are stable
across runs and across incremental runs). What needs the whole corpus is the description
of each entity, aggregated here over its mentions in all documents:

* ``name``: a surface form whose key is the entity's key (the full name, not a bare
  surname), then well-cased, most frequent, most tokens, alphabetical; GPE/NORP known to
  the gazetteer use the gazetteer's canonical name ("S.Korea" -> "South Korea");
* ``aliases``: the other surface forms, sorted; ``title`` and ``country``: most frequent;
* ``n_mentions``, ``n_docs``;
* ``confidence``: the maximum confidence among the entity's mentions that carry the
  entity's label. Mentions of one entity are strongly dependent evidence (same string, same
  model, usually the same error when wrong), so they are not combined as independent votes:
  the noisy-OR 1 - prod(1 - c) would turn ten 0.5-confidence mentions of a systematically
  mis-tagged string into 0.999. Under full dependence the best-supported mention bounds the
  probability that the entity is real; this is conservative and does not grow with repetition.

All steps are vectorized groupbys over the mention columns (string work runs once per
distinct string), so 10^6 mentions take seconds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..entity_ids import STEP_FIELDS, assign_entities, canonical_names

ENTITY_COLUMNS = ["entity_id", "name", "label", "aliases", "title", "country", "n_mentions", "n_docs", "confidence"]
# The mention columns the entities table is built from.
AGGREGATE_INPUTS = ["doc_id", "label", "confidence", "title", "country", "entity_id", *STEP_FIELDS]


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes in sorted string order (so every tie-break on codes is alphabetical)."""
    c, uniq = pd.factorize(pd.Series(values, dtype=object).to_numpy(dtype=object), sort=True)
    return c.astype(np.int64), np.asarray(uniq, dtype=object)


def _clean(values: pd.Series) -> np.ndarray:
    """Missing and empty strings as None."""
    col = values.astype(object).to_numpy()
    ok = pd.notna(col) & (pd.Series(col).astype(str).to_numpy() != "")
    return np.where(ok, col, None)


def _most_frequent(df: pd.DataFrame, group: str, value: str) -> pd.Series:
    """Most frequent non-null ``value`` per ``group``; ties -> longest, then alphabetical."""
    sub = df[[group, value]].dropna()
    if sub.empty:
        return pd.Series(dtype=object)
    counts = sub.groupby([group, value], sort=False).size().rename("n").reset_index()
    counts["len"] = counts[value].str.len()
    counts = counts.sort_values([group, "n", "len", value], ascending=[True, False, False, True], kind="mergesort")
    return counts.drop_duplicates(group).set_index(group)[value]


def empty_entities() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ENTITY_COLUMNS})


def aggregate_entities(mentions: pd.DataFrame) -> pd.DataFrame:
    """The ``entities`` table (sorted by entity_id) from mention rows with ``AGGREGATE_INPUTS``."""
    if len(mentions) == 0:
        return empty_entities()
    ent_c, ent_u = _codes(mentions["entity_id"].astype(str))
    doc_c, _ = _codes(mentions["doc_id"].astype(str))
    surf_c, surf_u = _codes(mentions["surface"].fillna("").astype(str))
    work = pd.DataFrame({
        "ent": ent_c, "doc": doc_c, "surf": surf_c,
        "agree": (mentions["label"].astype(object).to_numpy() == mentions["entity_label"].astype(object).to_numpy()),
        "full": mentions["full_form"].fillna(False).to_numpy(dtype=bool),
        "conf": pd.to_numeric(mentions["confidence"], errors="coerce").to_numpy(dtype=float),
        "title": _clean(mentions["title"]), "country": _clean(mentions["country"]),
    })
    g = work.groupby("ent", sort=True)
    # every mention of an entity has its label and key (the id is made from them)
    first_row = pd.Series(np.arange(len(work))).groupby(ent_c).first().to_numpy()
    ents = pd.DataFrame({
        "entity_id": ent_u,
        "label": mentions["entity_label"].astype(object).to_numpy()[first_row],
        "ekey": mentions["entity_key"].astype(object).to_numpy()[first_row],
        "n_mentions": g.size().to_numpy().astype("int64"),
        "n_docs": g["doc"].nunique().to_numpy().astype("int64"),
    })
    ents["confidence"] = work[work["agree"]].groupby("ent")["conf"].max().reindex(ents.index).to_numpy(dtype=float)
    forms = work.groupby(["ent", "surf", "full"], sort=False).size().rename("n").reset_index()
    surf_text = pd.Series(surf_u[forms["surf"].to_numpy()], dtype=object)
    forms["cased"] = ~(surf_text.str.isupper() | surf_text.str.islower()).to_numpy(dtype=bool)
    forms["ntok"] = surf_text.str.count(" ").to_numpy()
    best = (forms.sort_values(["ent", "full", "cased", "n", "ntok", "surf"],
                              ascending=[True, False, False, False, False, True], kind="mergesort")
            .drop_duplicates("ent").set_index("ent")["surf"])
    ents["name"] = surf_u[best.reindex(ents.index).to_numpy()]
    canon = canonical_names()
    ents["name"] = [canon.get(lab, {}).get(k, name) for lab, k, name in zip(ents["label"], ents["ekey"], ents["name"])]
    pairs = forms[["ent", "surf"]].drop_duplicates().sort_values(["ent", "surf"], kind="mergesort")
    e_arr = pairs["ent"].to_numpy()
    cuts = np.flatnonzero(e_arr[1:] != e_arr[:-1]) + 1
    groups = np.split(surf_u[pairs["surf"].to_numpy()], cuts)
    ents["aliases"] = [[a for a in grp.tolist() if a != name] for grp, name in zip(groups, ents["name"])]
    ents["title"] = _most_frequent(work, "ent", "title").reindex(ents.index).to_numpy()
    ents["country"] = _most_frequent(work, "ent", "country").reindex(ents.index).to_numpy()
    for col in ("title", "country"):
        ents[col] = ents[col].astype(object).where(ents[col].notna(), None)
    return ents[ENTITY_COLUMNS].reset_index(drop=True)


def canonicalize_entities(mentions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mentions with ``entity_id`` and the step fields, ``entities``) from raw mention rows.

    For mention rows that did not come through ``doc_rows`` (which assigns ids as it makes
    the rows): ids are assigned document by document, exactly as the pipeline does. Rows
    keep their input order.
    """
    if len(mentions) == 0:
        out = mentions.copy()
        for col in ("entity_id", *STEP_FIELDS):
            out[col] = pd.Series(dtype=object)
        return out, empty_entities()
    rows = mentions.to_dict("records")
    for row in rows:
        local = row.get("local_entity")
        row["local_entity"] = None if local is None or pd.isna(local) else local
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(str(row["doc_id"]), []).append(row)
    for doc_mentions in by_doc.values():
        assign_entities(doc_mentions)
    out = pd.DataFrame(rows, columns=list(mentions.columns) + [c for c in ("entity_id", *STEP_FIELDS)
                                                                 if c not in mentions.columns])
    out.index = mentions.index
    return out, aggregate_entities(out)
