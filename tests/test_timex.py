"""Specifications of newsie's temporal tagger (newsie_timex)."""
from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import pytest
import spacy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import extensions  # noqa: E402,F401
import pipeline.components  # noqa: E402,F401  (registers the newsie_timex factory)
from pipeline.timex.tagger import tag_text  # noqa: E402

CORPUS = ROOT / "corpus"
TBAQ = Path("/work/shared/data/timex/tbaq")


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("newsie_timex", config={"config": {}})
    return nlp


def run(nlp, text, published=None):
    doc = nlp.make_doc(text)
    doc._.published = published
    return nlp.get_pipe("newsie_timex")(doc)


def find(doc, surface):
    hits = [t for t in doc._.timexes if t.text == surface]
    assert hits, f"{surface!r} not tagged; got {[t.text for t in doc._.timexes]}"
    return hits[0]


def test_explicit_date_with_weekday_is_one_day_value(nlp):
    t = find(run(nlp, "The visit began on Monday 5 January 2026."), "Monday 5 January 2026")
    assert (t.type, t.value, t.begin, t.end, t.granularity) == ("DATE", "2026-01-05", "2026-01-05", "2026-01-05", "day")
    assert t.anchor is None and t.anchor_source is None


def test_month_and_year_gives_month_granularity_with_begin_and_end(nlp):
    t = find(run(nlp, "He took office in November 2025."), "November 2025")
    assert (t.value, t.begin, t.end, t.granularity) == ("2025-11", "2025-11-01", "2025-11-30", "month")


def test_bare_month_in_past_tense_resolves_to_the_previous_occurrence(nlp):
    t = find(run(nlp, "She made the remarks in November.", "2026-01-04"), "November")
    assert t.value == "2025-11" and t.anchor == "2026-01-04" and t.anchor_source == "published"


def test_bare_month_in_future_tense_resolves_to_the_next_occurrence(nlp):
    t = find(run(nlp, "The summit will take place in November.", "2026-01-04"), "November")
    assert t.value == "2026-11"


def test_weekday_in_past_tense_is_on_or_before_the_article_date(nlp):
    t = find(run(nlp, "The talks began on Monday.", "2026-01-07"), "Monday")
    assert t.value == "2026-01-05"


def test_weekday_in_future_tense_is_on_or_after_the_article_date(nlp):
    t = find(run(nlp, "The leaders will meet on Monday.", "2026-01-07"), "Monday")
    assert t.value == "2026-01-12"


def test_day_range_gives_begin_and_end(nlp):
    doc = run(nlp, "He will stop in Shanghai on January 6-7.", "2026-01-04")
    assert len(doc._.timexes) == 1
    t = doc._.timexes[0]
    assert (t.text, t.value, t.begin, t.end) == ("January 6-7", "2026-01-06", "2026-01-06", "2026-01-07")


def test_underspecified_weekday_uses_previous_full_date_in_article(nlp):
    doc = run(nlp, "The visit began on Monday 5 January 2026. Meetings with the premier are on Tuesday.")
    t = find(doc, "Tuesday")
    assert (t.value, t.anchor, t.anchor_source) == ("2026-01-06", "2026-01-05", "context")


def test_since_is_outside_the_extent_and_year_is_absolute(nlp):
    t = find(run(nlp, "It is the first visit since 2019.", "2026-01-04"), "2019")
    assert t.start_char == len("It is the first visit since ")
    assert (t.value, t.begin, t.end, t.anchor) == ("2019", "2019-01-01", "2019-12-31", None)


def test_months_prior_is_a_month_value_before_the_article_date(nlp):
    t = find(run(nlp, "This follows his trip to Seoul two months prior.", "2026-01-04"), "two months prior")
    assert (t.type, t.value) == ("DATE", "2025-11")


def test_months_earlier_uses_the_event_date_of_the_sentence(nlp):
    doc = run(nlp, "The deal closed on March 3, 2024, two months earlier than planned.", "2026-01-04")
    t = find(doc, "two months earlier")
    assert t.value == "2024-01" and t.anchor == "2024-03-03" and t.anchor_source == "context"


@pytest.mark.parametrize("text,surface,value", [
    ("his first in 11 years", "11 years", "P11Y"),
    ("a crucial four-day mission", "four-day", "P4D"),
    ("over the past three years", "the past three years", "P3Y"),
    ("the talks lasted 3 hours", "3 hours", "PT3H"),
    ("after a week of exercises", "a week", "P1W"),
])
def test_durations_get_iso_periods(nlp, text, surface, value):
    t = find(run(nlp, text, "2026-01-04"), surface)
    assert (t.type, t.value, t.granularity) == ("DURATION", value, "duration")


@pytest.mark.parametrize("text,surface,typ,value", [
    ("The index is published daily.", "daily", "SET", "P1D"),
    ("They meet every Monday.", "every Monday", "SET", "XXXX-WXX-1"),
    ("Prices are high now.", "now", "DATE", "PRESENT_REF"),
    ("Growth slowed last week.", "last week", "DATE", "2026-W01"),
    ("Sales rose this year.", "this year", "DATE", "2026"),
    ("Profit fell in the third quarter of 2025.", "the third quarter of 2025", "DATE", "2025-Q3"),
    ("It was popular in the 1990s.", "the 1990s", "DATE", "199"),
    ("Markets opened at 2:30 p.m. today.", "2:30 p.m. today", "TIME", "2026-01-07T14:30"),
    ("It was cold last winter.", "last winter", "DATE", "2024-WI"),
    ("Results were released yesterday.", "yesterday", "DATE", "2026-01-06"),
])
def test_types_and_values_at_the_right_granularity(nlp, text, surface, typ, value):
    t = find(run(nlp, text, "2026-01-07"), surface)
    assert (t.type, t.value) == (typ, value)


def test_month_day_without_any_date_evidence_keeps_unknown_year(nlp):
    doc = run(nlp, "The ceremony is on January 6.")
    t = find(doc, "January 6")
    assert t.value == "XXXX-01-06" and t.anchor is None
    assert doc._.document_date.source == "none"


def test_relative_expression_without_any_date_gives_ref_value(nlp):
    t = find(run(nlp, "Unemployment rose last year."), "last year")
    assert t.value == "PAST_REF"


def test_values_do_not_depend_on_todays_date(nlp, monkeypatch):
    text = (CORPUS / "001_6cc54781f2b67606.txt").read_text()
    first = [tuple(t) for t in run(nlp, text)._.timexes]

    class FakeDate(_dt.date):
        @classmethod
        def today(cls):
            return cls(2031, 7, 19)

    class FakeDateTime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2031, 7, 19, 12, 0, 0)

        @classmethod
        def today(cls):
            return cls(2031, 7, 19, 12, 0, 0)

    monkeypatch.setattr(_dt, "date", FakeDate)
    monkeypatch.setattr(_dt, "datetime", FakeDateTime)
    second = [tuple(t) for t in run(nlp, text)._.timexes]
    assert first == second
    # and no source module reads the clock
    for f in (ROOT / "pipeline" / "timex").glob("*.py"):
        src = f.read_text()
        assert "today()" not in src and "now()" not in src and "time.time" not in src, f


def test_timexes_are_a_new_sorted_list_with_calibrated_confidence(nlp):
    doc = run(nlp, "On Monday 5 January 2026 he arrived; he left on Tuesday after two days.")
    ts = doc._.timexes
    assert ts == sorted(ts, key=lambda t: t.start_char)
    assert all(0.0 < t.confidence < 1.0 for t in ts)
    assert all(doc.text[t.start_char:t.end_char] == t.text for t in ts)


def test_unknown_config_key_is_an_error():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError):
        nlp.add_pipe("newsie_timex", config={"config": {"no_such_key": 1}})


def test_tagger_uses_pos_tags_when_present():
    # "met" tagged VBD (past) makes Monday the previous one even without word lists
    text = "They met on Monday ."
    toks = [(0, 4, "they", "PRP"), (5, 8, "met", "VBD"), (9, 11, "on", "IN")]
    ts, _ = tag_text(text, "2026-01-07", tokens=toks)
    assert ts[0].value == "2026-01-05"
    ts2, _ = tag_text("They will meet on Monday .", "2026-01-07",
                      tokens=[(5, 9, "will", "MD"), (10, 14, "meet", "VB")])
    assert ts2[0].value == "2026-01-12"


SAMPLE_1 = {
    "Monday 5 January 2026": "2026-01-05",
    "June": "2025-06",
    "November": "2025-11",
    "Tuesday": "2026-01-06",
    "four-day": "P4D",
    "a week": "P1W",
}
SAMPLE_2 = {
    "Sunday": "2026-01-04",
    "Monday": "2026-01-05",
    "2019": "2019",
    "two months prior": "2025-11",
    "11 years": "P11Y",
    "2016": "2016",
    "June 2025": "2025-06",
    "January 6-7": "2026-01-06",
    "four-day": "P4D",
}


@pytest.mark.parametrize("name,expected", [("000_a0269e133547853c.txt", SAMPLE_1), ("001_6cc54781f2b67606.txt", SAMPLE_2)])
def test_sample_articles_get_the_values_a_careful_reader_gives(nlp, name, expected):
    doc = run(nlp, (CORPUS / name).read_text())
    got = {}
    for t in doc._.timexes:
        got.setdefault(t.text, []).append(t.value)
    for surface, value in expected.items():
        assert surface in got, f"{surface!r} missing in {name}"
        assert set(got[surface]) == {value}, (surface, got[surface])
    hours = [t for t in doc._.timexes if t.text.endswith("hours")]
    if name.startswith("001"):
        assert hours and hours[0].value in ("PTXH", "PAST_REF")
        rng = find(doc, "January 6-7")
        assert (rng.begin, rng.end) == ("2026-01-06", "2026-01-07")


@pytest.mark.skipif(not TBAQ.exists(), reason="TBAQ dev data not available")
def test_tbaq_smoke_relaxed_f1_above_floor(tmp_path):
    from pipeline.evaluate.timex import evaluate_timex

    files = sorted((TBAQ / "TimeBank").glob("wsj_01*.tml"))[:12]
    for f in files:
        (tmp_path / f.name).write_text(f.read_text())
    r = evaluate_timex(tmp_path, log=lambda *a: None)
    assert r["gold"] > 20
    assert r["relaxed"]["f1"] >= 0.85
    assert r["value"]["f1"] >= 0.6
    assert 0.0 <= r["ece"] <= 1.0


def test_the_scorer_reads_unpadded_gold_week_numbers_as_iso_weeks(tmp_path):
    from pipeline.evaluate.timex import read_tml

    tml = ('<TimeML><DCT><TIMEX3 tid="t0" type="DATE" value="2000-02-16" functionInDocument="CREATION_TIME">'
           '02/16/2000</TIMEX3></DCT><TEXT>He wrote <TIMEX3 tid="t1" type="DATE" value="2000-W7">earlier this '
           'week</TIMEX3> and <TIMEX3 tid="t2" type="DATE" value="2000-W12">in March</TIMEX3>.</TEXT></TimeML>')
    (tmp_path / "a.tml").write_text(tml)
    doc = read_tml(tmp_path / "a.tml")
    assert doc["dct"] == "2000-02-16"
    assert [(v, t) for _, _, _, v, t in doc["timexes"]] == [("2000-W07", "earlier this week"), ("2000-W12", "in March")]


def test_the_scorer_lists_wrong_values_spurious_and_missed_expressions(tmp_path):
    import csv

    from pipeline.evaluate.timex import evaluate_timex

    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    tml = ('<TimeML><DCT><TIMEX3 tid="t0" type="DATE" value="2000-01-05" functionInDocument="CREATION_TIME">'
           '01/05/2000</TIMEX3></DCT><TEXT>He left <TIMEX3 tid="t1" type="DATE" value="1999-12-27">Monday'
           '</TIMEX3>. The <TIMEX3 tid="t2" type="DATE" value="XXXX">era</TIMEX3> ended; now it rains.'
           '</TEXT></TimeML>')
    (gold_dir / "a.tml").write_text(tml)
    out = tmp_path / "errors.csv"
    r = evaluate_timex(gold_dir, log=lambda *a: None, errors_csv=out)
    rows = list(csv.DictReader(out.open()))
    got = {(row["kind"], row["gold_text"], row["text"]) for row in rows}
    assert got == {("value", "Monday", "Monday"), ("missed", "era", ""), ("spurious", "", "now")}
    value_row = next(row for row in rows if row["kind"] == "value")
    assert (value_row["file"], value_row["gold_value"], value_row["value"]) == ("a.tml", "1999-12-27", "2000-01-03")
    assert "[[Monday]]" in value_row["context"]
    assert r["errors"] == {"value": 1, "missed": 1, "spurious": 1}


def test_newsie_evaluate_timex_writes_the_error_list_it_is_asked_for(tmp_path, capsys):
    from pipeline.cli import main

    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "a.tml").write_text(
        '<TimeML><DCT><TIMEX3 tid="t0" type="DATE" value="2000-01-05" functionInDocument="CREATION_TIME">x'
        '</TIMEX3></DCT><TEXT>He left <TIMEX3 tid="t1" type="DATE" value="1999-12-27">Monday</TIMEX3>.</TEXT>'
        '</TimeML>')
    assert main(["evaluate", "timex", "--gold", str(gold_dir), "--errors", str(tmp_path / "e.csv")]) == 0
    assert "errors: 1 rows" in capsys.readouterr().out
    assert (tmp_path / "e.csv").read_text().splitlines()[0].startswith("file,kind,start_char")
