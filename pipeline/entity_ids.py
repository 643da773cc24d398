"""Canonical entity ids of a document's mentions, computed with the document.

An entity id depends only on the document that mentions it (and the static
gazetteer tables in ``pipeline/data/entities/``), so it is assigned per document,
in the worker that processed it, and never has to be recomputed when other
documents are added or removed:

1. Every mention gets a normalized key: accents, case, periods, hyphens, apostrophes
   and a trailing possessive are ignored ("Wi Sung-lac" == "Wi Sung Lac"); GPE and NORP
   aliases resolve through the gazetteer ("S.Korea" -> "south korea").
2. Each within-document cluster (``local_entity``, set by ``newsie_entities``) takes the
   key of its most complete member (most tokens, then most frequent, then alphabetical)
   and its majority label (ties alphabetical). A bare surname the component joined to
   "Lee Jae Myung" therefore carries the full name's key; a document whose only mention
   is a bare "Lee" keeps the key "lee" and does not merge with any full name (different
   people sharing a surname stay apart).
3. ``entity_id = "E" + sha1(label|key)[:12]``: mentions in different documents with the
   same (label, key) are one entity, whatever else is in the corpus.

Besides ``entity_id``, each mention row gets the inputs of the corpus-level entities
table (``pipeline.corpus.canonicalize.aggregate_entities``): ``entity_label``,
``entity_key``, ``surface`` (the text without a possessive) and ``full_form`` (its key is
the entity's key). They are stored with the document, not written as output columns.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .resources import lookup_key, name_key, read_tsv
from .schema import STEP_COLUMNS

DATA_DIR = Path(__file__).resolve().parent / "data" / "entities"
# Inputs of the corpus-level entities table carried by each stored mention row.
STEP_FIELDS = tuple(name for name, _ in STEP_COLUMNS["mentions"])
_POSSESSIVE_SUFFIXES = ("'s", "’s", "'S", "’S", "'", "’")


def clean_surface(text: str) -> str:
    """The mention text with whitespace collapsed and a trailing possessive removed."""
    text = " ".join(str(text).split())
    for suffix in _POSSESSIVE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].rstrip()
    return text


@lru_cache(maxsize=2)
def alias_tables(data_dir: Optional[str] = None) -> tuple[dict[str, str], dict[str, str]]:
    """(GPE lookup key -> canonical name, NORP surface key -> canonical demonym)."""
    folder = Path(data_dir) if data_dir else DATA_DIR
    gpe: dict[str, str] = {}
    for table in ("countries.tsv", "places.tsv"):
        for row in read_tsv(folder / table):
            name = row["name"]
            for alias in [name] + [a.strip().lstrip("~") for a in (row.get("aliases") or "").split("|") if a.strip()]:
                key = lookup_key(alias)
                # a country's own name wins over a same-named place (Singapore, Georgia)
                if table == "countries.tsv" or key not in gpe:
                    gpe[key] = name
    norp: dict[str, str] = {}
    for row in read_tsv(folder / "demonyms.tsv"):
        for form in [row["demonym"]] + [p.strip() for p in (row.get("plural") or "").split("|") if p.strip()]:
            norp.setdefault(lookup_key(form), row["demonym"])
    return gpe, norp


@lru_cache(maxsize=1)
def canonical_names() -> dict[str, dict[str, str]]:
    """label -> entity key -> the gazetteer's name for it (GPE and NORP only)."""
    gpe, norp = alias_tables()
    return {"GPE": {lookup_key(v): v for v in gpe.values()},
            "NORP": {lookup_key(v): v for v in norp.values()}}


@lru_cache(maxsize=65536)
def mention_key(label: str, surface: str) -> str:
    """The normalized key of a mention's surface form under its label."""
    look = lookup_key(surface)
    gpe, norp = alias_tables()
    if label == "GPE" and look in gpe:
        return lookup_key(gpe[look])
    if label == "NORP" and look in norp:
        return lookup_key(norp[look])
    return name_key(surface)


def entity_id(label: str, key: str) -> str:
    return "E" + hashlib.sha1(f"{label}|{key}".encode("utf-8")).hexdigest()[:12]


def _n_tokens(key: str) -> int:
    return key.count(" ") + 1 if key else 0


def assign_entities(mentions: list[dict]) -> dict[str, str]:
    """Set ``entity_id`` and the ``STEP_FIELDS`` on a document's mention rows (in place);
    return mention_id -> entity_id. Rows need text, label and local_entity (None: alone)."""
    clusters: dict[object, list[tuple[dict, str, str, str]]] = {}
    for i, m in enumerate(mentions):
        label = m.get("label") or "MISC"
        surface = clean_surface(m.get("text") or "")
        key = mention_key(label, surface)
        local = m.get("local_entity")
        group = ("local", local) if local is not None else ("alone", i)
        clusters.setdefault(group, []).append((m, label, surface, key))
    entity_of: dict[str, str] = {}
    for members in clusters.values():
        labels = Counter(label for _, label, _, _ in members)
        elabel = min(labels, key=lambda lab: (-labels[lab], lab))
        keys = Counter(key for _, _, _, key in members)
        ekey = min(keys, key=lambda k: (-_n_tokens(k), -keys[k], k))
        eid = entity_id(elabel, ekey)
        for m, _label, surface, key in members:
            m.update(entity_id=eid, entity_label=elabel, entity_key=ekey, surface=surface, full_form=key == ekey)
            entity_of[m["mention_id"]] = eid
    return entity_of
