"""Specifications of the kept per-document tables (pipeline.segments): incremental runs
rewrite only the segments whose documents changed, and always give the tables a run from
scratch gives."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.config import load_config
from pipeline.runner import run
from pipeline.schema import DOCUMENT_TABLES, stored_schema
from pipeline.segments import SegmentCache
from pipeline.store import STATE_DIR, ResultStore, pack_tables

from conftest import CORPUS

# Four documents per segment, so the small corpus below spans several segments.
SMALL_SEGMENTS = load_config(overrides={"run": {"segment_docs": 4, "batch_size": 4}})


def output_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def tables_from_scratch(corpus: Path, out: Path) -> dict[str, bytes]:
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    return output_bytes(out)


def segment_files(out: Path) -> dict[str, int]:
    """Segment file name -> inode (a rewritten file gets a new inode)."""
    folder = out / STATE_DIR / "segments"
    return {p.name: p.stat().st_ino for p in folder.glob("*.arrow")}


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """Fourteen short articles: lines of the sample articles."""
    root = tmp_path / "corpus"
    root.mkdir()
    lines = [line for p in sorted(CORPUS.glob("*.txt"))
             for line in p.read_text(encoding="utf-8").splitlines() if len(line.split()) > 8]
    for i in range(14):
        (root / f"a{i:02d}.txt").write_text(lines[i] + "\n", encoding="utf-8")
    return root


def test_adding_a_document_rewrites_only_the_segment_it_falls_in(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    before = segment_files(out)
    assert len(before) == len(DOCUMENT_TABLES) * 4  # 14 documents: segments of 4, 4, 4, 2
    (corpus / "a05b.txt").write_text("Xi Jinping met Lee Jae Myung in Beijing on Monday.\n", encoding="utf-8")
    summary = run(corpus, out, SMALL_SEGMENTS, workers=1)
    assert (summary.processed, summary.reused) == (1, 14)
    after = segment_files(out)
    kept = set(before.items()) & set(after.items())
    assert len(kept) == len(DOCUMENT_TABLES) * 3  # three segments untouched, not even rewritten
    assert len(after) == len(before)  # the old files of the rewritten segment are gone
    assert output_bytes(out) == tables_from_scratch(corpus, tmp_path / "fresh")


def test_changed_and_removed_documents_give_the_tables_of_a_run_from_scratch(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    (corpus / "a01.txt").write_text("Japan's Sanae Takaichi visited Seoul on Friday.\n", encoding="utf-8")
    for name in ("a02.txt", "a03.txt", "a04.txt", "a09.txt"):  # a whole segment and one more
        (corpus / name).unlink()
    summary = run(corpus, out, SMALL_SEGMENTS, workers=1)
    assert (summary.processed, summary.removed, summary.documents) == (1, 4, 10)
    assert output_bytes(out) == tables_from_scratch(corpus, tmp_path / "fresh")


def test_a_segment_grown_past_twice_its_size_is_split(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    for i in range(7):  # all after the last document: the last segment grows from 2 to 9
        (corpus / f"z{i}.txt").write_text(f"Seoul said on day {i} that Lee would travel.\n", encoding="utf-8")
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    store = ResultStore(out)
    cache = SegmentCache(out / STATE_DIR, 4)
    segments = cache.update(store)
    store.close()
    assert [len(s.docs) for s in segments] == [4, 4, 4, 3, 3, 3]  # 9 > 2 * 4: three parts of 3
    assert [d for s in segments for d in s.doc_ids] == sorted(p.stem for p in corpus.glob("*.txt"))


@pytest.mark.parametrize("damage", ["delete", "truncate", "manifest"])
def test_a_lost_or_damaged_segment_file_is_rebuilt_from_the_store(corpus, tmp_path, damage):
    out = tmp_path / "out"
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    expected = output_bytes(out)
    victim = sorted((out / STATE_DIR / "segments").glob("*.mentions.arrow"))[1]
    if damage == "delete":
        victim.unlink()
    elif damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:100])
    else:  # a manifest listing segments out of order (or empty) is not trusted
        manifest = out / STATE_DIR / "segments" / "manifest.json"
        data = json.loads(manifest.read_text())
        data["segments"] = data["segments"][::-1] + [[]]
        manifest.write_text(json.dumps(data))
    summary = run(corpus, out, SMALL_SEGMENTS, workers=1)
    assert summary.processed == 0
    assert output_bytes(out) == expected


def test_a_document_stored_again_gets_a_new_sequence_number_so_its_segment_is_rebuilt(tmp_path):
    # Same doc_id, same number of rows, different content: the segment must not be reused.
    store = ResultStore(tmp_path)
    rows = {"documents": [{"doc_id": "d1", "status": "ok"}], "texts": [{"doc_id": "d1", "text": "old"}]}
    store.put_many([("d1", "sha", "v", pack_tables(rows))])
    cache = SegmentCache(tmp_path / STATE_DIR, 4)
    first = cache.update(store)
    rows["texts"][0]["text"] = "new"
    store.put_many([("d1", "sha", "v", pack_tables(rows))])
    second = cache.update(store)
    assert first[0].docs[0][1] < second[0].docs[0][1]
    assert cache.read_all("texts").column("text").to_pylist() == ["new"]
    store.close()


def test_segments_hold_the_stored_columns_sorted_in_output_order(corpus, tmp_path):
    out = tmp_path / "out"
    run(corpus, out, SMALL_SEGMENTS, workers=1)
    store = ResultStore(out)
    cache = SegmentCache(out / STATE_DIR, 4)
    cache.update(store)
    store.close()
    for table in DOCUMENT_TABLES:
        arrow = cache.read_all(table)
        assert arrow.schema.equals(stored_schema(table))
        keys = arrow.column("doc_id").to_pylist()
        assert keys == sorted(keys)
    mentions = cache.read_all("mentions")
    assert mentions.num_rows and pa.compute.all(pa.compute.is_valid(mentions.column("entity_key"))).as_py()
