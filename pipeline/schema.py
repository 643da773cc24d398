"""Explicit Arrow schemas of every output table.

The column order here is the column order of the files. Other stages add
columns by extending these schemas, never by writing untyped frames.
"""
from __future__ import annotations

import pyarrow as pa

STR = pa.string()
INT = pa.int64()
F64 = pa.float64()
STRS = pa.list_(pa.string())

TABLES: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("doc_id", STR), ("path", STR), ("title", STR), ("source", STR), ("url", STR),
        ("published", STR), ("published_source", STR), ("published_confidence", F64),
        ("language", STR), ("encoding", STR), ("n_chars", INT), ("n_tokens", INT),
        ("n_sentences", INT), ("sha256", STR), ("status", STR), ("error", STR),
    ]),
    "texts": pa.schema([("doc_id", STR), ("text", STR)]),
    "sentences": pa.schema([
        ("doc_id", STR), ("sent_id", INT), ("start_char", INT), ("end_char", INT),
        ("is_heading", pa.bool_()),
    ]),
    "mentions": pa.schema([
        ("doc_id", STR), ("mention_id", STR), ("sent_id", INT), ("start_char", INT),
        ("end_char", INT), ("text", STR), ("label", STR), ("entity_id", STR),
        ("confidence", F64), ("stage", STR), ("title", STR), ("country", STR),
    ]),
    "entities": pa.schema([
        ("entity_id", STR), ("name", STR), ("label", STR), ("aliases", STRS), ("title", STR),
        ("country", STR), ("n_mentions", INT), ("n_docs", INT), ("confidence", F64),
    ]),
    "timexes": pa.schema([
        ("doc_id", STR), ("timex_id", STR), ("sent_id", INT), ("start_char", INT),
        ("end_char", INT), ("text", STR), ("type", STR), ("value", STR), ("begin", STR),
        ("end", STR), ("granularity", STR), ("anchor", STR), ("anchor_source", STR),
        ("confidence", F64),
    ]),
    "relations": pa.schema([
        ("doc_id", STR), ("relation_id", STR), ("subject_id", STR), ("subject_mention_id", STR),
        ("predicate", STR), ("object_id", STR), ("object_mention_id", STR), ("object_text", STR),
        ("start_char", INT), ("end_char", INT), ("confidence", F64),
    ]),
    "events": pa.schema([
        ("doc_id", STR), ("event_id", STR), ("start_char", INT), ("end_char", INT),
        ("trigger", STR), ("event_type", STR), ("event_label", STR), ("actors", STRS),
        ("source_id", STR), ("target_id", STR), ("date", STR), ("timex_id", STR),
        ("location_id", STR), ("location", STR), ("cluster_id", STR), ("confidence", F64),
    ]),
    "event_clusters": pa.schema([
        ("cluster_id", STR), ("event_type", STR), ("event_label", STR), ("source_id", STR),
        ("target_id", STR), ("actors", STRS), ("date", STR), ("location_id", STR),
        ("n_events", INT), ("n_docs", INT), ("doc_ids", STRS), ("event_ids", STRS),
        ("conflicts", STR), ("confidence", F64),
    ]),
    "errors": pa.schema([("doc_id", STR), ("path", STR), ("stage", STR), ("message", STR)]),
}

# Tables whose rows each belong to one document; the others (entities, event_clusters) are
# made by the corpus-level steps.
DOCUMENT_TABLES = ("documents", "texts", "sentences", "mentions", "timexes", "relations", "events", "errors")

# Columns stored with a document's rows for the corpus-level steps, not written to the outputs
# (see pipeline.entity_ids).
STEP_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "mentions": [("entity_label", STR), ("entity_key", STR), ("surface", STR), ("full_form", pa.bool_())],
}


def stored_schema(table: str) -> pa.Schema:
    """The schema of a per-document table as stored: output columns, then step columns."""
    schema = TABLES[table]
    for name, dtype in STEP_COLUMNS.get(table, []):
        schema = schema.append(pa.field(name, dtype))
    return schema


# Sort keys that make every table's row order deterministic.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id",),
    "texts": ("doc_id",),
    "sentences": ("doc_id", "sent_id"),
    "mentions": ("doc_id", "start_char", "end_char"),
    "entities": ("entity_id",),
    "timexes": ("doc_id", "start_char", "end_char"),
    "relations": ("doc_id", "start_char", "relation_id"),
    "events": ("doc_id", "start_char", "event_id"),
    "event_clusters": ("cluster_id",),
    "errors": ("doc_id", "stage", "message"),
}


def empty_row(table: str) -> dict:
    return {name: None for name in TABLES[table].names}
