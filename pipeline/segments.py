"""Segments: the per-document tables kept as sorted Arrow files, updated incrementally.

Every run writes each output table in full, but between two runs most documents do not
change. So the rows of the per-document tables are kept between runs in *segments*: a
segment is a contiguous range of documents in doc_id order, with one Arrow IPC file per
table holding their rows in output order. A run rebuilds only the segments whose
documents were added, changed or removed (the result store numbers every storing of a
document, ``seq``), taking the unchanged documents' rows from the old segment file and
decoding only the changed ones from the store. An output table is its segments' files
in order, streamed: memory holds one segment at a time.

Crash safety: segment files never change once written and are named by their content
(the documents and their sequence numbers); the manifest naming the current segments is
replaced atomically after they are all written. A killed run leaves only unreferenced
files, removed by the next run. The result store stays the source of truth: a missing or
unreadable segment file is rebuilt from it.
"""
from __future__ import annotations

import bisect
import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .schema import DOCUMENT_TABLES, SORT_KEYS, stored_schema
from .store import ResultStore, atomic_path, sort_table, to_arrow

log = logging.getLogger("newsie.segments")

SEGMENT_DIR = "segments"
MANIFEST = "manifest.json"
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


def _layout_fingerprint() -> str:
    """Changes when the stored schemas or row orders change: old segments are then unusable."""
    text = repr([(t, str(stored_schema(t)), SORT_KEYS[t]) for t in DOCUMENT_TABLES])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Segment:
    """A range of documents: (doc_id, seq) pairs in doc_id order."""

    docs: tuple[tuple[str, int], ...]

    @cached_property
    def id(self) -> str:
        return hashlib.sha1(orjson.dumps(self.docs)).hexdigest()[:20]

    @property
    def first(self) -> str:
        return self.docs[0][0]

    @property
    def doc_ids(self) -> list[str]:
        return [d for d, _ in self.docs]


class SegmentCache:
    """The segments under ``<out>/.newsie/segments/`` and their manifest."""

    def __init__(self, state_dir: Path, segment_docs: int) -> None:
        """``segment_docs`` (``run.segment_docs``): documents per segment; adding a document
        rewrites one segment of each table, so smaller is cheaper to update, larger has
        fewer files."""
        self.dir = state_dir / SEGMENT_DIR
        self.segment_docs = segment_docs
        self.segments: list[Segment] = []

    def path(self, segment: Segment, table: str) -> Path:
        return self.dir / f"{segment.id}.{table}.arrow"

    # ------------------------------------------------------------ reading

    def read(self, segment: Segment, table: str, columns: Optional[list[str]] = None) -> pa.Table:
        """A segment's rows of ``table`` (sorted), all stored columns or ``columns``."""
        with pa.memory_map(str(self.path(segment, table))) as source:
            arrow = pa.ipc.open_file(source).read_all()
        return arrow.select(columns) if columns is not None else arrow

    def read_all(self, table: str, columns: Optional[list[str]] = None) -> pa.Table:
        """Every segment's rows of ``table``, in order, as one table."""
        schema = stored_schema(table)
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        parts = [self.read(s, table, columns) for s in self.segments]
        return pa.concat_tables(parts) if parts else schema.empty_table()

    def iter_table(self, table: str) -> Iterator[pa.Table]:
        for segment in self.segments:
            yield self.read(segment, table)

    # ------------------------------------------------------------ updating

    def _load_manifest(self) -> list[Segment]:
        try:
            data = orjson.loads((self.dir / MANIFEST).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return []
        if not isinstance(data, dict) or data.get("layout") != _layout_fingerprint():
            return []
        try:
            segments = [Segment(tuple((str(d), int(s)) for d, s in docs)) for docs in data["segments"]]
        except (KeyError, TypeError, ValueError):
            return []
        # a usable manifest lists non-empty segments in doc_id order; anything else is rebuilt
        if any(not s.docs for s in segments) or any(a.docs[-1][0] >= b.first for a, b in zip(segments, segments[1:])):
            return []
        return segments

    def update(self, store: ResultStore) -> list[Segment]:
        """Bring the segments in line with the store; return them (also kept in ``segments``)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        current = [(d, int(s)) for d, s in store.sequence()]
        old = self._load_manifest()
        # each current document goes to the old segment whose range holds it
        firsts = [s.first for s in old]
        assigned: list[list[tuple[str, int]]] = [[] for _ in old] or [[]]
        for doc in current:
            assigned[max(bisect.bisect_right(firsts, doc[0]) - 1, 0)].append(doc)
        segments: list[Segment] = []
        for i, docs in enumerate(assigned):
            previous = old[i] if i < len(old) else None
            if not docs:
                continue
            if previous is not None and tuple(docs) == previous.docs and self._complete(previous):
                segments.append(previous)
                continue
            for part in self._split(docs):
                segment = Segment(tuple(part))
                self._build(segment, store, previous)
                segments.append(segment)
        self._write_manifest(segments)
        self.segments = segments
        self._remove_unreferenced(segments)
        return segments

    def _split(self, docs: list[tuple[str, int]]) -> Iterator[list[tuple[str, int]]]:
        """One segment, or equal parts of at most ``segment_docs`` when it has grown past twice that."""
        if len(docs) <= 2 * self.segment_docs:
            yield docs
            return
        n_parts = -(-len(docs) // self.segment_docs)
        size = -(-len(docs) // n_parts)
        for start in range(0, len(docs), size):
            yield docs[start:start + size]

    def _complete(self, segment: Segment) -> bool:
        return all(self._readable(segment, t) for t in DOCUMENT_TABLES)

    def _readable(self, segment: Segment, table: str) -> bool:
        """The file is there, whole (its footer reads) and of the stored schema."""
        try:
            with pa.memory_map(str(self.path(segment, table))) as source:
                return pa.ipc.open_file(source).schema.equals(stored_schema(table))
        except (OSError, pa.ArrowException):
            return False

    def _build(self, segment: Segment, store: ResultStore, previous: Optional[Segment]) -> None:
        """Write ``segment``'s files: unchanged documents' rows from ``previous``, the rest from the store."""
        reusable = set(segment.docs) & set(previous.docs) if previous is not None else set()
        reuse_ids = sorted(d for d, _ in reusable)
        fresh_ids = [d for d, s in segment.docs if (d, s) not in reusable]
        for table in DOCUMENT_TABLES:
            if self._readable(segment, table):  # same documents and seqs, same rows (a rerun after a kill)
                continue
            schema = stored_schema(table)
            parts = []
            ids = fresh_ids
            if reuse_ids:
                try:
                    old = self.read(previous, table)
                    parts.append(old.filter(pc.is_in(old.column("doc_id"), value_set=pa.array(reuse_ids, pa.string()))))
                except (OSError, pa.ArrowException) as exc:
                    log.warning("segment %s of %s unreadable (%s): rebuilt from the store", previous.id, table, exc)
                    ids = segment.doc_ids
                    parts = []
            parts.append(to_arrow(table, store.rows_of(table, ids), schema))
            _write_ipc(self.path(segment, table), sort_table(table, pa.concat_tables(parts)))

    def _write_manifest(self, segments: list[Segment]) -> None:
        data = {"layout": _layout_fingerprint(), "segments": [s.docs for s in segments]}
        with atomic_path(self.dir / MANIFEST) as tmp:
            tmp.write_bytes(orjson.dumps(data))

    def _remove_unreferenced(self, segments: list[Segment]) -> None:
        keep = {self.path(s, t).name for s in segments for t in DOCUMENT_TABLES} | {MANIFEST}
        for path in self.dir.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)


def _write_ipc(path: Path, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=_IPC_OPTIONS) as writer:
            writer.write_table(table)
