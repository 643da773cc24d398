"""Where results live: the per-document result store and the output tables.

Per-document rows are kept in an SQLite file under ``<out>/.newsie/`` keyed by
doc_id, content hash and pipeline version, so a rerun only processes new or
changed documents. SQLite commits are atomic, so a killed run loses at most the
batch in flight. Output tables are written to a temporary file and renamed over
the old one: a reader never sees a partial file.
"""
from __future__ import annotations

import csv
import io
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
    """Per-document rows from earlier runs."""

    def __init__(self, out_dir: Path) -> None:
        state = out_dir / STATE_DIR
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / STORE_FILE
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, sha256 TEXT, version TEXT, rows BLOB)"
        )
        self.db.commit()

    def fingerprints(self) -> dict[str, tuple[Optional[str], str]]:
        """doc_id -> (sha256, version) of every stored document."""
        return {d: (s, v) for d, s, v in self.db.execute("SELECT doc_id, sha256, version FROM docs")}

    def put_many(self, items: Iterable[tuple[str, Optional[str], str, dict]]) -> None:
        """Store (doc_id, sha256, version, rows) in one transaction."""
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (doc_id, sha256, version, rows) VALUES (?, ?, ?, ?)",
                [(d, s, v, zlib.compress(json.dumps(r, sort_keys=True, ensure_ascii=False).encode(), 3))
                 for d, s, v, r in items],
            )

    def delete_except(self, keep: set[str]) -> int:
        gone = [d for (d,) in self.db.execute("SELECT doc_id FROM docs") if d not in keep]
        with self.db:
            self.db.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in gone])
        return len(gone)

    def iter_rows(self) -> Iterator[tuple[str, dict]]:
        """(doc_id, rows) for every stored document, in doc_id order."""
        for doc_id, blob in self.db.execute("SELECT doc_id, rows FROM docs ORDER BY doc_id"):
            yield doc_id, json.loads(zlib.decompress(blob))

    def close(self) -> None:
        self.db.close()


def sort_rows(table: str, rows: list[dict]) -> list[dict]:
    keys = SORT_KEYS[table]
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] if r[k] is not None else "") for k in keys))


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    schema = TABLES[table]
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    return str(value)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_table(out_dir: Path, table: str, rows: list[dict], formats: list[str]) -> dict[str, Path]:
    """Write one table in each format, atomically; rows must already be sorted."""
    written: dict[str, Path] = {}
    arrow = to_arrow(table, rows)
    if "parquet" in formats:
        buf = pa.BufferOutputStream()
        pq.write_table(arrow, buf, compression="zstd", write_statistics=True)
        path = out_dir / f"{table}.parquet"
        _atomic_write_bytes(path, buf.getvalue().to_pybytes())
        written["parquet"] = path
    if "csv" in formats:
        sio = io.StringIO(newline="")
        writer = csv.writer(sio, lineterminator="\n")
        names = TABLES[table].names
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_cell(row.get(n)) for n in names])
        path = out_dir / f"{table}.csv"
        _atomic_write_bytes(path, sio.getvalue().encode("utf-8"))
        written["csv"] = path
    return written
