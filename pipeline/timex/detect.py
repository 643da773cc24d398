"""Candidate detection: run the compiled rule regexes, filter, resolve overlaps."""
from __future__ import annotations

import re
from typing import Iterator, NamedTuple, Optional

from .lexicon import Lexicon, Rule, load_lexicon


class Candidate(NamedTuple):
    start: int
    end: int
    text: str
    rule: str
    kind: str
    type: str
    priority: int
    groups: dict  # named group -> matched text (only non-empty groups)
    offsets: dict  # named group -> (start, end) in the text


_YEAR_STOP_NEXT = re.compile(
    r"\s+(?:million|billion|thousand|shares?|people|troops|employees|workers|tons?|miles|feet|"
    r"points|jobs|cars|units|members|acres|dollars|votes|cases|pounds|barrels|yen|marks|francs|"
    r"students|soldiers|residents|seats|homes|copies|rooms|meters|kilometers|percent)\b",
    re.IGNORECASE,
)
_PREP_BEFORE = re.compile(
    r"(?:\b(?:in|of|since|until|till|by|from|through|to|during|before|after|last|this|next|early|late|mid|and|or|"
    r"on|between|about|around|that|every|each)\s+|-)$",
    re.IGNORECASE,
)


_WORD_YEAR_BEFORE = re.compile(
    # "a nineteen ninety-seven attack": a year in words used as a modifier
    r"(?:\b(?:in|of|since|until|till|by|from|through|to|during|before|after|between|and|year|early|late|mid|a|the|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)\s+|-|^|[.!?]\s+)$",
    re.IGNORECASE,
)


def _word_year_ok(m: re.Match, text: str) -> bool:
    """A year in words needs a temporal context before it ("in nineteen ninety-six")."""
    s = m.start("year")
    return bool(_WORD_YEAR_BEFORE.search(text[max(0, s - 12):s]))


def _ok(m: re.Match, rule, text: str, lex: Lexicon) -> bool:
    g = m.groupdict()
    if g.get("year") and not g["year"].isdigit():
        if lex.year(g["year"]) is None or not _word_year_ok(m, text):
            return False
        g["year"] = str(lex.year(g["year"]))
    for key in ("month", "weekday"):
        val = g.get(key)
        if not val:
            continue
        s = m.start(key)
        if not val[0].isupper():
            return False
        low = val.lower()
        if low in lex.abbrev_need_period and (m.end(key) >= len(text) or text[m.end(key)] != "."):
            return False
        if key == "month" and low in ("may", "march") and rule.kind == "month":
            if not (g.get("rel") or g.get("mod")) and not _PREP_BEFORE.search(text[max(0, s - 12):s]) \
                    and not (_THE_BEFORE.search(text, max(0, s - 4), s) and _NOUN_AFTER.match(text, m.end(key))):
                # "The March accession", "the May meeting": a month modifying a noun
                return False
    if rule.kind == "weekday_set" and not (g.get("every") or g.get("plural") or g.get("podplural")):
        return False
    if rule.kind in ("year", "year_range"):
        if _YEAR_STOP_NEXT.match(text, m.end()):
            return False
        y = int(g["year"])
        if y < 1900 and not (g.get("fiscal") or g.get("mod")) and not _PREP_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
            return False
        before = text[max(0, m.start() - 3):m.start()]
        if re.search(r"(?:No\.|#)\s*$", before) or re.search(r"[\d,.]$", before.rstrip()[-1:] or " ") and before.endswith(("."," ,")):
            return False
    if rule.kind == "quarter_ref":
        if (g.get("qunit") or "").lower() == "period" and not (g.get("qrel") or g.get("year")):
            return False
    if rule.kind in ("duration", "past_unit"):
        unit = (g.get("unit") or "").lower()
        after = text[m.end():m.end() + 30]
        # "three-quarters of its food", "more than a quarter of the market": fractions, not periods
        if unit in ("quarter", "quarters") and _FRACTION_OF.match(after):
            return False
        # "a second group", "a second betrayal": the ordinal, not one second
        if unit == "second" and _ORDINAL_NEXT.match(after):
            return False
    if rule.kind == "rate" and not _QUANTITY_BEFORE.search(text, max(0, m.start() - 40), m.start()):
        return False
    if rule.kind == "vague_duration":
        # "the years" alone is too ambiguous unless a modifier is present
        drel = (g.get("drel") or "").lower()
        if drel == "the" and (g.get("unit") or "").lower() in ("seconds", "minutes", "hours", "days"):
            return False
        # "in the early hours of Thursday morning": a part of the day, not a duration
        if _SMALL_HOURS.search(text, max(0, m.start() - 12), m.start()) and text.startswith(" of", m.end()):
            return False
    if rule.kind in ("month_day", "day_range"):
        try:
            d = int(g["day"])
        except (TypeError, ValueError):
            return False
        if not 1 <= d <= 31:
            return False
        if g.get("day2") and not 1 <= int(g["day2"]) <= 31:
            return False
    if rule.kind == "time":
        if g.get("hour") is not None and g.get("ampm") and int(g["hour"]) > 12:
            return False
    if rule.kind in TITLE_CHECKED_KINDS and _title_cased(m, text, lex):
        return False
    return True


# kinds made of words that are lower case in running text: capitalised inside a sentence they are a name
TITLE_CHECKED_KINDS = frozenset(("ref", "rel_day", "rel_unit", "vague_duration", "time", "pod", "duration",
                                 "past_unit", "frequency", "rate"))
_TITLE_WORD = re.compile(r"[A-Za-z]+")
_SENTENCE_START_BEFORE = re.compile(r"(?:^|[.!?:;\"'`“‘(\[_\n-])\s*$")


def _title_cased(m: re.Match, text: str, lex: Lexicon) -> bool:
    """A capitalised word of the expression that does not begin a sentence and is not itself a name
    ("ABC's ``This Week''", "CBS's ``60 Minutes''", "High Noon", "VOA Today"): a title, not a time."""
    for w in _TITLE_WORD.finditer(m.group(0)):
        word = w.group(0)
        if not word[0].isupper() or (len(word) > 1 and word.isupper()):
            continue
        low = word.lower()
        if low in lex.months or low in lex.weekdays or low in lex.holiday_words:
            continue
        start = m.start() + w.start()
        if not _SENTENCE_START_BEFORE.search(text, max(0, start - 3), start):
            return True
    return False


# a number, possibly with a unit or a counted noun ("$55", "700 seats", "$2 million", "fifty thousand CDs"),
# right before "a year": the expression is a rate
_QUANTITY_BEFORE = re.compile(
    r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundred|thousand|million|billion|trillion|dozen))(?:[\s-]+[a-z]+){0,2}\s+$", re.IGNORECASE)
_FRACTION_OF = re.compile(r"\s+of\s+(?!(?:this|last|next|the)\s+(?:fiscal\s+)?year\b)"
                          r"(?:the|its|his|her|their|our|all|a|an|this|that|these|those|[$\d])", re.IGNORECASE)
_ORDINAL_NEXT = re.compile(r"\s+(?!(?:of|or|and|to|in|on|at|for|ago|later|earlier|before|after|longer|too|the|that|when|he|she|they|it|we|i)\b)[a-z]", re.IGNORECASE)
_THE_BEFORE = re.compile(r"\b[Tt]he\s+$")
_NOUN_AFTER = re.compile(r"\s+(?!of\b|and\b|or\b|to\b|on\b|in\b|for\b|is\b|was\b)[a-z]{3,}\b")
_SMALL_HOURS = re.compile(r"\b(?:early|small|wee)\s+$", re.IGNORECASE)
_LEAD_ARTICLE = re.compile(r"(?:the|a|an)\s+", re.IGNORECASE)
# "a six year transition", "the two day rally": a number with a singular unit is an adjective; the article
# belongs to the noun phrase, not to the timex
_ADJ_DURATION = re.compile(r"(\S+(?:[\s-]\S+)?)\s+(?:second|minute|hour|day|week|month|year|decade)", re.IGNORECASE)


def _adjectival_duration(rest: str, lex: Lexicon) -> bool:
    m = _ADJ_DURATION.fullmatch(rest)
    if not m:
        return False
    n = lex.number(m.group(1))
    return n is not None and n > 1


def _keeps_period(before: str, lex: Lexicon) -> bool:
    word = re.split(r"[\s,]+", before)[-1].lower()
    if "." in word:  # a.m.
        return True
    full = {"may", "june", "july", "march", "april"}
    return (word in lex.months or word in lex.weekdays) and len(word) <= 4 and word not in full


# characters that case-insensitive matching equates with an ASCII letter but that lower() does not map to it
# ("İ".lower() is two characters); folded before the trigger test so it never skips a rule that could match
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def folded(text: str) -> str:
    """``text`` lower-cased the way the case-insensitive rule regexes compare letters (for trigger tests)."""
    return text.translate(_FOLD).lower()


def applicable_rules(text: str, lex: Lexicon) -> list:
    """The rules one of whose trigger strings occurs in ``text`` (the others cannot match it).

    A few hundred substring tests cost far less than running every rule regex over the text, and most
    rules (seasons, holidays, quarters, clock times, ...) have no trigger in a given article."""
    low = folded(text)
    words = {w for r in lex.rules if r.triggers for w in r.triggers}
    present = {w for w in words if w in low}
    return [r for r in lex.rules if r.triggers is None or not r.triggers.isdisjoint(present)]


class TextScan:
    """What scanning a text for rule matches needs to know about it, computed once for all the rules: where
    their triggers occur, the longest run of each class of characters they repeat (``\\s+``, ``\\d+``)."""

    def __init__(self, text: str):
        self.text = text
        self.low = folded(text)
        self._occurrences: dict[frozenset, list[tuple[int, int]]] = {}
        self._runs: dict[re.Pattern, int] = {}

    def occurrences(self, triggers: frozenset) -> list[tuple[int, int]]:
        """(position, length) of every occurrence of the ``triggers`` in the folded text, overlapping ones
        included, in order of position."""
        found = self._occurrences.get(triggers)
        if found is None:
            found = []
            for word in triggers:
                at = self.low.find(word)
                while at >= 0:
                    found.append((at, len(word)))
                    at = self.low.find(word, at + 1)
            found.sort()
            self._occurrences[triggers] = found
        return found

    def longest_run(self, run: re.Pattern) -> int:
        """The length of the longest match of ``run`` (a run of 2 or more characters), 1 when there is none."""
        got = self._runs.get(run)
        if got is None:
            got = self._runs[run] = max(map(len, run.findall(self.text)), default=1)
        return got


def rule_matches(rule: Rule, scan: TextScan) -> Iterator[re.Match]:
    """The matches of ``rule.regex.finditer(scan.text)``, found by trying only starts near its triggers.

    Most of the time of a full scan goes into the regex engine trying every position of the text, though
    a match holds one of the rule's triggers, which ends at most ``literals_end`` characters after the start
    of the match (in this text: see lexicon.MatchExtent). So only the starts from ``literals_end`` characters
    before the end of an occurrence of a trigger to its beginning are tried, by searches whose ``endpos`` is
    ``reach`` characters past the last of them: the engine reads no further from a start, so at every start
    a search tries it finds the match a search of the whole text finds, and it returns the leftmost, as
    finditer does (``pos`` hides nothing: a lookbehind still sees the text before it). Stretches of starts
    less than ``reach`` apart are searched as one, so that searches do not overlap."""
    text, extent = scan.text, rule.extent
    # no bound known, or a folded text of another length (its positions would not be the text's)
    if extent is None or not rule.triggers or len(scan.low) != len(text):
        yield from rule.regex.finditer(text)
        return
    literals_end, reach = extent.bounds(tuple(scan.longest_run(r) for r in extent.run_patterns))
    occurrences = scan.occurrences(rule.triggers)
    if len(occurrences) * literals_end > len(text):
        # triggers so dense that their stretches could cover the text: scanning it all costs less
        yield from rule.regex.finditer(text)
        return
    stretches: list[list[int]] = []  # [first start, last start]
    for at, size in occurrences:
        first = at + size - literals_end
        if stretches and first <= stretches[-1][1] + reach:
            stretches[-1][0] = min(stretches[-1][0], first)
            stretches[-1][1] = at
        else:
            stretches.append([first, at])
    pos = 0
    for first, last in stretches:
        pos = max(pos, first)
        endpos = min(len(text), last + reach + 1)
        while pos <= last:
            m = rule.regex.search(text, pos, endpos)
            if m is None or m.start() > last:
                break
            yield m
            # a match holds a trigger, so it is never empty (finditer's rule for empty matches never applies)
            pos = max(m.end(), m.start() + 1)


def find_candidates(text: str, lex: Optional[Lexicon] = None) -> list[Candidate]:
    """All non-overlapping candidate expressions, longest (then highest priority) first."""
    lex = lex or load_lexicon()
    found = []
    scan = TextScan(text)
    for rule in applicable_rules(text, lex):
        for m in rule_matches(rule, scan):
            if m.end() == m.start():
                continue
            # trim trailing whitespace captured by optional groups
            end = m.end()
            while end > m.start() and text[end - 1].isspace():
                end -= 1
            if not _ok(m, rule, text, lex):
                continue
            if text[end - 1] == "." and not _keeps_period(text[m.start():end - 1], lex):
                end -= 1
            start = m.start()
            # TimeML: the article of a hyphenated adjective ("a two-year", "the third-quarter") is outside
            lead = _LEAD_ARTICLE.match(text, start, end)
            if lead and (("-" in text[lead.end():end] and " " not in text[lead.end():end].strip())
                         or _adjectival_duration(text[lead.end():end], lex)):
                start = lead.end()
            groups = {k: v for k, v in m.groupdict().items() if v}
            if "year" in groups and not groups["year"].isdigit():
                groups["year"] = str(lex.year(groups["year"]))
            offsets = {k: m.span(k) for k in groups}
            found.append(Candidate(start, end, text[start:end], rule.name, rule.kind, rule.type,
                                   rule.priority, groups, offsets))
    found.sort(key=lambda c: (-(c.end - c.start), -c.priority, c.start))
    taken: list[Candidate] = []
    occupied: list[tuple[int, int]] = []
    for c in found:
        if any(c.start < e and s < c.end for s, e in occupied):
            continue
        taken.append(c)
        occupied.append((c.start, c.end))
    taken.extend(_elided_days(text, taken, occupied))
    taken.sort(key=lambda c: c.start)
    return taken


_ELIDED_DAY = re.compile(r"\s+(?:and|or|&)\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
                         r"(?!\s*(?:%|percent|million|billion|thousand|cents|points|shares|people|[-/.,]\d))"
                         r"(?:,?\s+(?P<year>(?:1[6-9]|20)\d\d)\b)?")


def _elided_days(text: str, taken: list[Candidate], occupied: list[tuple[int, int]]) -> list[Candidate]:
    """"the summit on April 24 and 25": the second day shares the first one's month (a timex of its own,
    as TimeBank marks it)."""
    extra = []
    for c in taken:
        if c.rule != "month_day" or "month" not in c.groups or "year" in c.groups:
            continue
        m = _ELIDED_DAY.match(text, c.end)
        if m is None or not 1 <= int(m["day"]) <= 31:
            continue
        s, e = m.span("day")
        if any(s < oe and os_ < e for os_, oe in occupied):
            continue
        groups = {"month": c.groups["month"], "day": m["day"]}
        if m["year"]:
            groups["year"] = m["year"]
        extra.append(Candidate(s, e, text[s:e], "month_day_elided", c.kind, c.type, c.priority, groups, {}))
    return extra
