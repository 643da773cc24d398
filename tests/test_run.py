"""`newsie run` end to end: tables, offsets, determinism, incremental runs, bad input."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import load_config
from pipeline.runner import RunError, run
from pipeline.schema import TABLES

from conftest import CORPUS, ROOT

CONFIG = load_config()


def tables_of(out: Path) -> dict:
    return {name: pq.read_table(out / f"{name}.parquet") for name in TABLES}


def output_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    summary = run(CORPUS, out, CONFIG, workers=1)
    return out, summary


def test_sample_documents_are_processed_ok(sample_run):
    out, summary = sample_run
    docs = tables_of(out)["documents"].to_pylist()
    assert [d["doc_id"] for d in docs] == sorted(p.stem for p in CORPUS.glob("*.txt"))
    assert all(d["status"] == "ok" and d["error"] is None for d in docs)
    assert all(d["n_tokens"] > 400 and d["n_sentences"] >= 15 for d in docs)
    assert summary.ok == 2 and summary.failed == 0


def test_every_table_has_its_declared_schema_in_parquet_and_csv(sample_run):
    out, _ = sample_run
    for name, schema in TABLES.items():
        assert pq.read_schema(out / f"{name}.parquet").remove_metadata() == schema, name
        with open(out / f"{name}.csv", newline="", encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == schema.names, name


def test_offsets_slice_the_document_text_in_every_table(sample_run):
    out, _ = sample_run
    t = tables_of(out)
    texts = {r["doc_id"]: r["text"] for r in t["texts"].to_pylist()}
    for doc_id, text in texts.items():
        assert text == (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    checked = 0
    for table, text_col in (("mentions", "text"), ("timexes", "text"), ("events", "trigger")):
        for row in t[table].to_pylist():
            assert texts[row["doc_id"]][row["start_char"]:row["end_char"]] == row[text_col], (table, row)
            checked += 1
    for row in t["relations"].to_pylist() + t["sentences"].to_pylist():
        assert 0 <= row["start_char"] < row["end_char"] <= len(texts[row["doc_id"]])
    assert checked > 50


def test_every_row_has_a_confidence_between_zero_and_one(sample_run):
    out, _ = sample_run
    for name in ("mentions", "entities", "timexes", "relations", "events", "event_clusters"):
        for row in tables_of(out)[name].to_pylist():
            assert row["confidence"] is not None and 0.0 <= row["confidence"] <= 1.0, (name, row)


def test_headlines_are_sentences_of_their_own(sample_run):
    out, _ = sample_run
    t = tables_of(out)
    texts = {r["doc_id"]: r["text"] for r in t["texts"].to_pylist()}
    headings = [texts[r["doc_id"]][r["start_char"]:r["end_char"]]
                for r in t["sentences"].to_pylist() if r["is_heading"]]
    assert "A Strategic Visit Amid Regional Friction" in headings
    assert "S.Korea's Lee in Beijing for Key Summit with Xi Jinping" in headings
    for r in t["sentences"].to_pylist():
        sentence = texts[r["doc_id"]][r["start_char"]:r["end_char"]]
        assert "\n" not in sentence, sentence


def test_entities_link_mentions_and_relations(sample_run):
    out, _ = sample_run
    t = tables_of(out)
    entity_ids = set(t["entities"].column("entity_id").to_pylist())
    mentions = t["mentions"].to_pylist()
    assert mentions and all(m["entity_id"] in entity_ids for m in mentions)
    for rel in t["relations"].to_pylist():
        assert rel["subject_id"] in entity_ids
        assert rel["object_id"] is None or rel["object_id"] in entity_ids


def test_undated_articles_get_an_inferred_publication_date(sample_run):
    out, _ = sample_run
    for doc in tables_of(out)["documents"].to_pylist():
        assert doc["published_source"] == "inferred"
        assert doc["published"].startswith("2026-01")


def test_two_runs_give_byte_identical_tables(sample_run, tmp_path):
    out, _ = sample_run
    run(CORPUS, tmp_path, CONFIG, workers=1)
    assert output_bytes(tmp_path) == output_bytes(out)


def test_rerun_reuses_unchanged_documents(sample_corpus, tmp_path):
    first = run(sample_corpus, tmp_path, CONFIG, workers=1)
    before = output_bytes(tmp_path)
    second = run(sample_corpus, tmp_path, CONFIG, workers=1)
    assert (first.processed, second.processed, second.reused) == (2, 0, 2)
    assert output_bytes(tmp_path) == before


def test_added_changed_and_deleted_documents_are_handled_incrementally(sample_corpus, tmp_path):
    run(sample_corpus, tmp_path, CONFIG, workers=1)
    (sample_corpus / "new.txt").write_text(
        "Japanese Prime Minister Sanae Takaichi visited Washington on Friday.\n", encoding="utf-8")
    first, second = sorted(sample_corpus.glob("0*.txt"))
    second.write_text(second.read_text(encoding="utf-8") + "\nLee returned to Seoul on Thursday.\n",
                      encoding="utf-8")
    first.unlink()
    summary = run(sample_corpus, tmp_path, CONFIG, workers=1)
    assert (summary.processed, summary.reused, summary.removed) == (2, 0, 1)
    t = tables_of(tmp_path)
    assert t["documents"].column("doc_id").to_pylist() == sorted([second.stem, "new"])
    assert first.stem not in set(t["mentions"].column("doc_id").to_pylist())
    texts = {r["doc_id"]: r["text"] for r in t["texts"].to_pylist()}
    assert texts[second.stem].endswith("Lee returned to Seoul on Thursday.\n")
    # The same result as processing the new state of the corpus from scratch.
    fresh = tmp_path.parent / "fresh"
    run(sample_corpus, fresh, CONFIG, workers=1)
    assert output_bytes(fresh) == output_bytes(tmp_path)


def test_a_rerun_reads_only_files_changed_since_the_last_run(sample_corpus, tmp_path, monkeypatch):
    import json

    import pipeline.runner as runner

    run(sample_corpus, tmp_path, CONFIG, workers=1)
    read: list[str] = []
    real_read_file = runner.read_file

    def counting_read_file(root, path, **kw):
        read.append(path.name)
        return real_read_file(root, path, **kw)

    monkeypatch.setattr(runner, "read_file", counting_read_file)
    assert run(sample_corpus, tmp_path, CONFIG, workers=1).reused == 2
    assert read == []
    # a new metadata sidecar changes the document even though its text file is untouched
    first = sorted(sample_corpus.glob("0*.txt"))[0]
    first.with_name(first.stem + ".meta.json").write_text(json.dumps({"published": "2026-01-05"}))
    summary = run(sample_corpus, tmp_path, CONFIG, workers=1)
    assert read == [first.name] and (summary.processed, summary.reused) == (1, 1)
    docs = {r["doc_id"]: r for r in tables_of(tmp_path)["documents"].to_pylist()}
    assert (docs[first.stem]["published"], docs[first.stem]["published_source"]) == ("2026-01-05", "metadata")


def test_full_flag_reprocesses_everything(sample_corpus, tmp_path):
    run(sample_corpus, tmp_path, CONFIG, workers=1)
    assert run(sample_corpus, tmp_path, CONFIG, workers=1, full=True).processed == 2


def test_bad_documents_become_rows_and_the_rest_is_processed(sample_corpus, tmp_path):
    (sample_corpus / "empty.txt").write_bytes(b"")
    (sample_corpus / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    (sample_corpus / "broken.txt").write_bytes(b"Lee met Xi in Beijing.\xff\xfe\xfa \x80\x81 on Monday.\n")
    (sample_corpus / "korean.txt").write_text(
        "이재명 대통령이 중국을 국빈 방문했다. 시진핑 국가주석과 정상회담을 가졌다. 양국은 협력을 강화하기로 했다.\n",
        encoding="utf-8")
    (sample_corpus / "feed.jsonl").write_text('{"text": "Xi met Lee."}\n{oops\n', encoding="utf-8")
    out = tmp_path / "out"
    summary = run(sample_corpus, out, CONFIG, workers=1)
    t = tables_of(out)
    status = {d["doc_id"]: (d["status"], d["error"]) for d in t["documents"].to_pylist()}
    assert status["empty"][0] == "skipped"
    assert status["binary"][0] == "error" and "binary" in status["binary"][1]
    assert status["korean"][0] == "skipped" and "ko" in status["korean"][1]
    assert status["feed#2"][0] == "error"
    assert status["feed#1"][0] == "ok"
    assert status["broken"][0] == "ok"  # decoded with a fallback encoding, recorded
    assert all(status[p.stem][0] == "ok" for p in CORPUS.glob("*.txt"))
    errors = {(e["doc_id"], e["stage"]) for e in t["errors"].to_pylist()}
    assert {("empty", "read"), ("binary", "read"), ("korean", "read"), ("feed#2", "read")} <= errors
    assert summary.failed == 2 and summary.skipped == 2


def test_a_document_that_breaks_a_stage_is_an_error_row_not_a_crash(sample_corpus, tmp_path, monkeypatch):
    import pipeline.runner as runner

    real = runner.doc_rows

    def exploding(src, doc):
        if src.doc_id == "bomb":
            raise RuntimeError("stage exploded")
        return real(src, doc)

    monkeypatch.setattr(runner, "doc_rows", exploding)
    (sample_corpus / "bomb.txt").write_text("Lee met Xi in Beijing on Monday.\n", encoding="utf-8")
    run(sample_corpus, tmp_path, CONFIG, workers=1)
    docs = {d["doc_id"]: d for d in tables_of(tmp_path)["documents"].to_pylist()}
    assert docs["bomb"]["status"] == "error" and "stage exploded" in docs["bomb"]["error"]
    assert all(docs[p.stem]["status"] == "ok" for p in CORPUS.glob("*.txt"))


def test_a_killed_write_leaves_previous_outputs_intact(sample_corpus, tmp_path, monkeypatch):
    import pipeline.store as store

    run(sample_corpus, tmp_path, CONFIG, workers=1)
    before = output_bytes(tmp_path)
    (sample_corpus / "new.txt").write_text("Xi Jinping visited Seoul in November.\n", encoding="utf-8")
    calls = {"n": 0}
    real_replace = os.replace

    def die_after_first(src, dst):
        calls["n"] += 1
        if calls["n"] > 1:
            raise KeyboardInterrupt("killed")
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", die_after_first)
    with pytest.raises(KeyboardInterrupt):
        run(sample_corpus, tmp_path, CONFIG, workers=1)
    monkeypatch.undo()
    after = output_bytes(tmp_path)
    # Each file is either the old or the new version, never a partial one.
    for name, data in after.items():
        if name.endswith(".parquet"):
            pq.read_table(tmp_path / name)
    assert set(after) == set(before)
    run(sample_corpus, tmp_path, CONFIG, workers=1)
    fresh = tmp_path.parent / "fresh"
    run(sample_corpus, fresh, CONFIG, workers=1)
    assert output_bytes(fresh) == output_bytes(tmp_path)


def test_two_workers_give_the_same_tables_as_one(sample_run, tmp_path):
    out, _ = sample_run
    one_doc_batches = load_config(overrides={"run": {"batch_size": 1}})
    run(CORPUS, tmp_path, one_doc_batches, workers=2)
    assert output_bytes(tmp_path) == output_bytes(out)


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        run(tmp_path / "nope", tmp_path / "out", CONFIG)


def newsie(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_help_documents_every_command():
    result = newsie("--help")
    assert result.returncode == 0
    for command in ("run", "train", "evaluate"):
        assert command in result.stdout
    run_help = newsie("run", "--help").stdout
    for option in ("--out", "--config", "--format", "--workers", "--full", "--quiet"):
        assert option in run_help


def test_cli_missing_corpus_exits_nonzero_with_message(tmp_path):
    result = newsie("run", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_cli_bad_config_exits_nonzero_with_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[output]\nformats = ['xlsx']\n")
    result = newsie("run", str(CORPUS), "--out", str(tmp_path / "o"), "--config", str(bad))
    assert result.returncode == 2 and "formats" in result.stderr
    bad.write_text("[model\nname=")
    result = newsie("run", str(CORPUS), "--out", str(tmp_path / "o"), "--config", str(bad))
    assert result.returncode == 2 and "not valid TOML" in result.stderr


def test_cli_run_writes_requested_formats_and_prints_a_summary(tmp_path):
    result = newsie("run", str(CORPUS), "--out", str(tmp_path), "--format", "csv", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "documents: 2 (2 ok, 0 failed, 0 skipped)" in result.stdout
    assert (tmp_path / "mentions.csv").exists() and not (tmp_path / "mentions.parquet").exists()


def test_pipeline_version_covers_per_document_code_but_not_commands(tmp_path):
    import hashlib

    from pipeline.runner import NOT_PER_DOCUMENT_CODE, _hash_tree

    def version(files: dict[str, str]) -> str:
        root = tmp_path / hashlib.md5(repr(sorted(files.items())).encode()).hexdigest()
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        h = hashlib.sha256()
        _hash_tree(h, root, ("*.py",), skip=NOT_PER_DOCUMENT_CODE)
        return h.hexdigest()

    base = {"components/timex.py": "a", "reader.py": "b", "report.py": "c", "corpus/events.py": "d"}
    assert version({**base, "report.py": "changed"}) == version(base)  # a command: results still valid
    assert version({**base, "corpus/events.py": "changed"}) == version(base)  # reruns on every run anyway
    assert version({**base, "components/timex.py": "changed"}) != version(base)
    assert version({**base, "reader.py": "changed"}) != version(base)
    assert version({**base, "new_stage.py": "x"}) != version(base)  # unknown code counts


def test_the_process_that_reads_stores_and_writes_does_not_load_spacy():
    # With worker processes the main process only reads, stores and writes; importing
    # spaCy there cost every run ~1 s of the one CPU it shares with a worker.
    code = ("import sys; import pipeline.cli, pipeline.runner, pipeline.corpus, pipeline.segments;"
            "from pipeline.config import load_config; from pipeline.runner import pipeline_version;"
            "from pipeline.records import failed_document_rows; pipeline_version(load_config());"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
