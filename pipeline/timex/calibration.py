"""Confidence of a timex: smoothed accuracy of its rule family and anchor kind.

The table (``pipeline/data/timex/calibration.json``) holds counts of correct
(span and value both right) and total predictions per ``rule|anchor`` key,
fitted on TBAQ; probabilities are Laplace-smoothed hierarchically
(key -> rule -> global).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .lexicon import DATA_DIR

CALIBRATION_PATH = DATA_DIR / "calibration.json"
STRENGTH = 2.0


def key_of(rule: str, anchor_source: Optional[str]) -> str:
    return f"{rule}|{anchor_source or 'absolute'}"


class Calibrator:
    def __init__(self, counts: dict[str, list[float]], strength: float = STRENGTH):
        self.counts = counts
        self.strength = strength
        tot_c = sum(c for c, n in counts.values())
        tot_n = sum(n for c, n in counts.values())
        self.p_global = (tot_c + 1) / (tot_n + 2)
        self.rule: dict[str, list[float]] = {}
        for key, (c, n) in counts.items():
            r = key.split("|")[0]
            acc = self.rule.setdefault(r, [0.0, 0.0])
            acc[0] += c
            acc[1] += n

    def probability(self, rule: str, anchor_source: Optional[str]) -> float:
        a = self.strength
        rc, rn = self.rule.get(rule, (0.0, 0.0))
        p_rule = (rc + a * self.p_global) / (rn + a)
        c, n = self.counts.get(key_of(rule, anchor_source), (0.0, 0.0))
        return round((c + a * p_rule) / (n + a), 4)

    @classmethod
    def fit(cls, outcomes: list[tuple[str, Optional[str], bool]]) -> "Calibrator":
        counts: dict[str, list[float]] = {}
        for rule, src, ok in outcomes:
            acc = counts.setdefault(key_of(rule, src), [0.0, 0.0])
            acc[0] += 1.0 if ok else 0.0
            acc[1] += 1.0
        return cls(counts)

    def save(self, path: Path = CALIBRATION_PATH, meta: Optional[dict] = None) -> None:
        data = {"strength": self.strength, "counts": self.counts, "meta": meta or {}}
        Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


@lru_cache(maxsize=4)
def load_calibrator(path: Optional[str] = None) -> Calibrator:
    p = Path(path) if path else CALIBRATION_PATH
    if not p.exists():
        return Calibrator({})
    data = json.loads(p.read_text())
    return Calibrator({k: list(v) for k, v in data["counts"].items()}, data.get("strength", STRENGTH))
