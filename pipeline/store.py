"""Where results live: the per-document result store and the output tables.

Per-document rows are kept in an SQLite file under ``<out>/.newsie/`` keyed by
doc_id, content hash and pipeline version, so a rerun only processes new or
changed documents. SQLite commits are atomic, so a killed run loses at most the
batch in flight. Output tables are written to a temporary file and renamed over
the old one: a reader never sees a partial file.
"""
from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Iterable, Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq

from .schema import SORT_KEYS, TABLES

STATE_DIR = ".newsie"
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
        self.db.execute("CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, sha256 TEXT, version TEXT)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS rows (doc_id TEXT, tbl TEXT, blob BLOB, PRIMARY KEY (tbl, doc_id))"
        )
        self.db.commit()

    def fingerprints(self) -> dict[str, tuple[Optional[str], str]]:
        """doc_id -> (sha256, version) of every stored document."""
        return {d: (s, v) for d, s, v in self.db.execute("SELECT doc_id, sha256, version FROM docs")}

    def put_many(self, items: Iterable[tuple[str, Optional[str], str, dict]]) -> None:
        """Store (doc_id, sha256, version, rows by table) in one transaction."""
        items = list(items)
        with self.db:
            self.db.executemany("DELETE FROM rows WHERE doc_id = ?", [(d,) for d, *_ in items])
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (doc_id, sha256, version) VALUES (?, ?, ?)",
                [(d, s, v) for d, s, v, _ in items],
            )
            self.db.executemany(
                "INSERT INTO rows (doc_id, tbl, blob) VALUES (?, ?, ?)",
                [(d, table, _pack(table_rows)) for d, _s, _v, rows in items
                 for table, table_rows in sorted(rows.items()) if table_rows],
            )

    def delete_except(self, keep: set[str]) -> int:
        gone = [(d,) for (d,) in self.db.execute("SELECT doc_id FROM docs") if d not in keep]
        with self.db:
            self.db.executemany("DELETE FROM docs WHERE doc_id = ?", gone)
            self.db.executemany("DELETE FROM rows WHERE doc_id = ?", gone)
        return len(gone)

    def iter_table(self, table: str) -> Iterator[list[dict]]:
        """The rows of ``table``, one list per document, in doc_id order."""
        cursor = self.db.execute("SELECT blob FROM rows WHERE tbl = ? ORDER BY doc_id", (table,))
        for (blob,) in cursor:
            yield _unpack(blob)

    def rows(self, table: str) -> Iterator[dict]:
        for doc_rows in self.iter_table(table):
            yield from doc_rows

    def close(self) -> None:
        self.db.close()


def _pack(rows: list[dict]) -> bytes:
    return zlib.compress(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode(), 3)


def _unpack(blob: bytes) -> list[dict]:
    return json.loads(zlib.decompress(blob))


def sort_rows(table: str, rows: list[dict]) -> list[dict]:
    keys = SORT_KEYS[table]
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] if r[k] is not None else "") for k in keys))


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[table]
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


def csv_cell(value: object) -> str:
    """A value as a CSV cell: NULL empty, lists as JSON arrays, floats exact."""
    kind = type(value)
    if kind is str:  # the common cases first: this runs for every cell of every table
        return value
    if kind is int:
        return str(value)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalars and arrays
        value = value.tolist()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    return str(value)


class TableWriter:
    """Writes one table in each format to temporary files, renamed into place on success.

    Rows arrive in chunks (already in final order), so a table larger than
    memory can be written; nothing is visible under the table's name until the
    whole file is complete.
    """

    CHUNK_ROWS = 50_000

    def __init__(self, out_dir: Path, table: str, formats: list[str]) -> None:
        self.table = table
        self.schema = TABLES[table]
        self.targets = {fmt: out_dir / f"{table}.{fmt}" for fmt in ("parquet", "csv") if fmt in formats}
        self.tmp = {fmt: path.with_name(f".{path.name}.tmp-{os.getpid()}") for fmt, path in self.targets.items()}
        self.count = 0
        self._pending: list[dict] = []
        self._parquet = None
        self._csv = None

    def __enter__(self) -> "TableWriter":
        if "parquet" in self.tmp:
            self._parquet = pq.ParquetWriter(self.tmp["parquet"], self.schema, compression="zstd")
        if "csv" in self.tmp:
            self._csv = open(self.tmp["csv"], "w", encoding="utf-8", newline="")
            self._csv_writer = csv.writer(self._csv, lineterminator="\n")
            self._csv_writer.writerow(self.schema.names)
        return self

    def write(self, rows: Iterable[dict]) -> None:
        self._pending.extend(rows)
        if len(self._pending) >= self.CHUNK_ROWS:
            self._flush()

    def write_arrow(self, table: pa.Table) -> None:
        """Rows already in an Arrow table (in final order), converted to Python a chunk at a time."""
        self._flush()
        for start in range(0, table.num_rows, self.CHUNK_ROWS):
            chunk = table.slice(start, self.CHUNK_ROWS)
            self.count += chunk.num_rows
            if self._parquet is not None:
                self._parquet.write_table(chunk)
            if self._csv is not None:
                self._write_csv(chunk.to_pylist())

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        self.count += len(rows)
        if self._parquet is not None:
            self._parquet.write_table(to_arrow(self.table, rows))
        if self._csv is not None:
            self._write_csv(rows)

    def _write_csv(self, rows: list[dict]) -> None:
        names = self.schema.names
        self._csv_writer.writerows([csv_cell(row.get(n)) for n in names] for row in rows)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._flush()
                if self._parquet is not None and self.count == 0:
                    self._parquet.write_table(to_arrow(self.table, []))
        finally:
            if self._parquet is not None:
                self._parquet.close()
            if self._csv is not None:
                self._csv.flush()
                os.fsync(self._csv.fileno())
                self._csv.close()
        try:
            if exc_type is None:
                for fmt, path in self.targets.items():
                    os.replace(self.tmp[fmt], path)
        finally:
            for path in self.tmp.values():
                path.unlink(missing_ok=True)


def remove_stale_temporaries(out_dir: Path) -> None:
    """Temporary files a killed run left behind (never visible under a table's name)."""
    for path in out_dir.glob(".*.tmp-*"):
        path.unlink(missing_ok=True)


def write_table(out_dir: Path, table: str, rows: list[dict], formats: list[str]) -> dict[str, Path]:
    """Write one table (rows already sorted) in each format, atomically."""
    with TableWriter(out_dir, table, formats) as writer:
        writer.write(rows)
    return writer.targets
