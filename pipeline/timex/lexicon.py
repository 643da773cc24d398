"""Load the temporal lexicon and rule tables from ``pipeline/data/timex``."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
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
    try:
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags)
    except Exception:  # pragma: no cover - a pattern re accepted but the parser does not: no prefilter
        return None
    found = _seq_literals(list(parsed), sre_parse)
    if not found:
        return None
    # "monday" is redundant next to "mon": any text containing the longer contains the shorter
    return frozenset(w for w in found if not any(o != w and o in w for o in found))


def _seq_literals(items: list, sp) -> Optional[frozenset]:
    """Required literals of a parsed sequence (``sp``: the regex parser module, holder of the opcodes)."""
    options: list[frozenset] = []
    run: list[str] = []
    for op, av in items:
        if op is sp.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        if op is sp.SUBPATTERN:
            sub = _seq_literals(list(av[3]), sp)
        elif op is sp.BRANCH:
            subs = [_seq_literals(list(b), sp) for b in av[1]]
            sub = None if any(x is None for x in subs) else frozenset().union(*subs)
        elif op in (sp.MAX_REPEAT, sp.MIN_REPEAT) and av[0] >= 1:
            sub = _seq_literals(list(av[2]), sp)
        else:
            sub = None
        if sub:
            options.append(sub)
    if run:
        options.append(frozenset(["".join(run)]))
    if not options:
        return None
    # the most selective requirement: longest shortest string, then fewest alternatives
    return max(options, key=lambda o: (min(len(w) for w in o), -len(o)))


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
                          required_literals(regex)))
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
    )
