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
        rules.append(Rule(spec["name"], spec["kind"], spec.get("type", "auto"), int(spec.get("priority", 5)), regex))
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
