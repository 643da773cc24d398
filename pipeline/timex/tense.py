"""Sentence spans and the tense governing a temporal expression.

Cues come from the lexicon's [tense] table (word lists, phrases, regexes) and,
for the remaining words, from POS tags when a tagger ran (``tokens`` given as
(start, end, lower, tag) tuples: VBD/VBN past, VBZ/VBP present, MD will/shall
future) or else from the -ed suffix.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

from .lexicon import Lexicon

_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|\n\s*")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Prof|Jr|Sr|Inc|Corp|Co|Ltd|No|Jan|Feb|Mar|Apr|Jun|Jul|"
    r"Aug|Sept|Sep|Oct|Nov|Dec|Mon|Tue|Tues|Wed|Thu|Thurs|Fri|Sat|Sun|vs|U\.S|U\.N|[A-Z])\.)$"
)
# "at 10:35 a.m. (0735 GMT) Friday": a clock abbreviation before a parenthesis or a number ends no sentence
_CLOCK_ABBREV = re.compile(r"\b[ap]\.m\.\s+[(\d]")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
# a past participle right after these is a passive ("will be named"), not a past-tense cue; the past-list
# words that are adverbs are cues whatever comes before them
_PASSIVE_AUX = frozenset(("be", "being"))
_PAST_ADVERBS = frozenset(("ago", "yesterday", "earlier", "last"))
# an -ed word right after these modifies a noun
_ADJECTIVE_BEFORE = frozenset(("a", "an", "the", "still", "very", "more", "most", "less", "its", "their", "his",
                               "her", "our", "your"))
# the verb governing a temporal adverbial mostly precedes it ("will double its flights by August in the search
# for markets untouched by ..."); a cue after the expression counts as this many times farther away
AFTER_WEIGHT = 2.0
# how far back (characters) the lexicon's "..._before" regexes look from an expression
BEFORE_WINDOW = 100


def _distance(a: int, b: int, tstart: int, tend: int) -> float:
    """Distance in characters between a cue at [a, b) and the expression [tstart, tend)."""
    if a >= tend:
        return (a - tend) * AFTER_WEIGHT
    return abs(b - tstart) if b <= tstart else min(abs(a - tend), abs(b - tstart))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in _SENT_END.finditer(text):
        if m.group(0).startswith("\n") or not (_ABBREV.search(text[max(0, m.start() - 8):m.start()])
                                               or _CLOCK_ABBREV.search(text, max(0, m.start() - 5), m.end() + 1)):
            if m.start() > start:
                spans.append((start, m.start()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


_CUE_CACHE: dict = {}


def _cues(lex: Lexicon):
    hit = _CUE_CACHE.get(id(lex))
    if hit is not None:
        return hit
    t = lex.tense
    _CUE_CACHE[id(lex)] = out = (frozenset(t["future"]), tuple(t["future_phrases"]), frozenset(t["past"]),
            t.get("past_suffix", "ed"), frozenset(t["present"]), frozenset(t["not_past"]),
            frozenset(t.get("reporting", ())))
    return out


_PHRASE_CACHE: dict = {}


def _phrase_regex(lex: Lexicon) -> re.Pattern:
    """One regex for all future-tense phrases (compiled once per lexicon)."""
    if id(lex) not in _PHRASE_CACHE:
        phrases = sorted(lex.tense["future_phrases"], key=len, reverse=True)
        _PHRASE_CACHE[id(lex)] = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b",
                                            re.IGNORECASE)
    return _PHRASE_CACHE[id(lex)]


_REGEX_CACHE: dict = {}


def _tense_regex(lex: Lexicon, key: str) -> Optional[re.Pattern]:
    """The lexicon's [tense] regex ``key`` ("reporting_before", "past_phrases" ...), compiled once."""
    ck = (id(lex), key)
    if ck not in _REGEX_CACHE:
        pat = lex.tense.get(key)
        _REGEX_CACHE[ck] = re.compile(pat, re.IGNORECASE) if pat else None
    return _REGEX_CACHE[ck]


def _word_cue(w: str, lex: Lexicon, tag: Optional[str] = None) -> Optional[str]:
    """The tense cue of one word: the lexicon's word lists first, then the part-of-speech tag when a tagger
    ran (VBD/VBN past, VBZ/VBP present, will/shall future), else the -ed suffix."""
    future, _, past, suffix, present, not_past, reporting = _cues(lex)
    lw = w.lower()
    if lw in reporting:
        return None
    if lw in future:
        return "future"
    if lw in past:
        return "past"
    if lw in present:
        return "present"
    if tag is not None:  # a tagger ran ("" = not a verb)
        if tag in ("VBD", "VBN"):
            return "past"
        if tag in ("VBZ", "VBP"):
            return "present"
        if tag == "MD" and lw in ("will", "'ll", "shall", "wo"):
            return "future"
        return None
    if lw.endswith(suffix) and len(lw) > 4 and lw not in not_past and w[0].islower():
        return "past"
    return None


def tense_at(text: str, sent: tuple[int, int], tstart: int, tend: int, lex: Lexicon,
             tokens: Optional[Sequence[tuple]] = None) -> Optional[str]:
    """Tense of the clause around ``text[tstart:tend]`` within sentence ``sent``."""
    s, e = sent
    for key, tense in (("reporting_before", "past"), ("past_before", "past"), ("future_before", "future")):
        rep = _tense_regex(lex, key)
        if rep is not None and rep.search(text, max(s, tstart - BEFORE_WINDOW), tstart):
            return tense
    lead = _tense_regex(lex, "clause_lead")
    after = _tense_regex(lex, "reporting_after")
    if lead is not None and after is not None and lead.fullmatch(text, s, tstart) and after.match(text, tend, e):
        # "In September, it announced ...", "On Friday, the ministry said ...": a leading time adverbial
        # dates the report itself
        return "past"
    cues: list[tuple[int, str]] = []  # (distance, tense)
    seg = text[s:e]
    # a past perfect over a plan ("had been due to expire Friday", "had been scheduled to"): the plan was
    # for a time now past; the future word inside it is no cue
    masked: list[tuple[int, int]] = []
    past_phrases = _tense_regex(lex, "past_phrases")
    if past_phrases is not None:
        for m in past_phrases.finditer(seg):
            a, b = s + m.start(), s + m.end()
            if not (tstart <= a < tend):
                masked.append((a, b))
                cues.append((_distance(a, b, tstart, tend), "past"))
    for m in _phrase_regex(lex).finditer(seg):
        pos = s + m.start()
        if tstart <= pos < tend or any(a <= pos < b for a, b in masked):
            continue
        cues.append((_distance(pos, s + m.end(), tstart, tend), "future"))
    # with a tagger, ``tokens`` holds its verbs and modals: other words are no verbs (tag "")
    tags = {a: tag for (a, _, _, tag) in tokens} if tokens is not None else None
    prev = ""
    for m in _WORD.finditer(seg):
        a, b, word = s + m.start(), s + m.end(), m.group(0)
        tag = None if tags is None else tags.get(a, "")
        before, prev = prev, word.lower()
        if tstart <= a < tend or any(x <= a < y for x, y in masked):
            continue
        t = _word_cue(word, lex, tag)
        if t == "past" and before in _ADJECTIVE_BEFORE and prev.endswith("ed"):
            # "on a still unspecified date", "the revised plan": an adjective, not a past tense
            continue
        if t == "past" and before in _PASSIVE_AUX and prev not in _PAST_ADVERBS:
            # "will be named", "would be held", "to be completed": a participle after "be" is a passive,
            # not a past tense (its tense is the auxiliary's)
            continue
        if t:
            cues.append((_distance(a, b, tstart, tend), t))
    if not cues:
        return None
    cues.sort(key=lambda c: c[0])
    best = cues[0][1]
    if best == "present":
        # a present-tense verb right next to the expression; look for a close past/future cue
        for d, t in cues[1:3]:
            if t != "present" and d <= cues[0][0] + 12:
                return t
        return "present"
    return best


def direction_of(tense: Optional[str]) -> Optional[str]:
    return tense if tense in ("past", "future") else None
