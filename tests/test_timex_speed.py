"""Specifications of the timex candidate finder's scan near trigger occurrences (detect.rule_matches): it
finds exactly what running every rule regex over the whole text finds."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT
from pipeline.timex import detect
from pipeline.timex.lexicon import Rule, load_lexicon, match_extent

CRAFTED = [
    "March 3, 1996",
    "1996",
    "Monday",
    "He left on Monday, March 3, 1996",
    "March 3, 1996 was a Monday",
    "It was May 1996May 4 1996, 1997 and 1998-1999, two years ago three days later",
    "the 1990s, the '80s and the nineties, in the 21st century",
    # runs of spaces, newlines and hyphens inside expressions widen where a match can start and end
    "It was March" + " " * 200 + "3," + "\n" * 120 + "1996",
    "in nineteen" + " - " * 40 + "ninety-six",
    "about" + " " * 90 + "3" + " " * 90 + "p.m." + " " * 90 + "GMT",
    # a lookahead that reads past a long run: "the year ended" is not the calendar year
    "Profit rose for the year" + " " * 60 + "ended Sept. 30",
    "The offer expires at M\u0130DNIGHT on FR\u0130DAY, with a \u017fecond \u212aELVIN week.",
    "9" * 300 + " days and " + "1" * 50 + " years",
    "x" * 3000 + " on Dec. 31" + " " * 3 + "y" * 3000 + " in June",
]


# text without triggers, long enough for the triggers of a text it is added to to be sparse, so that they
# are scanned near (a text dense with triggers is scanned whole)
PADDING = "Zebras graze quietly. " * 200
PADDED = [t for text in CRAFTED for t in (text, PADDING + text, text + PADDING)]


def spans_and_groups(matches) -> list:
    return [(m.span(), m.groupdict()) for m in matches]


def test_the_padding_has_no_triggers():
    assert detect.applicable_rules(PADDING, load_lexicon()) == []


@pytest.mark.parametrize("text", PADDED)
def test_scanning_near_triggers_finds_what_a_full_scan_finds(text):
    scan = detect.TextScan(text)
    for rule in load_lexicon().rules:
        assert spans_and_groups(detect.rule_matches(rule, scan)) == spans_and_groups(
            rule.regex.finditer(text)), rule.name


@pytest.mark.parametrize("text", PADDED + [
    (ROOT / "corpus" / "000_a0269e133547853c.txt").read_text(),
    (ROOT / "corpus" / "001_6cc54781f2b67606.txt").read_text(),
])
def test_candidates_are_those_of_a_full_scan(text, monkeypatch):
    near_triggers = detect.find_candidates(text)
    monkeypatch.setattr(detect, "rule_matches", lambda rule, scan: rule.regex.finditer(scan.text))
    assert detect.find_candidates(text) == near_triggers


def test_expressions_at_the_very_start_and_end_of_a_text_are_found():
    got = detect.find_candidates("March 3, 1996 was a Monday." + PADDING)
    assert (got[0].text, got[0].start) == ("March 3, 1996", 0)
    got = detect.find_candidates(PADDING + "He left on Monday, March 3, 1996")
    assert (got[-1].text, got[-1].end) == ("Monday, March 3, 1996", len(PADDING) + 32)


def test_a_long_run_of_spaces_inside_a_date_is_spanned():
    text = PADDING + "It was March" + " " * 200 + "3," + " " * 200 + "1996"
    (date,) = detect.find_candidates(text)
    assert (date.start, date.end, date.rule) == (len(PADDING) + 7, len(text), "full_date_mdy")


def test_a_lookahead_past_a_long_run_still_rejects_the_year_ended():
    the_year = next(r for r in load_lexicon().rules if r.name == "the_year")
    text = PADDING + "Profit rose for the year" + " " * 60 + "ended Sept. 30"
    assert list(the_year.regex.finditer(text[:text.index("ended")]))  # a search cut short would match
    assert list(detect.rule_matches(the_year, detect.TextScan(text))) == []


def test_match_extent_bounds_grow_with_the_texts_longest_run():
    # "May" ends 3 characters into a match; from a start the engine reads the word boundary, "May", the
    # spaces and the one after them, two digits and the one after them, then the lookahead's spaces and "%"
    extent = match_extent(re.compile(r"\bMay\s+\d{1,2}(?!\s*%)", re.IGNORECASE))
    assert [p.pattern for p in extent.run_patterns] == [r"(?:[\s]){2,}"]
    assert extent.bounds((1,)) == (3, 8)
    assert extent.bounds((5,)) == (3, 16)


def test_unbounded_patterns_are_scanned_whole():
    assert match_extent(re.compile(r"\d+")) is None  # no required literals
    assert match_extent(re.compile(r"(?:ab)+c")) is None  # a repetition of more than one character
    regex = re.compile(r"(?:ab)+c")
    rule = Rule("abc", "test", "DATE", 5, regex, frozenset({"c"}), match_extent(regex))
    text = "ababc " * 50
    assert spans_and_groups(detect.rule_matches(rule, detect.TextScan(text))) == spans_and_groups(
        regex.finditer(text))
