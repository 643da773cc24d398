"""Tag a text: detect, infer the article date, anchor and normalize."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Optional, Sequence

from ..config import stage_options
from ..extensions import DocumentDate, Timex
from .anchor import Anchor, anchor_source_of, resolve_anchor
from .calibration import Calibrator, load_calibrator
from .detect import find_candidates
from .document_date import Evidence, infer_document_date, partial_evidence
from .lexicon import Lexicon, load_lexicon
from .normalize import Context, bounds, is_absolute, normalize
from .tense import direction_of, sentence_spans, tense_at

DEFAULTS = {
    "context_anchor": "always",  # "always" | "no_published" | "never"
    "min_confidence": 0.0,  # drop timexes below this confidence
    "calibration_file": None,  # path to a calibration table (default: shipped one)
    "use_tags": True,  # use POS tags for tense when the doc has them
    "infer_document_date": True,
    "context_window_days": 14,  # with a metadata date, explicit dates further away never become the context  # infer the article date from the text when metadata has none
}


def check_config(config: Optional[dict]) -> dict:
    cfg = stage_options("newsie_timex", config, DEFAULTS)
    if cfg["context_anchor"] not in ("always", "no_published", "never"):
        raise ValueError("newsie_timex config 'context_anchor' must be 'always', 'no_published' or 'never'")
    if not isinstance(cfg["min_confidence"], (int, float)) or not 0 <= cfg["min_confidence"] <= 1:
        raise ValueError("newsie_timex config 'min_confidence' must be a number in [0, 1]")
    return cfg


def parse_published(published: Optional[str]) -> Optional[date]:
    if not published:
        return None
    try:
        return date.fromisoformat(str(published).strip()[:10])
    except ValueError:
        return None


def _sentence_index(spans: list[tuple[int, int]], pos: int) -> int:
    lo, hi = 0, len(spans) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if spans[mid][0] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def tag_text(text: str, published: Optional[str] = None, *,
             sentences: Optional[list[tuple[int, int]]] = None,
             tokens: Optional[Sequence[tuple]] = None,
             config: Optional[dict] = None,
             lex: Optional[Lexicon] = None,
             calibrator: Optional[Calibrator] = None,
             with_rules: bool = False):
    """Timexes (sorted by start) and the document date of ``text``.

    With ``with_rules`` the second item is the list of rule names (parallel to
    the timexes) instead of the document date.

    ``sentences``: (start, end) spans (default: a punctuation heuristic);
    ``tokens``: (start, end, lower, tag) tuples when a tagger ran.
    """
    cfg = check_config(config)
    lex = lex or load_lexicon()
    calibrator = calibrator or load_calibrator(cfg["calibration_file"])
    cands = find_candidates(text, lex)
    spans = sentences or sentence_spans(text) or [(0, len(text))]
    toks = tokens if cfg["use_tags"] else None
    info = []
    for c in cands:
        si = _sentence_index(spans, c.start)
        tense = tense_at(text, spans[si], c.start, c.end, lex, toks)
        absolute = normalize(c, None, None, None, lex) if is_absolute(c) else None
        info.append((c, si, tense, absolute))

    # the article's date
    pub = parse_published(published)
    if pub is not None:
        doc_date = DocumentDate(pub.isoformat(), "metadata", 1.0)
    elif cfg["infer_document_date"]:
        doc_date = infer_document_date(_evidence(info, lex))
    else:
        doc_date = DocumentDate(None, "none", 0.0)
    dd = parse_published(doc_date.value)

    # explicit dates per sentence (event dates for "two months prior")
    sent_dates: dict[int, list[tuple[int, date]]] = {}
    for c, si, tense, ab in info:
        if ab is not None and ab.type == "DATE" and ab.begin and ab.granularity in ("day", "month"):
            d = parse_published(ab.begin if ab.granularity == "day" else ab.begin)
            sent_dates.setdefault(si, []).append((c.start, d))

    out: list[Timex] = []
    context_date: Optional[date] = None
    last_q: Optional[str] = None
    last_q_pos = -10**9
    # the quarter an earnings report is about: comparisons before its first mention ("a year ago" in the
    # lead) refer to it too
    doc_q = _first_reported_quarter(info, dd, lex)
    last_abs: Optional[date] = None  # the last explicit date (narrative time) for "that year", "the following month"
    last_abs_gran = ""
    for c, si, tense, ab in info:
        if ab is not None:
            norm, anchor = ab, None
        else:
            sd = [d for pos, d in sent_dates.get(si, []) if pos != c.start]
            sdate = min(sd, key=lambda d: 0) if sd else None
            anchor = resolve_anchor(c.kind, c.groups, dd, doc_date.source, context_date, sdate,
                                    cfg["context_anchor"])
            # tense orders an event against the speech time (the article date); against a
            # narrative (context) date the nearest reading is the right one
            direction = None if anchor.source == "context" and c.kind != "duration" else direction_of(tense)
            ctx = Context(last_q, last_q_pos, last_abs, last_abs_gran) if last_q or doc_q is None \
                else Context(doc_q, c.start, last_abs, last_abs_gran)
            if ctx.last_quarter and _longer_period_named(text, spans, si, c.start, c.end, lex):
                ctx = ctx._replace(last_quarter=None)
            norm = normalize(c, anchor.date, direction, ctx, lex)
            if norm is not None and direction is None and anchor.source == "context" and norm.begin:
                # the nearest reading must still respect the tense against the article date
                limit = dd or anchor.date
                tdir = direction_of(tense)
                nb = parse_published(norm.begin)
                if nb is not None and ((tdir == "past" and nb > limit) or (tdir == "future" and nb < limit)):
                    norm = normalize(c, anchor.date, tdir, ctx, lex) or norm
                    nb = parse_published(norm.begin)
                    if dd is not None and nb is not None and ((tdir == "past" and nb > dd) or (tdir == "future" and nb < dd)):
                        # the narrative date lies on the other side of the article date ("extended to Nov. 16.
                        # It had been due to expire Friday"): the tense's reading from the article date
                        anchor = Anchor(dd, anchor_source_of(doc_date.source))
                        norm = normalize(c, dd, tdir, ctx, lex) or norm
            if norm is not None and not norm.uses_anchor:
                anchor = None
        if norm is None:
            continue
        if norm.type == "DATE" and norm.begin and norm.value[:4].isdigit() and c.kind not in ("duration", "year_earlier"):
            last_abs, last_abs_gran = parse_published(norm.begin), norm.granularity
        if norm.type == "DATE" and norm.granularity == "day" and ab is not None and norm.begin:
            cd = parse_published(norm.begin)
            # a narrative reference only when it is close to the article date (not a historical date)
            if dd is None or doc_date.source != "metadata" or abs((cd - dd).days) <= cfg["context_window_days"]:
                context_date = cd
        if c.kind in ("quarter", "quarter_ref") and norm.type == "DATE" and "-Q" in norm.value and norm.value[0].isdigit() \
                and _reported_quarter(norm, dd, tense, ended=norm.value != doc_q) \
                and (doc_q is None or norm.value >= doc_q):
            # an earlier quarter after the reported one ("after a flat second quarter") is a comparison, and the
            # quarter still running at the article date an outlook ("the impact on fourth-quarter results"),
            # unless the article leads with it (a fiscal quarter): "a year ago" still compares with the
            # reported quarter
            last_q, last_q_pos = norm.value, c.start
        src = anchor.source if anchor is not None and anchor.date is not None else None
        anc = anchor.date.isoformat() if src else None
        conf = calibrator.probability(c.rule, src)
        if conf < cfg["min_confidence"]:
            continue
        out.append((Timex(norm.start, norm.end_char, text[norm.start:norm.end_char], norm.type, norm.value,
                          norm.begin, norm.end, norm.granularity, anc, src, conf), c.rule, si, _bare_clock(c, ab)))
    out = _date_bare_clock_times(out)
    out = [(_day_before_after(t, text), rule) for t, rule in out]
    out.sort(key=lambda t: (t[0].start_char, t[0].end_char))
    if with_rules:
        return [t for t, _ in out], [r for _, r in out]
    return [t for t, _ in out], doc_date


def _longer_period_named(text: str, spans: list, si: int, pos: int, end: int, lex: Lexicon) -> bool:
    """Whether the last reporting period named in this sentence or the one before, up to ``pos``, is
    longer than a quarter ("For the nine months, ... a year earlier"); the expression is text[pos:end]."""
    window = text[spans[max(0, si - 1)][0]:pos]
    if lex.periods.get("quarter") is not None and lex.periods["quarter"].search(text, pos, end):
        return False  # "the comparable year-ago quarter" names its period itself
    last = {}
    for key in ("quarter", "longer"):
        rx = lex.periods.get(key)
        last[key] = max((m.start() for m in rx.finditer(window)), default=-1) if rx else -1
    return last["longer"] > last["quarter"]


# the extent starts at "day", as TimeBank marks it
_DAY_BEFORE_AFTER = re.compile(r"\bthe\s+(day\s+(before|after)\s+)$", re.IGNORECASE)


def _day_before_after(t: Timex, text: str) -> Timex:
    """"the day before last Tuesday's hearing": one day off the named day, over "day before last Tuesday"."""
    if t.type != "DATE" or t.granularity != "day" or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value):
        return t
    m = _DAY_BEFORE_AFTER.search(text, max(0, t.start_char - 20), t.start_char)
    if m is None:
        return t
    d = parse_published(t.value) + timedelta(days=-1 if m.group(2).lower() == "before" else 1)
    return t._replace(start_char=m.start(1), text=text[m.start(1):t.end_char], value=d.isoformat(),
                      begin=d.isoformat(), end=d.isoformat())


def _bare_clock(c, ab) -> bool:
    """A clock time with no day of its own ("at about 10:35 a.m.")."""
    return ab is None and c.kind == "time" and not any(c.groups.get(k) for k in ("weekday", "relday", "month", "day"))


def _date_bare_clock_times(out: list) -> list:
    """(Timex, rule) pairs; a bare clock time takes the day named in its sentence ("occurred at about 10:35 a.m.
    (0735 GMT) Friday"), instead of the article date it was resolved against."""
    days: dict[int, list[Timex]] = {}
    for t, rule, si, bare in out:
        # a day, or a clock time on a named day ("4 in the morning (4 a.m. EDT Thursday)")
        if not bare and t.type in ("DATE", "TIME") and re.match(r"\d{4}-\d{2}-\d{2}(?:$|T\d)", t.value):
            days.setdefault(si, []).append(t)
    result = []
    for t, rule, si, bare in out:
        same = days.get(si, [])
        if bare and len({d.value[:10] for d in same}) == 1 and "T" in t.value and t.value[:10] != same[0].value[:10]:
            day = same[0]
            value = day.value[:10] + t.value[10:]
            b, e, _ = bounds(value)
            t = t._replace(value=value, begin=b, end=e, anchor=day.anchor or t.anchor,
                           anchor_source=day.anchor_source if day.anchor else t.anchor_source)
        result.append((t, rule))
    return result


def _reported_quarter(norm, dd: Optional[date], tense: Optional[str], ended: bool = False) -> bool:
    """A quarter an article can report results for: already begun (with ``ended``: over), of the article's
    year, and not spoken of in the future tense ("expects the trend to continue into the fourth quarter" is
    not the quarter being reported; "the 1988 third quarter" is a comparison)."""
    if direction_of(tense) == "future":
        return False
    b, e = parse_published(norm.begin), parse_published(norm.end)
    if ended and e is not None and dd is not None and e > dd:
        return False
    return dd is None or b is None or (b <= dd and b.year >= dd.year)


def _first_reported_quarter(info, dd: Optional[date], lex: Lexicon) -> Optional[str]:
    for c, si, tense, ab in info:
        if c.kind != "quarter":
            continue
        norm = ab or normalize(c, dd, direction_of(tense), None, lex)
        if norm is not None and norm.type == "DATE" and "-Q" in norm.value and norm.value[0].isdigit() \
                and _reported_quarter(norm, dd, tense):
            return norm.value
    return None


def _evidence(info, lex: Lexicon) -> list[Evidence]:
    ev: list[Evidence] = []
    for c, si, tense, ab in info:
        g = c.groups
        if ab is not None:
            if ab.type != "DATE" or not ab.begin:
                continue
            if ab.granularity == "day":
                d = parse_published(ab.begin)
                agrees = None
                if g.get("weekday") and d is not None:
                    agrees = lex.weekdays[g["weekday"].lower()] == d.isoweekday()
                ev.append(Evidence("full", d, tense, agrees))
            else:
                e = partial_evidence(ab.value, tense) if ab.begin else None
                if e is not None:
                    ev.append(e)
        elif c.kind == "weekday" and not g.get("rel"):
            ev.append(Evidence("weekday", lex.weekdays[g["weekday"].lower()], tense))
        elif c.kind in ("month_day", "day_range") and not g.get("year"):
            ev.append(Evidence("month_day", (lex.months[g["month"].lower()], int(g["day"])), tense))
        elif c.kind == "month" and not g.get("rel") and not g.get("yrel"):
            ev.append(Evidence("month", lex.months[g["month"].lower()], tense))
    return ev
