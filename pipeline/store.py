"""Where results live: the per-document result store and the output tables.

Per-document rows are kept in an SQLite file under ``<out>/.newsie/`` keyed by
doc_id, content hash and pipeline version, so a rerun only processes new or
changed documents. SQLite commits are atomic, so a killed run loses at most the
batch in flight. Output tables are written to a temporary file and renamed over
the old one: a reader never sees a partial file.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator, Optional

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .schema import SORT_KEYS, TABLES

STATE_DIR = ".newsie"
STORE_FORMAT = 3  # bump when the blob format or the tables change
STORE_FILE = "results.sqlite"


class ResultStore:
    """Per-document rows from earlier runs, one blob per (document, table)."""

    def __init__(self, out_dir: Path) -> None:
        state = out_dir / STATE_DIR
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / STORE_FILE
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        if self.db.execute("PRAGMA user_version").fetchone()[0] != STORE_FORMAT:
            # rows written in another blob format cannot be read back: start over
            with self.db:
                self.db.execute("DROP TABLE IF EXISTS docs")
                self.db.execute("DROP TABLE IF EXISTS rows")
                self.db.execute("DROP TABLE IF EXISTS files")
                self.db.execute("DROP TABLE IF EXISTS counters")
                self.db.execute(f"PRAGMA user_version = {STORE_FORMAT}")
        # seq: a number never given twice, new each time a document's rows are stored; what
        # the segments (pipeline.segments) compare to know which documents changed
        self.db.execute("CREATE TABLE IF NOT EXISTS docs "
                        "(doc_id TEXT PRIMARY KEY, sha256 TEXT, version TEXT, seq INTEGER NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS rows (doc_id TEXT, tbl TEXT, blob BLOB, PRIMARY KEY (tbl, doc_id))"
        )
        # rows are replaced and deleted by document: without this index each of those
        # statements scans the whole table, quadratic in the corpus size
        self.db.execute("CREATE INDEX IF NOT EXISTS rows_by_doc ON rows (doc_id)")
        # corpus file -> its stat signature and the (doc_id, sha256) it held when last read
        self.db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, signature TEXT, docs TEXT)")
        self.db.commit()

    def fingerprints(self) -> dict[str, tuple[Optional[str], str]]:
        """doc_id -> (sha256, version) of every stored document."""
        return {d: (s, v) for d, s, v in self.db.execute("SELECT doc_id, sha256, version FROM docs")}

    def put_many(self, items: Iterable[tuple[str, Optional[str], str, dict[str, bytes]]]) -> None:
        """Store (doc_id, sha256, version, ``pack_tables`` of its rows) in one transaction."""
        items = list(items)
        with self.db:
            row = self.db.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()
            first = (row[0] if row else 0) + 1
            self.db.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('seq', ?)",
                            (first + len(items) - 1,))
            self.db.executemany("DELETE FROM rows WHERE doc_id = ?", [(d,) for d, *_ in items])
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (doc_id, sha256, version, seq) VALUES (?, ?, ?, ?)",
                [(d, s, v, first + i) for i, (d, s, v, _) in enumerate(items)],
            )
            self.db.executemany(
                "INSERT INTO rows (doc_id, tbl, blob) VALUES (?, ?, ?)",
                [(d, table, blob) for d, _s, _v, packed in items for table, blob in sorted(packed.items())],
            )

    def file_signatures(self) -> dict[str, tuple[str, list[tuple[str, str]]]]:
        """path -> (signature, [(doc_id, sha256)]) recorded by the last completed run."""
        return {p: (sig, [tuple(d) for d in orjson.loads(docs)])
                for p, sig, docs in self.db.execute("SELECT path, signature, docs FROM files")}

    def set_file_signatures(self, entries: Iterable[tuple[str, str, list[tuple[str, str]]]]) -> None:
        """Replace the recorded signatures (files no longer in the corpus are forgotten)."""
        with self.db:
            self.db.execute("DELETE FROM files")
            self.db.executemany("INSERT INTO files (path, signature, docs) VALUES (?, ?, ?)",
                                [(p, sig, orjson.dumps(docs)) for p, sig, docs in entries])

    def delete_except(self, keep: set[str]) -> int:
        gone = [(d,) for (d,) in self.db.execute("SELECT doc_id FROM docs") if d not in keep]
        with self.db:
            self.db.executemany("DELETE FROM docs WHERE doc_id = ?", gone)
            self.db.executemany("DELETE FROM rows WHERE doc_id = ?", gone)
        return len(gone)

    def sequence(self) -> list[tuple[str, int]]:
        """(doc_id, seq) of every stored document, in doc_id order."""
        return self.db.execute("SELECT doc_id, seq FROM docs ORDER BY doc_id").fetchall()

    def rows_of(self, table: str, doc_ids: list[str]) -> list[dict]:
        """The rows of ``table`` of the given documents (sorted doc_ids), in doc_id order."""
        if not doc_ids:
            return []
        wanted = set(doc_ids)
        cursor = self.db.execute("SELECT doc_id, blob FROM rows WHERE tbl = ? AND doc_id BETWEEN ? AND ? "
                                 "ORDER BY doc_id", (table, doc_ids[0], doc_ids[-1]))
        return [row for doc_id, blob in cursor if doc_id in wanted for row in _unpack(blob)]

    def close(self) -> None:
        self.db.close()


# Blobs are JSON (orjson) compressed with LZ4 behind a 4-byte length: a full
# rewrite of the tables decodes every blob, and this is ~3x faster than json+zlib.
_CODEC = pa.Codec("lz4")


def pack_tables(rows: dict[str, list[dict]]) -> dict[str, bytes]:
    """A document's rows by table as stored blobs. Workers pack their own results, so
    the main process only moves bytes into SQLite."""
    return {table: _pack(table_rows) for table, table_rows in rows.items() if table_rows}


def _pack(rows: list[dict]) -> bytes:
    raw = orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)
    return len(raw).to_bytes(4, "little") + _CODEC.compress(raw, asbytes=True)


def _unpack(blob: bytes) -> list[dict]:
    size = int.from_bytes(blob[:4], "little")
    return orjson.loads(_CODEC.decompress(memoryview(blob)[4:], decompressed_size=size, asbytes=True))


def sort_table(table: str, arrow: pa.Table) -> pa.Table:
    """Rows of ``table`` in its output order (``SORT_KEYS``; NULLs last), sorted by Arrow."""
    return arrow.sort_by([(key, "ascending") for key in SORT_KEYS[table]])


def to_arrow(table: str, rows: list[dict], schema: Optional[pa.Schema] = None) -> pa.Table:
    """Rows as an Arrow table of ``schema`` (default: the output table's); other keys are ignored."""
    schema = schema or TABLES[table]
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


# One CSV convention for every CSV newsie writes (tables and query results), written
# by Arrow's C++ writer: header row, every string quoted (so an empty string "" and
# NULL, an empty unquoted cell, stay apart), numbers and true/false bare, floats in
# their shortest exact form, lists as JSON arrays.
CSV_OPTIONS = pacsv.WriteOptions(include_header=True, quoting_style="needed")


def _as_json(t: pa.DataType) -> bool:
    return pa.types.is_nested(t)  # lists, structs, maps: no CSV form of their own


def csv_schema(schema: pa.Schema) -> pa.Schema:
    """The schema as written to CSV: nested columns (lists) become JSON text."""
    return pa.schema([pa.field(f.name, pa.string()) if _as_json(f.type) else f for f in schema])


def csv_ready(table: pa.Table) -> pa.Table:
    """``table`` with its nested columns as JSON, ready for the CSV writer."""
    for i, field in enumerate(table.schema):
        if _as_json(field.type):
            cells = [None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                     for v in table.column(i).to_pylist()]
            table = table.set_column(i, pa.field(field.name, pa.string()), pa.array(cells, pa.string()))
    return table


def open_csv(path: Path, schema: pa.Schema) -> pacsv.CSVWriter:
    """A CSV writer in newsie's convention for rows of ``schema``; feed it ``csv_ready`` tables."""
    return pacsv.CSVWriter(str(path), csv_schema(schema), write_options=CSV_OPTIONS)


def write_csv(table: pa.Table, path: Path) -> None:
    """``table`` as one CSV file at ``path`` (not atomic: callers write to a temporary)."""
    with open_csv(path, table.schema) as writer:
        writer.write_table(csv_ready(table))


def read_csv(path: Path, schema: pa.Schema) -> pa.Table:
    """A CSV file written in this convention, back with ``schema``'s types (lists from JSON,
    quoted empty strings as "", empty unquoted cells as NULL). Raises ``pa.ArrowInvalid``."""
    arrow = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types=csv_schema(schema), strings_can_be_null=True, quoted_strings_can_be_null=False))
    for i, field in enumerate(schema):
        if _as_json(field.type):
            cells = [None if v is None else json.loads(v) for v in arrow.column(field.name).to_pylist()]
            arrow = arrow.set_column(arrow.schema.get_field_index(field.name), field, pa.array(cells, field.type))
    return arrow.select(schema.names).cast(schema)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Every file newsie writes appears under its name complete or not at all: it is written to a
# temporary beside it (a name ``remove_stale_temporaries`` recognises), synced, then renamed.
def temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def publish(tmp: Path, path: Path) -> None:
    """Make the finished ``tmp`` visible as ``path`` in one step (after it is on disk)."""
    fsync_file(tmp)
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; published as ``path`` when the block
    ends normally, removed otherwise."""
    tmp = temporary_path(path)
    try:
        yield tmp
        publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class TableWriter:
    """Writes one table in each format to temporary files, renamed into place on success.

    Rows arrive in chunks, so a table larger than memory can be written;
    nothing is visible under the table's name until the whole file is complete.
    ``write`` sorts what it buffers by the table's keys, so callers pass whole
    documents in doc_id order (every per-document table's order starts with
    doc_id) or all rows at once; ``write_arrow`` takes rows already in order.
    """

    CHUNK_ROWS = 50_000

    def __init__(self, out_dir: Path, table: str, formats: list[str]) -> None:
        self.table = table
        self.schema = TABLES[table]
        self.targets = {fmt: out_dir / f"{table}.{fmt}" for fmt in ("parquet", "csv") if fmt in formats}
        self.tmp = {fmt: temporary_path(path) for fmt, path in self.targets.items()}
        self.count = 0
        self._pending: list[dict] = []
        # Arrow rows not yet written: files are written in chunks of exactly CHUNK_ROWS, so
        # a file's bytes (Parquet row groups) do not depend on how its rows arrived.
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._parquet = None
        self._csv = None

    def __enter__(self) -> "TableWriter":
        if "parquet" in self.tmp:
            self._parquet = pq.ParquetWriter(self.tmp["parquet"], self.schema, compression="zstd")
        if "csv" in self.tmp:
            self._csv = open_csv(self.tmp["csv"], self.schema)
        return self

    def write(self, rows: Iterable[dict]) -> None:
        self._pending.extend(rows)
        if len(self._pending) >= self.CHUNK_ROWS:
            self._flush_rows()

    def write_arrow(self, table: pa.Table) -> None:
        """Rows already in an Arrow table (in final order)."""
        self._flush_rows()
        self._buffer_arrow(table)

    def _flush_rows(self) -> None:
        rows, self._pending = self._pending, []
        if rows:
            self._buffer_arrow(sort_table(self.table, to_arrow(self.table, rows)))

    def _buffer_arrow(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._buffer.append(table)
        self._buffered += table.num_rows
        if self._buffered >= self.CHUNK_ROWS:
            rows = pa.concat_tables(self._buffer)
            full = rows.num_rows - rows.num_rows % self.CHUNK_ROWS
            for start in range(0, full, self.CHUNK_ROWS):
                self._write_chunk(rows.slice(start, self.CHUNK_ROWS))
            self._buffer = [rows.slice(full)]
            self._buffered = rows.num_rows - full

    def _flush(self) -> None:
        self._flush_rows()
        if self._buffered:
            self._write_chunk(pa.concat_tables(self._buffer))
        self._buffer, self._buffered = [], 0

    def _write_chunk(self, chunk: pa.Table) -> None:
        chunk = chunk.combine_chunks()  # the writers' pages must not follow the input's chunks
        self.count += chunk.num_rows
        if self._parquet is not None:
            self._parquet.write_table(chunk)
        if self._csv is not None:
            self._csv.write_table(csv_ready(chunk))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._flush()
                if self._parquet is not None and self.count == 0:
                    self._parquet.write_table(to_arrow(self.table, []))
        finally:
            for writer in (self._parquet, self._csv):
                if writer is not None:
                    writer.close()
        try:
            if exc_type is None:
                for fmt, path in self.targets.items():
                    publish(self.tmp[fmt], path)
        finally:
            for path in self.tmp.values():
                path.unlink(missing_ok=True)


def remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files a killed run left behind (never visible under a table's name)."""
    for path in out_dir.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)


def write_table(out_dir: Path, table: str, rows: list[dict], formats: list[str]) -> dict[str, Path]:
    """Write one table in each format, in its output order, atomically."""
    with TableWriter(out_dir, table, formats) as writer:
        writer.write(rows)
    return writer.targets
