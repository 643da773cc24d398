"""A hostile corpus: every bad file ends as a row with a clear message, good ones are fully processed."""
import codecs
import json
import os
import struct
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import load_config
from pipeline.runner import run

from conftest import CORPUS

GOOD = ("Japanese Prime Minister Sanae Takaichi met French President Emmanuel Macron in Paris on Friday. "
        "The two leaders discussed trade and security in East Asia for two hours.\n")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    for p in CORPUS.glob("*.txt"):
        (corpus / p.name).write_bytes(p.read_bytes())
    (corpus / "zero.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(png_bytes())
    (corpus / "program.txt").write_bytes(Path("/bin/true").read_bytes()[:20000] if Path("/bin/true").exists()
                                         else b"\x7fELF\x02\x01\x01" + bytes(2000))
    (corpus / "invalid utf8.txt").write_bytes(GOOD.encode() + b"\xff\xfe\xc3\x28 tail \xa0\xa1\n")
    (corpus / "utf16 bom.txt").write_bytes(codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"))
    (corpus / "utf16 nobom.txt").write_bytes(GOOD.encode("utf-16-le"))
    (corpus / "latin1.txt").write_bytes(GOOD.replace("Macron", "Macrôn").encode("latin-1"))
    with open(corpus / "huge.txt", "wb") as fh:  # 50 MB: above input.max_bytes
        fh.write(b"news " * (50 * 1024 * 1024 // 5))
    (corpus / "one line.txt").write_text(("Lee met Xi in Beijing on Monday and they talked. " * 21000)[:1_000_000],
                                         encoding="utf-8")
    (corpus / "scripts.html").write_text(
        "<html><head><script>document.write('evil')</script><style>p{}</style></head><body>"
        + "<script>alert(1)</script>" * 200 + f"<article><p>{GOOD}</p><p>{GOOD}</p></article></body></html>",
        encoding="utf-8")
    (corpus / "feed.jsonl").write_text("\n".join([
        json.dumps({"text": GOOD, "published": "2026-01-09"}),
        '{"text": "unterminated',
        json.dumps({"text": ["not", "a", "string"]}),
        json.dumps({"text": GOOD, "published": 20260109, "title": {"x": 1}}),
    ]) + "\n", encoding="utf-8")
    (corpus / "baddate.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "baddate.meta.json").write_text('{"published": "the 35th of Smarch"}', encoding="utf-8")
    (corpus / "loop").mkdir()
    (corpus / "loop" / "again").symlink_to(corpus, target_is_directory=True)
    (corpus / "dangling.txt").symlink_to(corpus / "nowhere.txt")
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "Ünïcödé názov.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "korean.txt").write_text(
        "이재명 대통령은 월요일 베이징에서 시진핑 국가주석과 정상회담을 가졌다. 양국 정상은 경제 협력과 한반도 평화에 대해 논의했다.\n",
        encoding="utf-8")
    (corpus / "chinese.txt").write_text(
        "韩国总统李在明周日抵达北京，开始为期四天的国事访问。他将于周一与中国国家主席习近平举行会谈，讨论经贸合作和地区安全问题。\n",
        encoding="utf-8")
    (corpus / "french.txt").write_text(
        "Le président sud-coréen est arrivé à Pékin dimanche pour une visite d'État de quatre jours. "
        "Il doit rencontrer le dirigeant chinois lundi afin de discuter du commerce et de la sécurité régionale.\n",
        encoding="utf-8")
    (corpus / "punct.txt").write_text("!!! ??? ... --- *** ,,, ;;;\n", encoding="utf-8")
    (corpus / "numbers.txt").write_text("12 345 6.78 9,000 2026 -1 +44 (0)20 7946 0018\n", encoding="utf-8")
    # The 1 MB line takes minutes on a loaded CI machine: it must end as a
    # timeout row well before that, while ordinary documents finish in time.
    config = load_config(overrides={"run": {"doc_timeout": 15}})
    out = root / "out"
    summary = run(corpus, out, config, workers=1)
    docs = {d["doc_id"]: d for d in pq.read_table(out / "documents.parquet").to_pylist()}
    errors = pq.read_table(out / "errors.parquet").to_pylist()
    return summary, docs, errors, out


@pytest.mark.parametrize("doc_id,status,words", [
    ("zero", "skipped", "empty"),
    ("image", "error", "binary"),
    ("program", "error", "binary"),
    ("huge", "error", "too large"),
    ("feed#2", "error", "invalid JSON"),
    ("feed#3", "error", "text"),
    ("dangling", "error", "broken symbolic link"),
    ("pipe", "error", "not a regular file"),
    ("korean", "skipped", "'ko'"),
    ("chinese", "skipped", "'zh'"),
    ("french", "skipped", "'fr'"),
    ("punct", "skipped", "no words"),
    ("numbers", "skipped", "no words"),
])
def test_bad_input_gets_a_status_and_a_clear_message(hostile_run, doc_id, status, words):
    _summary, docs, errors, _out = hostile_run
    assert docs[doc_id]["status"] == status
    assert words in docs[doc_id]["error"]
    assert any(e["doc_id"] == doc_id and words in e["message"] for e in errors)


@pytest.mark.parametrize("doc_id,encoding", [
    ("invalid utf8", None), ("utf16 bom", "utf-16"), ("utf16 nobom", "utf-16-le"), ("latin1", None),
    ("Ünïcödé názov", "utf-8"), ("scripts", "utf-8"), ("feed#1", "utf-8"), ("feed#4", "utf-8"),
    ("baddate", "utf-8"),
])
def test_decodable_documents_are_processed(hostile_run, doc_id, encoding):
    _summary, docs, _errors, out = hostile_run
    doc = docs[doc_id]
    assert doc["status"] == "ok", doc["error"]
    if encoding:
        assert doc["encoding"] == encoding
    mentions = [m for m in pq.read_table(out / "mentions.parquet").to_pylist() if m["doc_id"] == doc_id]
    assert mentions, f"no entities found in {doc_id}"


def test_problems_in_processed_documents_are_reported(hostile_run):
    _summary, docs, errors, out = hostile_run
    assert docs["baddate"]["published_source"] != "metadata"
    assert any(e["doc_id"] == "baddate" and "published" in e["message"] for e in errors)
    assert any(e["doc_id"] == "feed#4" and "published" in e["message"] for e in errors)
    assert docs["feed#1"]["published"] == "2026-01-09"
    text = [t["text"] for t in pq.read_table(out / "texts.parquet").to_pylist() if t["doc_id"] == "scripts"][0]
    assert "alert" not in text and "evil" not in text


def test_the_one_megabyte_line_is_processed_or_timed_out_not_hung(hostile_run):
    _summary, docs, _errors, _out = hostile_run
    doc = docs["one line"]
    assert doc["status"] == "ok" or "doc_timeout" in doc["error"]


def test_good_documents_are_fully_processed_beside_hostile_ones(hostile_run):
    _summary, docs, _errors, out = hostile_run
    reference = run(CORPUS, out.parent / "reference", load_config(), workers=1)
    assert reference.ok == 2
    for name in ("mentions", "timexes", "events"):
        ours = [r for r in pq.read_table(out / f"{name}.parquet").to_pylist() if r["doc_id"].startswith("00")]
        theirs = pq.read_table(out.parent / "reference" / f"{name}.parquet").to_pylist()
        key = lambda r: (r["doc_id"], r["start_char"], r["end_char"])  # noqa: E731
        assert sorted(map(key, ours)) == sorted(map(key, theirs)), name
