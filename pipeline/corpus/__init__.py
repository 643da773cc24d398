"""Corpus-level steps over the per-document tables: entities and event clusters."""
from __future__ import annotations

import pandas as pd

from ..schema import TABLES
from .canonicalize import canonicalize_entities
from .events import merge_events

MENTION_INPUT_COLUMNS = TABLES["mentions"].names + ["local_entity"]
EVENT_INPUT_COLUMNS = [
    "doc_id", "event_id", "start_char", "end_char", "trigger", "event_type", "event_label",
    "actors", "source_id", "target_id", "date", "location_id", "confidence",
]


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    """DataFrame rows as plain Python values (None for missing), for the writers."""
    out = []
    for row in df[[c for c in columns if c in df.columns]].to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if hasattr(value, "tolist"):  # numpy arrays and scalars
                value = value.tolist()
            if isinstance(value, float) and value != value:
                value = None
            elif value is pd.NA or value is pd.NaT:
                value = None
            clean[key] = value
        out.append(clean)
    return out


def build_corpus_tables(tables: dict[str, list[dict]], *, min_confidence: float = 0.0) -> dict[str, list[dict]]:
    """Fill entity and cluster ids, derive ``entities`` and ``event_clusters``.

    Input: per-document rows (mentions carry ``local_entity``; relations and
    events refer to mentions by mention id). Output: every table of the schema.
    """
    out = dict(tables)
    mentions = pd.DataFrame(tables.get("mentions") or [], columns=MENTION_INPUT_COLUMNS)
    mentions, entities = canonicalize_entities(mentions)
    entity_of = dict(zip(mentions["mention_id"], mentions["entity_id"]))
    out["mentions"] = _records(mentions, TABLES["mentions"].names)
    out["entities"] = _records(entities, TABLES["entities"].names)

    relations = []
    for row in tables.get("relations") or []:
        row = dict(row)
        row["subject_id"] = entity_of.get(row["subject_mention_id"])
        row["object_id"] = entity_of.get(row["object_mention_id"])
        relations.append(row)
    out["relations"] = relations

    events = []
    for row in tables.get("events") or []:
        row = dict(row)
        row["location"] = row.get("location")
        row["actors"] = sorted({entity_of[m] for m in row["actors"] if m in entity_of})
        for key in ("source_id", "target_id", "location_id"):
            row[key] = entity_of.get(row[key])
        events.append(row)
    events_df = pd.DataFrame(events, columns=list(TABLES["events"].names))
    documents = pd.DataFrame(tables.get("documents") or [], columns=TABLES["documents"].names)
    events_df, clusters = merge_events(events_df.drop(columns=["cluster_id"]), documents)
    out["events"] = _records(events_df, TABLES["events"].names)
    out["event_clusters"] = _records(clusters, TABLES["event_clusters"].names)

    if min_confidence > 0:
        for table in ("mentions", "entities", "timexes", "relations", "events", "event_clusters"):
            out[table] = [r for r in out[table] if r["confidence"] is None or r["confidence"] >= min_confidence]
    return out
