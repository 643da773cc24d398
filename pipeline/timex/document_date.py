"""Infer the date an article speaks from when its metadata has none.

The evidence is the article's own temporal expressions: explicit full dates
(and whether a written weekday agrees with them), explicit months/years, and
underspecified weekdays and month-days together with the tense of their
sentences. Every day near the evidence is scored as a candidate writing date;
the best one wins. Nothing here reads the system clock.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple, Optional

from ..extensions import DocumentDate
from .normalize import bounds, resolve_month, resolve_month_day, resolve_weekday


class Evidence(NamedTuple):
    kind: str  # "full" | "partial" | "weekday" | "month_day" | "month"
    value: object  # date for full, (begin, end) dates for partial, int weekday, (m, d), month int
    tense: Optional[str]  # "past" | "future" | "present" | None
    weekday_agrees: Optional[bool] = None  # full dates written with a weekday


def _parse(s: Optional[str]) -> Optional[date]:
    if not s:
        return None
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        return None


def partial_evidence(value: str, tense: Optional[str]) -> Optional[Evidence]:
    b, e, _ = bounds(value)
    b, e = _parse(b), _parse(e)
    if b is None or e is None:
        return None
    return Evidence("partial", (b, e), tense)


def infer_document_date(evidence: list[Evidence]) -> DocumentDate:
    """Most plausible writing date given the evidence (pure function)."""
    full = [ev for ev in evidence if ev.kind == "full"]
    partial = [ev for ev in evidence if ev.kind == "partial"]
    weekdays = [ev for ev in evidence if ev.kind == "weekday"]
    month_days = [ev for ev in evidence if ev.kind == "month_day"]
    months = [ev for ev in evidence if ev.kind == "month"]
    years = sorted({ev.value[0].year for ev in partial} | {ev.value[1].year for ev in partial}
                   | {ev.value.year for ev in full})
    candidates: set[date] = set()
    for ev in full:
        for k in range(-7, 15):
            candidates.add(ev.value + timedelta(days=k))
    if years:
        ys = set(years) | {years[-1] + 1}
        for (m, d) in (ev.value for ev in month_days):
            for y in ys:
                try:
                    x = date(y, m, d)
                except ValueError:
                    continue
                for k in range(-10, 3):
                    candidates.add(x + timedelta(days=k))
    if not candidates:
        return DocumentDate(None, "none", 0.0)

    latest_full = max((ev.value for ev in full), default=None)

    def cost(D: date) -> float:
        c = 0.0
        for ev in full:
            x = ev.value
            if ev.tense == "past" and x > D:
                c += 5
            elif ev.tense == "future" and x < D:
                c += 5
            elif ev.tense in (None, "present") and x > D:
                c += 1
        if latest_full is not None:
            c += 0.5 * abs((D - latest_full).days)
        for ev in partial:
            b, e = ev.value
            if b > D:
                c += 0 if ev.tense == "future" else (5 if ev.tense == "past" else 2)
            elif (D - e).days > 3 * 366:
                c += 0.05  # old references are fine but slightly less telling
        days: list[date] = []
        for ev in weekdays:
            x = resolve_weekday(D, ev.value, ev.tense if ev.tense in ("past", "future") else None)
            if ev.tense == "future" and x == D:
                c += 1.5
            days.append(x)
        for ev in month_days:
            m, d = ev.value
            x = resolve_month_day(D, m, d, ev.tense if ev.tense in ("past", "future") else None)
            if x is None:
                continue
            c += min(abs((x - D).days), 60) / 10
            days.append(x)
        for ev in months:
            y = resolve_month(D, ev.value, ev.tense if ev.tense in ("past", "future") else None)
            if ev.tense == "future" and (y, ev.value) < (D.year, D.month):
                c += 1
        c += 0.2 * sum(min(abs((x - D).days), 30) for x in days)
        return c

    scored = sorted((cost(D), D) for D in candidates)
    best_cost, best = scored[0]
    # confidence: how much the evidence pins the date down
    conf = 0.35
    if full:
        conf += 0.25
        if any(ev.weekday_agrees for ev in full):
            conf += 0.15
        if any(ev.weekday_agrees is False for ev in full):
            conf -= 0.15
    if weekdays:
        conf += 0.1
    if month_days and years:
        conf += 0.1
    runner_up = next((c for c, D in scored[1:] if D != best), None)
    if runner_up is not None and runner_up - best_cost < 0.5:
        conf -= 0.1
    if best_cost >= 5:
        conf -= 0.15
    conf = max(0.05, min(0.9, conf))
    return DocumentDate(best.isoformat(), "inferred", round(conf, 3))
