"""Corpus-level steps over the per-document tables: the entities table and event clusters.

Per-document rows already carry their canonical entity ids (``pipeline.entity_ids``);
these steps describe each entity from all its mentions (``entities``) and merge event
mentions across documents (``cluster_id``, ``event_clusters``).
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import TABLES
from .canonicalize import AGGREGATE_INPUTS, aggregate_entities
from .events import merge_events

CONFIDENT_TABLES = ("mentions", "entities", "timexes", "relations", "events", "event_clusters")
# The documents columns event merging reads.
EVENT_DOCUMENT_INPUTS = ["doc_id", "published"]


def frame_to_arrow(df: pd.DataFrame, table: str) -> pa.Table:
    """A corpus-step frame as an output table: schema and row order."""
    from ..store import sort_table

    schema = TABLES[table]
    return sort_table(table, pa.Table.from_pandas(df[schema.names], schema=schema, preserve_index=False))


def confident(table: str, arrow: pa.Table, min_confidence: float) -> pa.Table:
    """Rows of an output table at or above ``min_confidence`` (rows without a confidence stay)."""
    if min_confidence <= 0 or table not in CONFIDENT_TABLES:
        return arrow
    conf = arrow.column("confidence")
    return arrow.filter(pc.or_kleene(pc.is_null(conf), pc.greater_equal(conf, min_confidence)))


def entities_table(mentions: pa.Table) -> pa.Table:
    """The ``entities`` output table from stored mention rows (at least ``AGGREGATE_INPUTS``)."""
    return frame_to_arrow(aggregate_entities(mentions.select(AGGREGATE_INPUTS).to_pandas()), "entities")


def event_tables(events: pa.Table, documents: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(events with ``cluster_id``, ``event_clusters``) as output tables."""
    events_df, clusters = merge_events(events.to_pandas(), documents.select(EVENT_DOCUMENT_INPUTS).to_pandas())
    return frame_to_arrow(events_df, "events"), frame_to_arrow(clusters, "event_clusters")


def build_corpus_tables(tables: dict[str, list[dict]], *, min_confidence: float = 0.0) -> dict[str, pa.Table]:
    """Every output table from in-memory per-document rows (small corpora, one text)."""
    from ..schema import DOCUMENT_TABLES, stored_schema
    from ..store import sort_table, to_arrow

    stored = {t: to_arrow(t, tables.get(t) or [], stored_schema(t)) for t in DOCUMENT_TABLES}
    out = {t: sort_table(t, stored[t].select(TABLES[t].names)) for t in DOCUMENT_TABLES}
    out["entities"] = entities_table(stored["mentions"])
    out["events"], out["event_clusters"] = event_tables(stored["events"], stored["documents"])
    return {t: confident(t, arrow, min_confidence) for t, arrow in out.items()}
