"""Corpus-level steps over the per-document tables: entities and event clusters.

Per-document rows refer to mentions by mention id; these steps assign the
corpus-wide ids (``entity_id``, ``cluster_id``) and derive the ``entities`` and
``event_clusters`` tables.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd
import pyarrow as pa

from ..schema import TABLES
from .canonicalize import canonicalize_entities
from .events import merge_events

MENTION_INPUT_COLUMNS = TABLES["mentions"].names + ["local_entity"]
# Every column a corpus step returns, typed as in the output tables.
_ROW_SCHEMA = pa.unify_schemas([TABLES[t] for t in ("mentions", "entities", "events", "event_clusters")],
                               promote_options="permissive")
CONFIDENT_TABLES = ("mentions", "entities", "timexes", "relations", "events", "event_clusters")


def records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    """DataFrame rows as plain Python values (None for missing), for the writers.

    Goes through Arrow, whose conversion to Python is an order of magnitude
    faster than ``DataFrame.to_dict`` and maps NaN/NA to None.
    """
    schema = pa.schema([f for f in _ROW_SCHEMA if f.name in columns and f.name in df.columns])
    return pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False).to_pylist()


def entity_frames(mention_rows: Iterable[dict], chunk_rows: int = 20_000
                  ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Canonical entities as frames: (mentions with entity_id, entities, mention_id -> entity_id).

    Rows are turned into columns a chunk at a time, so a large corpus never
    holds all mentions as Python dicts at once.
    """
    chunks, chunk = [], []
    for row in mention_rows:
        chunk.append(row)
        if len(chunk) >= chunk_rows:
            chunks.append(pd.DataFrame(chunk, columns=MENTION_INPUT_COLUMNS))
            chunk = []
    chunks.append(pd.DataFrame(chunk, columns=MENTION_INPUT_COLUMNS))
    mentions = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    del chunks, chunk
    mentions, entities = canonicalize_entities(mentions)
    # lists first: iterating Arrow-backed pandas strings element by element is slow
    entity_of = dict(zip(mentions["mention_id"].tolist(), mentions["entity_id"].tolist()))
    return mentions, entities, entity_of


def resolve_entities(mention_rows: Iterable[dict]) -> tuple[list[dict], list[dict], dict[str, str]]:
    """Canonical entities as rows: (mentions with entity_id, entities, mention_id -> entity_id)."""
    mentions, entities, entity_of = entity_frames(mention_rows)
    return records(mentions, TABLES["mentions"].names), records(entities, TABLES["entities"].names), entity_of


def frame_to_arrow(df: pd.DataFrame, table: str, min_confidence: float = 0.0) -> pa.Table:
    """A corpus-step frame as an output table: schema, confidence filter, row order."""
    from ..store import sort_table

    schema = TABLES[table]
    if min_confidence > 0 and table in CONFIDENT_TABLES:
        df = df[df["confidence"].isna() | (df["confidence"] >= min_confidence)]
    arrow = pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False)
    return sort_table(table, arrow)


def link_relation(row: dict, entity_of: dict[str, str]) -> dict:
    return {**row, "subject_id": entity_of.get(row["subject_mention_id"]),
            "object_id": entity_of.get(row["object_mention_id"])}


def resolve_events(event_rows: Iterable[dict], entity_of: dict[str, str],
                   document_rows: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """Events with entity ids and cluster ids, and the event clusters."""
    events = []
    for row in event_rows:
        row = dict(row)
        row["actors"] = sorted({entity_of[m] for m in row["actors"] if m in entity_of})
        for key in ("source_id", "target_id", "location_id"):
            row[key] = entity_of.get(row[key])
        events.append(row)
    columns = [c for c in TABLES["events"].names if c != "cluster_id"]
    events_df = pd.DataFrame(events, columns=columns)
    documents = pd.DataFrame(list(document_rows), columns=TABLES["documents"].names)
    events_df, clusters = merge_events(events_df, documents)
    return records(events_df, TABLES["events"].names), records(clusters, TABLES["event_clusters"].names)


def keep_confident(table: str, rows: list[dict], min_confidence: float) -> list[dict]:
    if min_confidence <= 0 or table not in CONFIDENT_TABLES:
        return rows
    return [r for r in rows if r["confidence"] is None or r["confidence"] >= min_confidence]


def build_corpus_tables(tables: dict[str, list[dict]], *, min_confidence: float = 0.0) -> dict[str, list[dict]]:
    """Every output table from in-memory per-document rows (small corpora, one text)."""
    out = dict(tables)
    out["mentions"], out["entities"], entity_of = resolve_entities(tables.get("mentions") or [])
    out["relations"] = [link_relation(r, entity_of) for r in tables.get("relations") or []]
    out["events"], out["event_clusters"] = resolve_events(
        tables.get("events") or [], entity_of, tables.get("documents") or [])
    return {t: keep_confident(t, rows, min_confidence) for t, rows in out.items()}
