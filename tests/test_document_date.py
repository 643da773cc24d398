"""Specifications of the article-date inference (doc._.document_date)."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.extensions import DocumentDate  # noqa: E402
from pipeline.timex.document_date import Evidence, infer_document_date  # noqa: E402
from pipeline.timex.tagger import tag_text  # noqa: E402

CORPUS = ROOT / "corpus"


def test_metadata_date_is_used_with_full_confidence():
    _, dd = tag_text("Nothing happened on Monday.", "2026-01-07")
    assert dd == DocumentDate("2026-01-07", "metadata", 1.0)


def test_metadata_datetime_string_is_accepted():
    _, dd = tag_text("Nothing happened.", "2026-01-07T10:00:00Z")
    assert dd.value == "2026-01-07" and dd.source == "metadata"


def test_no_date_evidence_gives_none_never_the_machine_date():
    _, dd = tag_text("Officials met to discuss the plan on Tuesday.")
    assert dd == DocumentDate(None, "none", 0.0)


def test_past_event_with_full_date_puts_the_article_on_or_after_it():
    _, dd = tag_text("The visit, which began on Monday 5 January 2026, is his first.")
    assert dd.source == "inferred" and dd.value == "2026-01-05"
    assert 0.5 <= dd.confidence <= 0.9


def test_weekday_that_disagrees_with_the_date_lowers_confidence():
    _, good = tag_text("The visit began on Monday 5 January 2026.")
    _, bad = tag_text("The visit began on Friday 5 January 2026.")
    assert bad.confidence < good.confidence


def test_past_and_future_weekdays_place_the_article_between_them():
    ev = [
        Evidence("weekday", 7, "past"),  # landed on Sunday
        Evidence("weekday", 1, "future"),  # will meet on Monday
        Evidence("month_day", (1, 6), "future"),  # January 6-7
        Evidence("partial", (date(2025, 6, 1), date(2025, 6, 30)), "past"),  # June 2025
    ]
    dd = infer_document_date(ev)
    assert dd.value == "2026-01-04" and dd.source == "inferred"


def test_sample_article_without_metadata_is_dated_the_weekend_before_the_summit():
    _, dd = tag_text((CORPUS / "001_6cc54781f2b67606.txt").read_text())
    assert dd.value == "2026-01-04" and dd.source == "inferred"


def test_sample_article_with_explicit_date_is_dated_that_day():
    _, dd = tag_text((CORPUS / "000_a0269e133547853c.txt").read_text())
    assert dd.value == "2026-01-05" and dd.source == "inferred"


def test_inference_is_deterministic():
    text = (CORPUS / "001_6cc54781f2b67606.txt").read_text()
    assert tag_text(text) == tag_text(text)
