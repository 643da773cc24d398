"""Reading files into documents: encodings, formats, metadata and bad input."""
import json
import os
from pathlib import Path

import pytest

from conftest import CORPUS
from pipeline.reader import decode, doc_id_for, read_file, scan, with_language

LIMITS = dict(max_chars=5_000_000, max_bytes=50_000_000)
ARTICLE = "Seoul's president met Chinese leaders in Beijing on Monday. The talks lasted two hours.\n"


def read_one(root: Path, name: str, **limits):
    docs = list(read_file(root, root / name, **{**LIMITS, **limits}))
    assert len(docs) == 1
    return docs[0]


def test_doc_id_is_relative_path_without_extension():
    assert doc_id_for("a/b/story one.txt") == "a/b/story one"
    assert doc_id_for("2026/01/report.html") == "2026/01/report"


@pytest.mark.parametrize("encoding,prefix,expected", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
    ("utf-16", b"", "utf-16"),  # Python writes a BOM
    ("utf-16-le", b"", "utf-16-le"),
])
def test_text_is_decoded_and_encoding_recorded(tmp_path, encoding, prefix, expected):
    text = "Café Zürich — Lee said “yes”.\n"
    (tmp_path / "a.txt").write_bytes(prefix + text.encode(encoding))
    doc = read_one(tmp_path, "a.txt")
    assert doc.status == "ok"
    assert doc.text == text
    assert doc.encoding == expected


def test_legacy_latin1_text_is_detected():
    text = "Le président a visité la région où les élèves étudient à l'école française. " * 5
    decoded, encoding = decode(text.encode("latin-1"))
    assert decoded == text
    assert encoding.replace("_", "-").lower() in {"latin-1", "iso-8859-1", "cp1252", "windows-1252", "iso-8859-15"}


def test_empty_file_is_skipped_with_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    doc = read_one(tmp_path, "empty.txt")
    assert doc.status == "skipped" and "empty" in doc.error


def test_binary_file_is_an_error_not_text(tmp_path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    doc = read_one(tmp_path, "image.txt")
    assert doc.status == "error" and "binary" in doc.error


def test_file_over_the_size_cap_is_rejected_without_reading(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    doc = read_one(tmp_path, "big.txt", max_bytes=100)
    assert doc.status == "error" and "too large" in doc.error


def test_text_over_the_character_cap_is_rejected(tmp_path):
    (tmp_path / "long.txt").write_text("word " * 1000)
    doc = read_one(tmp_path, "long.txt", max_chars=100)
    assert doc.status == "error" and "max_chars" in doc.error


def test_only_punctuation_and_numbers_is_skipped(tmp_path):
    (tmp_path / "nums.txt").write_text("12 34 ... 56 !!! 7.8\n")
    doc = read_one(tmp_path, "nums.txt")
    assert doc.status == "skipped"


def test_sidecar_metadata_is_read(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "a.meta.json").write_text(json.dumps(
        {"title": "Talks", "published": "2026-01-05", "source": "Wire", "url": "http://x"}))
    doc = read_one(tmp_path, "a.txt")
    assert (doc.title, doc.published, doc.source, doc.url) == ("Talks", "2026-01-05", "Wire", "http://x")


def test_bad_date_in_metadata_is_reported_and_ignored(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "a.meta.json").write_text(json.dumps({"published": "last Tuesday"}))
    doc = read_one(tmp_path, "a.txt")
    assert doc.status == "ok" and doc.published is None
    assert any("published" in message for _stage, message in doc.errors)


def test_metadata_changes_the_content_hash(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    before = read_one(tmp_path, "a.txt").sha256
    (tmp_path / "a.meta.json").write_text(json.dumps({"published": "2026-01-05"}))
    assert read_one(tmp_path, "a.txt").sha256 != before


def test_jsonl_gives_one_document_per_line_and_errors_for_bad_lines(tmp_path):
    lines = [
        json.dumps({"text": ARTICLE, "published": "2026-01-05", "title": "One"}),
        "{not json",
        json.dumps({"text": 42}),
        json.dumps(["a list"]),
        json.dumps({"text": ARTICLE, "title": 7}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    docs = list(read_file(tmp_path, tmp_path / "feed.jsonl", **LIMITS))
    assert [d.doc_id for d in docs] == [f"feed#{i}" for i in range(1, 6)]
    assert [d.status for d in docs] == ["ok", "error", "error", "error", "ok"]
    assert docs[0].published == "2026-01-05" and docs[0].title == "One"
    assert docs[4].title is None and docs[4].errors  # wrong field type reported, not fatal


def test_html_main_text_is_extracted_without_scripts(tmp_path):
    body = "<p>" + ARTICLE * 3 + "</p>"
    html = (f"<html><head><title>Summit</title><script>alert('x')</script></head>"
            f"<body><nav>Home | World | Sport</nav><article>{body}</article>"
            f"<script>var tracking = 1;</script></body></html>")
    (tmp_path / "page.html").write_text(html)
    doc = read_one(tmp_path, "page.html")
    assert doc.status == "ok"
    assert "Seoul's president met Chinese leaders" in doc.text
    assert "alert" not in doc.text and "tracking" not in doc.text
    assert doc.title == "Summit"


def test_scan_is_recursive_sorted_and_survives_symlink_loops(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text(ARTICLE)
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "a.meta.json").write_text("{}")
    (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)
    names = [p.relative_to(tmp_path).as_posix() for p in scan(tmp_path, (".txt",))]
    assert names == ["a.txt", "b/z.txt"]


def test_non_english_article_is_skipped_with_its_language(tmp_path):
    (tmp_path / "fr.txt").write_text(
        "Le président sud-coréen est arrivé à Pékin dimanche pour une visite d'État de quatre jours. "
        "Il doit rencontrer le dirigeant chinois lundi afin de discuter du commerce et de la sécurité.\n")
    doc = with_language(read_one(tmp_path, "fr.txt"), ["en"], "skip")
    assert doc.language == "fr" and doc.status == "skipped" and "fr" in doc.error
    kept = with_language(read_one(tmp_path, "fr.txt"), ["en"], "process")
    assert kept.status == "ok"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_an_error_with_the_reason(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(ARTICLE)
    path.chmod(0)
    doc = read_one(tmp_path, "secret.txt")
    assert doc.status == "error" and "cannot read file" in doc.error


def test_english_prose_is_recognised_by_its_function_words_and_other_languages_are_not():
    from pipeline.reader import looks_english

    assert looks_english((CORPUS / sorted(p.name for p in CORPUS.glob("*.txt"))[0]).read_text(encoding="utf-8"))
    assert not looks_english(
        "Il presidente sudcoreano è arrivato a Pechino domenica per una visita di Stato di quattro giorni. "
        "Incontrerà lunedì il leader cinese per discutere di commercio e sicurezza in una regione segnata "
        "da tensioni, ha detto la presidenza in un comunicato.")
    assert not looks_english("The the the.")  # too short to judge


def test_results_tables_carry_no_language_evidence_and_are_not_skipped():
    from pipeline.reader import detect_language

    table = ("Bastia 3 2 1 0 4 1 7 Paris Saint-Germain 3 2 1 0 3 0 7 Auxerre 3 2 1 0 3 0 7 Cannes 3 2 0 1 "
             "5 3 6 Lyon 3 1 2 0 4 2 5 Marseille 3 1 1 1 3 3 4 Nantes 3 1 1 1 4 4 4 Lens 3 1 1 1 2 2 4\n")
    assert detect_language(table) is None
    assert detect_language("Der südkoreanische Präsident ist am Sonntag zu einem viertägigen Staatsbesuch "
                           "in Peking eingetroffen. Er will am Montag mit dem chinesischen Staatschef über "
                           "Handel und Sicherheit sprechen.") == "de"
