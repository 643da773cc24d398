"""Load the temporal lexicon and rule tables from ``pipeline/data/timex``."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Optional

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "timex"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    type: str
    priority: int
    regex: re.Pattern
    # lower-case strings one of which occurs in every match (None: no such set known); a text containing
    # none of them cannot match, so the rule is skipped (see detect.find_candidates)
    triggers: Optional[frozenset] = None
    # where in a match the triggers end at the furthest and how far the regex engine reads from a start
    # (None: no triggers, or unbounded); with the triggers it tells where in a text a match can start, so
    # that only those starts are tried (see detect.rule_matches)
    extent: Optional["MatchExtent"] = None


@dataclass(frozen=True)
class Lexicon:
    months: dict
    weekdays: dict
    seasons: dict
    parts_of_day: dict
    numbers: dict
    vague_numbers: frozenset
    ordinals: dict
    units: dict
    relative_days: dict
    refs: dict
    frequencies: dict
    holidays: dict
    abbrev_need_period: frozenset
    tense: dict
    rules: tuple  # tuple[Rule, ...]
    # earnings-report periods: compiled regexes "quarter" and "longer" (see lexicon.toml [periods])
    periods: dict = field(default_factory=dict)

    @cached_property
    def holiday_words(self) -> frozenset:
        """Words of holiday names ("christmas", "day", "eve" ...), which are capitalised in running text."""
        return frozenset(w for name in self.holidays for w in re.findall(r"[a-z]+", name))

    def number(self, text: str) -> Optional[float]:
        """Parse a number written in digits or words ("twenty-five", "2 1/2")."""
        t = " ".join(text.lower().replace("-", " ").split())
        if not t:
            return None
        half = 0.0
        if t.endswith(" 1/2"):
            t, half = t[:-4].strip(), 0.5
        if t.endswith(" and a half"):
            t, half = t[: -len(" and a half")].strip(), 0.5
        try:
            return float(t) + half
        except ValueError:
            pass
        if t in self.numbers:
            return float(self.numbers[t]) + half
        total = 0.0
        for part in t.split():
            if part not in self.numbers:
                return None
            total += float(self.numbers[part])
        return total + half

    def year(self, text: str) -> Optional[int]:
        """A year in digits or words ("1996", "nineteen ninety-six", "two thousand and one")."""
        t = text.strip()
        if t.isdigit():
            return int(t)
        words = t.lower().replace("-", " ").split()
        if words[:2] == ["two", "thousand"]:
            rest = [w for w in words[2:] if w != "and"]
            n = self.number(" ".join(rest)) if rest else 0.0
            return None if n is None else 2000 + int(n)
        if len(words) >= 2 and words[0] in self.numbers:
            century = self.numbers[words[0]]
            n = self.number(" ".join(words[1:]))
            if n is not None and 10 <= century <= 20 and n < 100:
                return century * 100 + int(n)
        return None


def _alt(words, group: Optional[str] = None) -> str:
    parts = sorted({w.lower() for w in words}, key=lambda w: (-len(w), w))
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in parts)
    return f"(?P<{group}>{body})" if group else f"(?:{body})"


def _read(name: str) -> dict:
    with open(DATA_DIR / name, "rb") as fh:
        return tomllib.load(fh)


def build_fragments(lex: dict, frags: dict) -> dict:
    placeholders = {
        "MONTH": _alt(lex["months"], "month"),
        "WEEKDAY": _alt(lex["weekdays"], "weekday"),
        "SEASON": _alt(lex["seasons"], "season"),
        "POD": _alt(lex["parts_of_day"], "pod"),
        "RELDAY": _alt(lex["relative_days"], "relday"),
        "REF": _alt(lex["refs"], "ref"),
        "FREQ": _alt(lex["frequencies"], "freq"),
        "HOLIDAY": _alt(lex["holidays"], "holiday"),
        "UNIT": _alt(lex["units"]),
        "NUMBERS": _alt(lex["numbers"]),
    }
    # fragments may refer to each other and to the lexicon placeholders
    resolved = dict(placeholders)
    pending = dict(frags)
    for _ in range(5):
        for key, value in list(pending.items()):
            resolved[key] = _expand(value, resolved)
    return resolved


def _expand(pattern: str, fragments: dict) -> str:
    def sub(m):
        key = m.group(1)
        return fragments.get(key, m.group(0))

    for _ in range(4):
        new = re.sub(r"\{([A-Z_]+)\}", sub, pattern)
        if new == pattern:
            break
        pattern = new
    return pattern


def required_literals(regex: re.Pattern) -> Optional[frozenset]:
    """Lower-case strings one of which must occur in any match of ``regex`` (case-insensitive), or None.

    Derived from the parsed pattern: a run of literal characters is required when it is not inside an
    optional part; a group requires what its most selective element requires; an alternation requires one
    of its branches' requirements. Lookarounds, character classes and optional parts require nothing.
    """
    found = _requirement(regex)
    return found[0] if found else None


def _requirement(regex: re.Pattern) -> Optional[tuple[frozenset, list, list]]:
    """(required literals, the parsed pattern up to where they end, the parsed pattern), or None."""
    sp = _sre_parser()
    try:
        parsed = list(sp.parse(regex.pattern, regex.flags))
    except Exception:  # pragma: no cover - a pattern re accepted but the parser does not: no prefilter
        return None
    found = _seq_literals(parsed, sp)
    if not found:
        return None
    literals, upto = found
    # "monday" is redundant next to "mon": any text containing the longer contains the shorter (and where
    # the longer ends in a match, the shorter ends at the latest)
    return frozenset(w for w in literals if not any(o != w and o in w for o in literals)), upto, parsed


def _seq_literals(items: list, sp) -> Optional[tuple[frozenset, list]]:
    """Required literals of a parsed sequence and the sequence from its start to the end of them, a
    pattern as wide as the furthest they can end in a match (``sp``: the regex parser module, holder of
    the opcodes)."""
    options: list[tuple[frozenset, list]] = []
    run: list[str] = []
    for i, (op, av) in enumerate(items):
        if op is sp.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            options.append((frozenset(["".join(run)]), items[:i]))
            run = []
        sub = None
        if op is sp.SUBPATTERN:
            inner = _seq_literals(list(av[3]), sp)
            if inner:
                sub = inner[0], (sp.SUBPATTERN, (None, av[1], av[2], inner[1]))
        elif op is sp.BRANCH:
            subs = [_seq_literals(list(b), sp) for b in av[1]]
            if not any(x is None for x in subs):
                sub = frozenset().union(*(x[0] for x in subs)), (sp.BRANCH, (None, [x[1] for x in subs]))
        elif op in (sp.MAX_REPEAT, sp.MIN_REPEAT) and av[0] >= 1:
            inner = _seq_literals(list(av[2]), sp)
            if inner:  # the first repetition holds them
                sub = inner[0], (sp.SUBPATTERN, (None, 0, 0, inner[1]))
        if sub and sub[0]:
            options.append((sub[0], items[:i] + [sub[1]]))
    if run:
        options.append((frozenset(["".join(run)]), items))
    if not options:
        return None
    # the most selective requirement: longest shortest string, then fewest alternatives
    return max(options, key=lambda o: (min(len(w) for w in o[0]), -len(o[0])))


def _sre_parser():
    try:
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    return sre_parse


class MatchExtent:
    """Where in a match of a regex its required literals (``required_literals``) end at the furthest, and
    how far the regex engine reads from the position where it tries a match, in a given text.

    Derived from the parsed pattern: a character (class) is one character wide, an alternation as wide as its
    widest branch, a bounded repetition as wide as its maximum. An unbounded repetition of one character
    (``\\s+``, ``\\d*``) has no width of its own, but in a given text it cannot consume more than that text's
    longest run of such characters: ``run_patterns`` find those runs, ``bounds`` takes their lengths.
    The reach counts what the engine reads without consuming it too (lookaheads, word boundaries, the
    character that ends a repetition): a match attempt behaves the same on any text that agrees on it.
    """

    def __init__(self, upto_literals: list, parsed: list, flags: int, runs: tuple):
        self._upto_literals = upto_literals
        self._parsed = parsed
        self._flags = flags
        self._runs = runs  # (one-character regex, flags) of each unbounded repetition
        self.run_patterns = tuple(re.compile(f"(?:{cls}){{2,}}", fl) for cls, fl in runs)  # runs of 2 and more
        self._bounds: dict[tuple, tuple[int, int]] = {}

    def bounds(self, runs: tuple) -> tuple[int, int]:
        """(literals' end, reach) from the start of a match, given the longest run in the text of each of
        ``run_patterns`` (same order; 1 stands for any shorter run)."""
        got = self._bounds.get(runs)
        if got is None:
            longest = dict(zip(self._runs, runs))

            def run_length(cls: str, flags: int) -> int:
                return longest[cls, flags]

            literals_end = _extent(self._upto_literals, self._flags, run_length)
            whole = _extent(self._parsed, self._flags, run_length)
            assert literals_end is not None and whole is not None  # bounded, checked by match_extent
            if len(self._bounds) > 4096:  # texts with unusual runs must not grow the cache without end
                self._bounds.clear()
            got = self._bounds[runs] = literals_end[0], whole[1]
        return got


def match_extent(regex: re.Pattern) -> Optional[MatchExtent]:
    """The ``MatchExtent`` of ``regex``, or None when it has no required literals or a match can be
    arbitrarily long whatever the text (an unbounded repetition of more than one character, a
    backreference, a construct not analysed)."""
    found = _requirement(regex)
    if not found:
        return None
    _literals, upto, parsed = found
    classes: dict[tuple[str, int], None] = {}

    def record(cls: str, flags: int) -> int:
        classes[(cls, flags)] = None
        return 1

    if _extent(parsed, regex.flags, record) is None or _extent(upto, regex.flags, record) is None:
        return None
    return MatchExtent(upto, parsed, regex.flags, tuple(classes))


def _extent(items: list, flags: int, run_length) -> Optional[tuple[int, int]]:
    """(width, reach) of a parsed sequence from where it starts (see MatchExtent), or None when unbounded.

    ``run_length(cls, flags)``: the most characters an unbounded repetition of the one-character regex
    ``cls`` can consume."""
    sp = _sre_parser()
    width = reach = 0
    for op, av in items:
        if op in (sp.LITERAL, sp.NOT_LITERAL, sp.IN, sp.ANY, sp.CATEGORY):
            w, r = 1, 1
        elif op is sp.AT:  # a boundary looks at the character at the position (and the one before)
            w, r = 0, 1
        elif op is sp.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            got = _extent(list(sub), (flags | add_flags) & ~del_flags, run_length)
            if got is None:
                return None
            w, r = got
        elif op is sp.ATOMIC_GROUP:
            got = _extent(list(av), flags, run_length)
            if got is None:
                return None
            w, r = got
        elif op is sp.BRANCH:
            got = [_extent(list(b), flags, run_length) for b in av[1]]
            if any(g is None for g in got):
                return None
            w, r = max(g[0] for g in got), max(g[1] for g in got)
        elif op in (sp.MAX_REPEAT, sp.MIN_REPEAT, getattr(sp, "POSSESSIVE_REPEAT", sp.MAX_REPEAT)):
            _least, hi, sub = av
            got = _extent(list(sub), flags, run_length)
            if got is None:
                return None
            if hi is sp.MAXREPEAT:
                cls = _one_character(list(sub))
                if cls is None:
                    return None
                hi = run_length(cls, flags)
            # the repetition reads one character past its last one (to see that it ends)
            w, r = hi * got[0], hi * got[0] + got[1]
        elif op in (sp.ASSERT, sp.ASSERT_NOT):
            direction, sub = av
            got = _extent(list(sub), flags, run_length)
            if got is None:
                return None
            # a lookbehind of width k reads from k characters back: only what it reads past the position counts
            w, r = 0, got[1] if direction == 1 else max(0, got[1] - got[0])
        else:  # backreferences, conditionals: not analysed
            return None
        reach = max(reach, width + r)
        width += w
    return width, max(reach, width)


def _one_character(items: list) -> Optional[str]:
    """``items`` as a regex matching one character (a class), when they are one character or class."""
    sp = _sre_parser()
    if len(items) != 1:
        return None
    op, av = items[0]
    if op is sp.LITERAL:
        return "[" + re.escape(chr(av)) + "]"
    if op is sp.NOT_LITERAL:
        return "[^" + re.escape(chr(av)) + "]"
    if op is sp.ANY:
        return "(?s:.)"  # with or without DOTALL: at least what it matches
    if op is not sp.IN:
        return None
    categories = {sp.CATEGORY_DIGIT: r"\d", sp.CATEGORY_NOT_DIGIT: r"\D", sp.CATEGORY_SPACE: r"\s",
                  sp.CATEGORY_NOT_SPACE: r"\S", sp.CATEGORY_WORD: r"\w", sp.CATEGORY_NOT_WORD: r"\W"}
    parts = []
    for member, value in av:
        if member is sp.NEGATE:
            parts.insert(0, "^")
        elif member is sp.LITERAL:
            parts.append(re.escape(chr(value)))
        elif member is sp.RANGE:
            parts.append(re.escape(chr(value[0])) + "-" + re.escape(chr(value[1])))
        elif member is sp.CATEGORY and value in categories:
            parts.append(categories[value])
        else:
            return None
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=4)
def load_lexicon(data_dir: Optional[str] = None) -> Lexicon:
    """Read the lexicon and the rules once (cached)."""
    global DATA_DIR
    if data_dir is not None:
        base = Path(data_dir)
    else:
        base = DATA_DIR
    with open(base / "lexicon.toml", "rb") as fh:
        lex = tomllib.load(fh)
    with open(base / "patterns.toml", "rb") as fh:
        pats = tomllib.load(fh)
    fragments = build_fragments(lex, pats.get("fragments", {}))
    rules = []
    for spec in pats["rule"]:
        body = _expand(spec["pattern"], fragments)
        if re.search(r"\{[A-Z_]+\}", body):
            raise ValueError(f"timex rule {spec['name']}: unresolved placeholder in {body!r}")
        try:
            # a leading \b lets the regex engine skip positions inside words quickly (rules whose match can
            # begin with a non-word character, like "'80s", set word_start = false)
            lead = r"\b" if spec.get("word_start", True) else ""
            regex = re.compile(lead + r"(?<![\w$£€'’])(?:" + body + r")(?![\w]|-\w)", re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"timex rule {spec['name']}: bad pattern: {exc}") from None
        rules.append(Rule(spec["name"], spec["kind"], spec.get("type", "auto"), int(spec.get("priority", 5)), regex,
                          required_literals(regex), match_extent(regex)))
    return Lexicon(
        months={k.lower(): int(v) for k, v in lex["months"].items()},
        weekdays={k.lower(): int(v) for k, v in lex["weekdays"].items()},
        seasons={k.lower(): v for k, v in lex["seasons"].items()},
        parts_of_day={k.lower(): v for k, v in lex["parts_of_day"].items()},
        numbers={k.lower(): v for k, v in lex["numbers"].items()},
        vague_numbers=frozenset(w.lower() for w in lex["vague_numbers"]["words"]),
        ordinals={k.lower(): int(v) for k, v in lex["ordinals"].items()},
        units={k.lower(): v for k, v in lex["units"].items()},
        relative_days={k.lower(): int(v) for k, v in lex["relative_days"].items()},
        refs={k.lower(): v for k, v in lex["refs"].items()},
        frequencies={k.lower(): v for k, v in lex["frequencies"].items()},
        holidays={k.lower(): v for k, v in lex["holidays"].items()},
        abbrev_need_period=frozenset(lex["abbrev_need_period"]["words"]),
        tense=lex["tense"],
        rules=tuple(rules),
        periods={k: re.compile(v, re.IGNORECASE) for k, v in lex.get("periods", {}).items()},
    )
