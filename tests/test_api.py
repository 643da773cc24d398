"""Python API: ``load`` a run's tables with proper dtypes, ``extract`` the tables of one text.

``write_sample_outputs`` (also used by test_report.py and test_query.py) writes realistic
synthetic tables with ``pipeline.store.write_table``, including hostile strings.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import api
from pipeline.schema import TABLES
from pipeline.store import write_table

# ---------------------------------------------------------------- synthetic outputs

XSS_SCRIPT = "<script>document.title='PWNED';document.body.setAttribute('data-pwned','1')</script>"
XSS_ATTR = '" onmouseover="alert(2)'
XSS_IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned2','1')\">"

TEXT_A = ("Lee Visits Beijing\n"
          "South Korean President Lee Jae Myung met Chinese leader Xi Jinping in Beijing on Monday "
          "5 January 2026. Xi Jinping said ties were strong.\n")
TEXT_B = (f"Breaking {XSS_SCRIPT} news: Xi Jinping warned Japan on 6 January 2026.\n"
          f"A reader wrote {XSS_ATTR} and posted {XSS_IMG} here.\n")
TEXT_C = "Xi Jinping held talks with Lee Jae Myung in Beijing last week.\n"


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _doc(doc_id, text, *, status="ok", error=None, **kw):
    row = {n: None for n in TABLES["documents"].names}
    row.update(doc_id=doc_id, path=f"{doc_id}.txt", status=status, error=error, language="en",
               encoding="utf-8", n_chars=len(text), n_tokens=len(text.split()) if text else 0,
               n_sentences=text.count("\n") if text else 0, sha256=hashlib.sha256(doc_id.encode()).hexdigest(),
               published_source="none", published_confidence=0.0)
    row.update(kw)
    return row


def sample_rows() -> dict[str, list[dict]]:
    """One row list per table: 3 ok documents (one hostile), 1 error, 1 skipped."""
    t: dict[str, list[dict]] = {name: [] for name in TABLES}
    t["documents"] = [
        _doc("a/korea", TEXT_A, title="Lee visits Beijing", source="Example News",
             url="https://example.org/a?x=1&y=2", published="2026-01-05", published_source="metadata",
             published_confidence=1.0),
        _doc("b/xss", TEXT_B, title="</title><script>alert(4)</script>", source='" onmouseover="alert(5)',
             url="javascript:alert(6)", published="2026-01-06", published_source="inferred",
             published_confidence=0.7),
        _doc("c/talks", TEXT_C, published="2026-01-09T08:00:00", published_source="metadata",
             published_confidence=1.0),
        _doc("d/broken", "", status="error", error="cannot decode text: <b>bad bytes</b>", n_chars=0),
        _doc("e/empty", "", status="skipped", error="empty file (0 bytes)", n_chars=0),
    ]
    texts = {"a/korea": TEXT_A, "b/xss": TEXT_B, "c/talks": TEXT_C}
    t["texts"] = [{"doc_id": d, "text": x} for d, x in texts.items()]
    for d, x in texts.items():
        pos = 0
        for i, line in enumerate(x.splitlines(keepends=True)):
            body = line.rstrip("\n")
            t["sentences"].append(dict(doc_id=d, sent_id=i, start_char=pos, end_char=pos + len(body),
                                       is_heading=(d == "a/korea" and i == 0)))
            pos += len(line)
    t["errors"] = [
        dict(doc_id="d/broken", path="d/broken.txt", stage="read", message="cannot decode text: <b>bad bytes</b>"),
        dict(doc_id="e/empty", path="e/empty.txt", stage="read", message="empty file (0 bytes)"),
    ]

    ents = {  # entity_id: (name, label, aliases, title, country, confidence)
        "e_beijing": ("Beijing", "GPE", ["Beijing"], None, "CN", 0.95),
        "e_img": (XSS_IMG, "MISC", [XSS_IMG, XSS_ATTR], None, None, 0.35),
        "e_japan": ("Japan", "GPE", ["Japan"], None, "JP", 0.9),
        "e_korean": ("South Korean", "NORP", ["South Korean"], None, "KR", 0.8),
        "e_lee": ("Lee Jae Myung", "PERSON", ["Lee", "Lee Jae Myung"], "President", "KR", 0.92),
        "e_xi": ("Xi Jinping", "PERSON", ["Xi Jinping"], "leader", "CN", 0.97),
    }
    mention_specs = [  # doc, surface, nth, label, entity, confidence
        ("a/korea", "Lee", 0, "PERSON", "e_lee", 0.30),
        ("a/korea", "Beijing", 0, "GPE", "e_beijing", 0.90),
        ("a/korea", "South Korean", 0, "NORP", "e_korean", 0.80),
        ("a/korea", "Lee Jae Myung", 0, "PERSON", "e_lee", 0.93),
        ("a/korea", "Xi Jinping", 0, "PERSON", "e_xi", 0.97),
        ("a/korea", "Beijing", 1, "GPE", "e_beijing", 0.88),
        ("a/korea", "Xi Jinping", 1, "PERSON", "e_xi", 0.96),
        ("b/xss", "Xi Jinping", 0, "PERSON", "e_xi", 0.95),
        ("b/xss", "Japan", 0, "GPE", "e_japan", 0.90),
        ("b/xss", XSS_IMG, 0, "MISC", "e_img", 0.35),
        ("c/talks", "Xi Jinping", 0, "PERSON", "e_xi", 0.97),
        ("c/talks", "Lee Jae Myung", 0, "PERSON", "e_lee", 0.91),
        ("c/talks", "Beijing", 0, "GPE", "e_beijing", 0.92),
    ]
    counts: dict[str, int] = {}
    mids: dict[tuple[str, str, int], str] = {}
    by_doc: dict[str, list] = {}
    for spec in mention_specs:
        by_doc.setdefault(spec[0], []).append(spec)
    for d, specs in by_doc.items():
        x = texts[d]
        located = sorted(((_at(x, s, n), s, n, lab, e, c) for _, s, n, lab, e, c in specs))
        for i, ((start, end), s, n, lab, e, c) in enumerate(located):
            mid = f"{d}:m{i}"
            mids[(d, s, n)] = mid
            counts[e] = counts.get(e, 0) + 1
            t["mentions"].append(dict(doc_id=d, mention_id=mid, sent_id=x[:start].count("\n"), start_char=start,
                                      end_char=end, text=x[start:end], label=lab, entity_id=e, confidence=c,
                                      stage="ner", title=ents[e][3] if s == "Lee Jae Myung" else None,
                                      country=ents[e][4]))
    docs_of = {e: sorted({m["doc_id"] for m in t["mentions"] if m["entity_id"] == e}) for e in ents}
    for e, (name, label, aliases, title, country, conf) in ents.items():
        t["entities"].append(dict(entity_id=e, name=name, label=label, aliases=aliases, title=title,
                                  country=country, n_mentions=counts[e], n_docs=len(docs_of[e]), confidence=conf))

    timex_specs = [("a/korea", "Monday 5 January 2026", "DATE", "2026-01-05", 0.95),
                   ("b/xss", "6 January 2026", "DATE", "2026-01-06", 0.9),
                   ("c/talks", "last week", "DATE", "2026-W01", 0.42)]
    for i, (d, s, typ, value, c) in enumerate(timex_specs):
        start, end = _at(texts[d], s)
        t["timexes"].append(dict(doc_id=d, timex_id=f"{d}:t0", sent_id=texts[d][:start].count("\n"),
                                 start_char=start, end_char=end, text=s, type=typ, value=value, begin=None,
                                 end=None, granularity="week" if "W" in value else "day",
                                 anchor=t["documents"][i]["published"][:10], anchor_source="published",
                                 confidence=c))

    start, end = _at(TEXT_A, "Lee Jae Myung met Chinese leader Xi Jinping")
    t["relations"] = [
        dict(doc_id="a/korea", relation_id="a/korea:r0", subject_id="e_lee",
             subject_mention_id=mids[("a/korea", "Lee Jae Myung", 0)], predicate="met", object_id="e_xi",
             object_mention_id=mids[("a/korea", "Xi Jinping", 0)], object_text=None, start_char=start,
             end_char=end, confidence=0.85),
        dict(doc_id="a/korea", relation_id="a/korea:r1", subject_id="e_lee",
             subject_mention_id=mids[("a/korea", "Lee Jae Myung", 0)], predicate="holds_title", object_id=None,
             object_mention_id=None, object_text="President", start_char=_at(TEXT_A, "President Lee Jae Myung")[0],
             end_char=_at(TEXT_A, "President Lee Jae Myung")[1], confidence=0.4),
    ]
    ev_specs = [  # doc, trigger, type, label, source, target, date, cluster, confidence
        ("a/korea", "met", "040", "Consult", "e_lee", "e_xi", "2026-01-05", "c1", 0.8),
        ("b/xss", "warned", "130", "Threaten", "e_xi", "e_japan", "2026-01-06", "c2", 0.45),
        ("c/talks", "held talks", "040", "Consult", "e_xi", "e_lee", "2026-W01", "c1", 0.7),
        ("b/xss", "posted", "010", "Make statement", None, None, None, "c3", 0.6),
    ]
    for d, trig, typ, label, src, tgt, date, cl, c in ev_specs:
        start, end = _at(texts[d], trig)
        n = sum(1 for e in t["events"] if e["doc_id"] == d)
        t["events"].append(dict(doc_id=d, event_id=f"{d}:v{n}", start_char=start, end_char=end, trigger=trig,
                                event_type=typ, event_label=label, actors=sorted(x for x in (src, tgt) if x),
                                source_id=src, target_id=tgt, date=date, timex_id=None,
                                location_id="e_beijing" if d != "b/xss" else None,
                                location="Beijing" if d != "b/xss" else None, cluster_id=cl, confidence=c))
    for cl, typ, label, src, tgt, date, conflicts, conf in [
        ("c1", "040", "Consult", "e_lee", "e_xi", "2026-01-05",
         "date: 2026-01-05 (a/korea) vs 2026-W01 (c/talks) <i>sic</i>; target: Xi Jinping (a/korea) vs "
         "Lee Jae Myung (c/talks)", 0.8),
        ("c2", "130", "Threaten", "e_xi", "e_japan", "2026-01-06", "", 0.45),
        ("c3", "010", "Make statement", None, None, None, "", 0.6),
    ]:
        evs = [e for e in t["events"] if e["cluster_id"] == cl]
        t["event_clusters"].append(dict(
            cluster_id=cl, event_type=typ, event_label=label, source_id=src, target_id=tgt,
            actors=sorted({a for e in evs for a in e["actors"]}), date=date,
            location_id=evs[0]["location_id"], n_events=len(evs), n_docs=len({e["doc_id"] for e in evs}),
            doc_ids=sorted({e["doc_id"] for e in evs}), event_ids=sorted(e["event_id"] for e in evs),
            conflicts=conflicts, confidence=conf))
    return t


def write_sample_outputs(out_dir: Path, formats=("parquet", "csv")) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in sample_rows().items():
        write_table(out_dir, name, rows, list(formats))
    return out_dir


@pytest.fixture
def sample_out(tmp_path: Path) -> Path:
    return write_sample_outputs(tmp_path / "out")


# ---------------------------------------------------------------- load

def test_load_returns_every_table_with_its_schema_columns(sample_out):
    tables = api.load(sample_out)
    assert list(tables) == list(TABLES)
    for name, df in tables.items():
        assert list(df.columns) == TABLES[name].names, name
    assert len(tables["documents"]) == 5 and len(tables["mentions"]) == 13


def test_load_gives_nullable_ints_strings_booleans_floats_and_python_lists(sample_out):
    t = api.load(sample_out)
    docs = t["documents"]
    assert docs["n_chars"].dtype == "Int64"
    assert isinstance(docs["title"].dtype, pd.StringDtype) and docs["title"].dtype.na_value is pd.NA
    assert docs["published_confidence"].dtype == "float64"
    assert t["sentences"]["is_heading"].dtype == "boolean"
    assert docs.loc[docs["doc_id"] == "c/talks", "title"].isna().all()  # missing string is NA
    aliases = t["entities"].set_index("entity_id")["aliases"]
    assert t["entities"]["aliases"].dtype == object
    assert aliases["e_lee"] == ["Lee", "Lee Jae Myung"] and type(aliases["e_lee"]) is list
    assert all(type(v) is list for v in t["event_clusters"]["doc_ids"])


def test_loaded_offsets_slice_the_document_text(sample_out):
    t = api.load(sample_out)
    texts = dict(zip(t["texts"]["doc_id"], t["texts"]["text"]))
    for m in t["mentions"].itertuples():
        assert texts[m.doc_id][m.start_char:m.end_char] == m.text


def test_load_reads_csv_when_only_csv_was_written(tmp_path):
    parquet = api.load(write_sample_outputs(tmp_path / "pq", formats=("parquet",)))
    csv = api.load(write_sample_outputs(tmp_path / "csv", formats=("csv",)))
    for name in TABLES:
        # strings are quoted in the CSV, so an empty string and a missing value stay apart
        pd.testing.assert_frame_equal(csv[name], parquet[name], check_exact=True)


def test_load_of_a_missing_folder_or_table_is_a_one_line_value_error(tmp_path, sample_out):
    with pytest.raises(ValueError, match="outputs folder not found") as exc:
        api.load(tmp_path / "nope")
    assert "\n" not in str(exc.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(api.OutputsError, match="no newsie tables"):
        api.load(tmp_path / "empty")
    (sample_out / "events.parquet").unlink()
    (sample_out / "events.csv").unlink()
    with pytest.raises(api.OutputsError, match="missing.*events"):
        api.load(sample_out)


# ---------------------------------------------------------------- extract

def test_extract_builds_the_pipeline_once_per_config(monkeypatch):
    import pipeline.nlp

    built = []
    monkeypatch.setattr(pipeline.nlp, "build_nlp", lambda cfg: built.append(cfg) or object())
    monkeypatch.setattr(api, "_NLP_CACHE", {})
    a = api.get_nlp({"output": {"min_confidence": 0.1}})
    b = api.get_nlp({"output": {"min_confidence": 0.1}})
    c = api.get_nlp({"output": {"min_confidence": 0.2}})
    assert a is b and a is not c and len(built) == 2


def test_extract_gives_the_tables_newsie_run_gives_for_the_same_text(tmp_path):
    """Model-independent: a blank spaCy pipeline plus newsie's stages, through both entry points."""
    import spacy

    from pipeline.config import load_config
    from pipeline.runner import run

    model = tmp_path / "blank"
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(model)
    overrides = {"model": {"name": str(model)}, "run": {"workers": 1}}
    text = TEXT_A + TEXT_C
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "text.txt").write_text(text, encoding="utf-8")
    (corpus / "text.meta.json").write_text(json.dumps({"published": "2026-01-05"}), encoding="utf-8")
    run(corpus, tmp_path / "out", load_config(overrides=overrides), workers=1)
    expected = api.load(tmp_path / "out")

    got = api.extract(text, "2026-01-05", config=overrides)
    assert list(got) == list(TABLES)
    for name in TABLES:
        a, b = got[name], expected[name]
        if "path" in a.columns:
            a, b = a.drop(columns="path"), b.drop(columns="path")
        pd.testing.assert_frame_equal(a, b, obj=name)
    assert got["documents"]["status"].tolist() == ["ok"] and len(got["timexes"]) > 0


def test_extract_rejects_a_published_date_that_is_not_iso_8601():
    with pytest.raises(ValueError, match="ISO 8601"):
        api.extract("Xi Jinping visited Paris.", published="last Tuesday")


def _shipped_model_missing() -> bool:
    from pipeline.config import load_config
    from pipeline.nlp import resolve_model_path

    try:
        resolve_model_path(load_config().model)
    except ValueError:
        return True
    return False


needs_model = pytest.mark.skipif(_shipped_model_missing(), reason="the shipped model is not built yet (newsie train)")


@needs_model
def test_extract_returns_the_same_tables_and_dtypes_as_load(sample_out):
    text = ("South Korean President Lee Jae Myung met Chinese leader Xi Jinping in Beijing on Monday. "
            "The two leaders agreed to expand trade.\n")
    tables = api.extract(text, published="2026-01-05")
    loaded = api.load(sample_out)
    assert list(tables) == list(TABLES)
    for name, df in tables.items():
        assert list(df.columns) == TABLES[name].names
        assert df.dtypes.to_dict() == loaded[name].dtypes.to_dict(), name
    doc = tables["documents"].iloc[0]
    assert doc["status"] == "ok" and doc["published"] == "2026-01-05" and doc["n_chars"] == len(text)
    assert tables["texts"]["text"].tolist() == [text]
    for m in tables["mentions"].itertuples():
        assert text[m.start_char:m.end_char] == m.text
        assert m.entity_id in set(tables["entities"]["entity_id"])
    assert {"Lee Jae Myung", "Xi Jinping"} <= set(tables["mentions"]["text"])
    assert api.extract(text, published="2026-01-05")["mentions"].equals(tables["mentions"])


def test_extract_of_an_empty_text_is_a_skipped_document_row():
    tables = api.extract("   \n")
    assert tables["documents"]["status"].tolist() == ["skipped"]
    assert len(tables["mentions"]) == 0 and len(tables["errors"]) == 1



def test_the_api_query_and_report_modules_import_without_loading_spacy():
    import subprocess
    import sys

    code = ("import sys, pipeline, pipeline.api, pipeline.query, pipeline.report; "
            "print(sorted(m for m in ('spacy', 'duckdb', 'thinc') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_pipeline_package_reexports_load_and_extract_lazily():
    import pipeline

    assert pipeline.load is api.load and pipeline.extract is api.extract


def test_remember_text_gives_doc_text_the_tokenized_text_and_refuses_one_that_does_not_fit():
    import spacy

    from pipeline.extensions import _TEXT_KEY, doc_text, remember_text

    nlp = spacy.blank("en")
    text = "Lee met Xi in Beijing.\n\nTalks  ended "
    doc = nlp.make_doc(text)
    remember_text(doc, text)
    assert doc.user_data[_TEXT_KEY] is text and doc_text(doc) == doc.text == text
    other = nlp.make_doc(text)
    remember_text(other, text + "!")  # not what the tokens cover: doc_text builds it from them
    assert _TEXT_KEY not in other.user_data and doc_text(other) == text
    empty = nlp.make_doc("")
    remember_text(empty, "")
    assert doc_text(empty) == ""


def test_token_indices_finds_the_tokens_whose_attribute_is_one_of_the_values_in_order():
    import spacy
    from spacy.attrs import LOWER, ORTH

    from pipeline.extensions import token_indices

    nlp = spacy.blank("en")
    doc = nlp.make_doc("Lee met Xi; lee and LEE met again.")
    strings = nlp.vocab.strings
    assert token_indices(doc, ORTH, {strings["Lee"], strings["met"]}) == [0, 1, 7]
    assert token_indices(doc, LOWER, [strings["lee"]]) == [0, 4, 6]
    assert token_indices(doc, ORTH, []) == []
    assert token_indices(nlp.make_doc(""), ORTH, {strings["Lee"]}) == []
