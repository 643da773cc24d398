"""``newsie report``: one self-contained HTML page to inspect a run's tables.

The page needs no network: CSS and the small script are inline, the timeline is
inline SVG drawn here. Every string from the data (article text, names, labels,
error messages) is HTML-escaped, and a Content-Security-Policy allows only the
page's own script (by hash), so an article containing markup cannot run code
even if a string slipped through unescaped. The output is deterministic: the
same tables give the same bytes.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable, Optional, Union

import pandas as pd

from .api import OutputsError, check_outputs_dir, frame_rows, is_missing, load  # noqa: F401  (OutputsError re-exported)
from .store import atomic_path

# displaCy-like colours per entity label.
LABEL_COLOURS = {
    "PERSON": "#aa9cfc", "ORG": "#7aecec", "GPE": "#feca74", "LOC": "#ff9561",
    "NORP": "#c887fb", "FAC": "#9cc9cc", "EVENT": "#ffeb80", "LAW": "#ff8197",
    "PRODUCT": "#bfeeb7", "MISC": "#e4e7d2",
}
DEFAULT_LABEL_COLOUR = "#dddddd"
TIMEX_COLOUR = "#bfe1d9"

CAMEO_ROOTS = {
    "01": "Make public statement", "02": "Appeal", "03": "Express intent to cooperate",
    "04": "Consult", "05": "Engage in diplomatic cooperation", "06": "Engage in material cooperation",
    "07": "Provide aid", "08": "Yield", "09": "Investigate", "10": "Demand", "11": "Disapprove",
    "12": "Reject", "13": "Threaten", "14": "Protest", "15": "Exhibit force posture",
    "16": "Reduce relations", "17": "Coerce", "18": "Assault", "19": "Fight",
    "20": "Use unconventional mass violence",
}
# Cooperative roots in blues/greens, conflictual ones in oranges/reds.
CAMEO_COLOURS = {
    "01": "#9ecae1", "02": "#6baed6", "03": "#4292c6", "04": "#2171b5", "05": "#08519c",
    "06": "#41ab5d", "07": "#238b45", "08": "#74c476", "09": "#807dba", "10": "#fdae6b",
    "11": "#fd8d3c", "12": "#f16913", "13": "#d94801", "14": "#e7298a", "15": "#a63603",
    "16": "#8c6d31", "17": "#cb181d", "18": "#a50f15", "19": "#67000d", "20": "#000000",
}
UNKNOWN_ROOT_COLOUR = "#969696"
OPEN_ARTICLES = 3  # the first few articles are expanded


# ---------------------------------------------------------------- small helpers

def esc(value: Any) -> str:
    """HTML-escape any value for text or a quoted attribute (None -> "")."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def _conf(value: Any) -> Optional[float]:
    return None if is_missing(value) else float(value)


def _fmt_conf(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.2f}"


def _css_token(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", value)


def cameo_root(event_type: Optional[str]) -> str:
    """First two digits of a CAMEO code ("0431" -> "04"), or "" if not a code."""
    m = re.match(r"\s*(\d{2})", event_type or "")
    return m.group(1) if m else ""


_DAY_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|[T ])")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})")


def parse_day(value: Optional[str]) -> Optional[dt.date]:
    """A TIMEX value or ISO date as a day: 2026-01-05, 2026-01 (-> the 1st), 2026-W02 (-> Monday), 2026."""
    if not value:
        return None
    value = value.strip()
    try:
        m = _WEEK_RE.match(value)
        if m:
            return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        m = _DAY_RE.match(value)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None
    return None


def _safe_url(url: Optional[str]) -> Optional[str]:
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


class _Ctx:
    """Lookups shared by the sections."""

    def __init__(self, tables: dict[str, pd.DataFrame], min_confidence: float) -> None:
        self.min_confidence = float(min_confidence)
        self.docs = sorted(frame_rows(tables["documents"]), key=lambda r: r["doc_id"])
        self.doc_index = {d["doc_id"]: i for i, d in enumerate(self.docs)}
        self.entities = sorted(frame_rows(tables["entities"]), key=lambda r: r["entity_id"])
        self.entity = {e["entity_id"]: e for e in self.entities}
        self.clusters = sorted(frame_rows(tables["event_clusters"]), key=lambda r: r["cluster_id"])
        self.cluster_index = {c["cluster_id"]: i for i, c in enumerate(self.clusters)}
        self.mentions_by_id: dict[str, dict] = {}
        self.by_doc: dict[str, dict[str, list[dict]]] = {}
        for table in ("texts", "sentences", "mentions", "timexes", "relations", "events", "errors"):
            for row in frame_rows(tables[table]):
                self.by_doc.setdefault(row["doc_id"], {}).setdefault(table, []).append(row)
                if table == "mentions":
                    self.mentions_by_id[row["mention_id"]] = row
        self.events = frame_rows(tables["events"])
        self.event_by_id = {e["event_id"]: e for e in self.events}
        self.errors = frame_rows(tables["errors"])
        self.counts = {t: len(df) for t, df in tables.items()}

    def rows(self, doc_id: str, table: str) -> list[dict]:
        return self.by_doc.get(doc_id, {}).get(table, [])

    def conf_attrs(self, value: Any, classes: Iterable[str] = ()) -> str:
        """` class="… low" data-conf="0.873"` for an element that the slider filters."""
        c = _conf(value)
        classes = [x for x in classes if x]
        if c is not None and c < self.min_confidence:
            classes.append("low")
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        if c is not None:
            attrs += f' data-conf="{c:.3f}"'
        return attrs

    def entity_name(self, entity_id: Optional[str], fallback: Optional[str] = None) -> str:
        ent = self.entity.get(entity_id or "")
        if ent is not None and ent["name"]:
            return ent["name"]
        return fallback or entity_id or ""

    def doc_link(self, doc_id: str) -> str:
        i = self.doc_index.get(doc_id)
        if i is None:
            return esc(doc_id)
        return f'<a href="#doc-{i}">{esc(doc_id)}</a>'

    def cluster_link(self, cluster_id: Optional[str]) -> str:
        i = self.cluster_index.get(cluster_id or "")
        if i is None:
            return esc(cluster_id)
        return f'<a href="#cl-{i}" title="{esc(cluster_id)}">cluster {i + 1}</a>'


# ---------------------------------------------------------------- sections

def _summary(ctx: _Ctx) -> str:
    docs = ctx.docs
    n = {s: sum(1 for d in docs if d["status"] == s) for s in ("ok", "error", "skipped")}
    published = sorted(d["published"][:10] for d in docs if d["published"])
    span = f"{published[0]} – {published[-1]}" if published else "—"
    items = [
        ("documents", len(docs), "n-documents"), ("ok", n["ok"], "n-ok"),
        ("failed", n["error"], "n-failed"), ("skipped", n["skipped"], "n-skipped"),
        ("published", span, "published-span"),
    ]
    out = ['<section id="summary"><h2>Corpus</h2><dl class="stats">']
    for label, value, ident in items:
        out.append(f'<div><dt>{esc(label)}</dt><dd id="{ident}">{esc(value)}</dd></div>')
    out.append("</dl>")
    out.append('<p class="rows">Rows: ' + ", ".join(
        f'<span class="count" id="rows-{esc(t)}">{esc(t)} {c}</span>' for t, c in ctx.counts.items()) + "</p>")

    failed = [d for d in docs if d["status"] != "ok"]
    out.append(f'<h3>Documents not processed ({len(failed)})</h3>')
    if failed:
        out.append('<table id="failures"><thead><tr><th>doc_id</th><th>path</th><th>status</th>'
                   '<th>reason</th></tr></thead><tbody>')
        for d in failed:
            out.append(f'<tr class="st-{_css_token(d["status"] or "")}"><td>{ctx.doc_link(d["doc_id"])}</td>'
                       f'<td>{esc(d["path"])}</td><td>{esc(d["status"])}</td><td>{esc(d["error"])}</td></tr>')
        out.append("</tbody></table>")
    else:
        out.append('<p class="none">Every document was processed.</p>')
    if ctx.errors:
        out.append(f'<details><summary>All problems logged ({len(ctx.errors)})</summary>'
                   '<table id="errors"><thead><tr><th>doc_id</th><th>path</th><th>stage</th><th>message</th>'
                   '</tr></thead><tbody>')
        for e in sorted(ctx.errors, key=lambda e: (e["doc_id"] or "", e["stage"] or "", e["message"] or "")):
            out.append(f'<tr><td>{ctx.doc_link(e["doc_id"])}</td><td>{esc(e["path"])}</td>'
                       f'<td>{esc(e["stage"])}</td><td>{esc(e["message"])}</td></tr>')
        out.append("</tbody></table></details>")
    out.append("</section>")
    return "\n".join(out)


def _cluster_day(ctx: _Ctx, cluster: dict) -> Optional[dt.date]:
    day = parse_day(cluster["date"])
    if day is not None:
        return day
    events = (ctx.event_by_id.get(i) for i in cluster["event_ids"] or [])
    days = sorted(d for d in (parse_day(e["date"]) for e in events if e is not None) if d)
    return days[0] if days else None


def _timeline_points(ctx: _Ctx) -> tuple[list[dict], int]:
    """One point per event cluster (events without a cluster count as their own)."""
    points = []
    for i, c in enumerate(ctx.clusters):
        points.append(dict(day=_cluster_day(ctx, c), key=c["cluster_id"], href=f"#cl-{i}",
                           name=f"cluster {i + 1}", event_type=c["event_type"], label=c["event_label"],
                           source=c["source_id"], target=c["target_id"], n_docs=c["n_docs"] or 1,
                           n_events=c["n_events"] or 1, conf=c["confidence"], date=c["date"]))
    for e in sorted(ctx.events, key=lambda e: e["event_id"]):
        if e["cluster_id"] in ctx.cluster_index:
            continue
        i = ctx.doc_index.get(e["doc_id"])
        points.append(dict(day=parse_day(e["date"]), key=e["event_id"], href=f"#doc-{i}" if i is not None else "",
                           name=e["event_id"], event_type=e["event_type"], label=e["event_label"],
                           source=e["source_id"], target=e["target_id"], n_docs=1, n_events=1,
                           conf=e["confidence"], date=e["date"]))
    dated = sorted((p for p in points if p["day"] is not None), key=lambda p: (p["day"], p["key"]))
    return dated, len(points) - len(dated)


def _ticks(d0: dt.date, d1: dt.date) -> list[tuple[dt.date, str]]:
    days = (d1 - d0).days
    ticks: list[tuple[dt.date, str]] = []
    if days <= 16:
        d = d0
        while d <= d1:
            ticks.append((d, d.strftime("%d %b")))
            d += dt.timedelta(days=1)
    elif days <= 120:
        d = d0 + dt.timedelta(days=(7 - d0.weekday()) % 7)  # Mondays
        while d <= d1:
            ticks.append((d, d.strftime("%d %b")))
            d += dt.timedelta(days=7)
    elif days <= 3 * 366:
        step = 1 if days <= 400 else 3
        y, m = d0.year, d0.month
        while True:
            d = dt.date(y, m, 1)
            if d > d1:
                break
            if d >= d0 and (m - 1) % step == 0:
                ticks.append((d, d.strftime("%b %Y")))
            m += 1
            if m > 12:
                y, m = y + 1, 1
    else:
        step = max(1, math.ceil((d1.year - d0.year) / 12))
        for y in range(d0.year, d1.year + 1):
            d = dt.date(y, 1, 1)
            if d0 <= d <= d1 and (y - d0.year) % step == 0:
                ticks.append((d, str(y)))
    return ticks


def _timeline(ctx: _Ctx) -> str:
    points, undated = _timeline_points(ctx)
    out = ['<section id="timeline"><h2>Events timeline</h2>']
    if not points:
        out.append('<p class="none">No dated events.</p>')
        if undated:
            out.append(f'<p class="note">{undated} event cluster(s) without a usable date.</p>')
        out.append("</section>")
        return "\n".join(out)
    left, right, top, bottom, row_h, width = 260, 30, 20, 46, 18, 1100
    height = top + row_h * len(points) + bottom
    d0 = min(p["day"] for p in points)
    d1 = max(p["day"] for p in points)
    pad = dt.timedelta(days=max(1, round((d1 - d0).days * 0.04)))
    d0, d1 = d0 - pad, d1 + pad
    span = (d1 - d0).days
    plot_w = width - left - right

    def x(day: dt.date) -> float:
        return left + (day - d0).days / span * plot_w

    svg = [f'<svg id="timeline-svg" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="Event clusters by date">']
    axis_y = top + row_h * len(points) + 4
    for day, text in _ticks(d0, d1):
        tx = f"{x(day):.1f}"
        svg.append(f'<line class="grid" x1="{tx}" y1="{top - 6}" x2="{tx}" y2="{axis_y}"/>'
                   f'<text class="tick" x="{tx}" y="{axis_y + 16}" text-anchor="middle">{esc(text)}</text>')
    svg.append(f'<line class="axis" x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}"/>')
    svg.append(f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">date</text>')
    for i, p in enumerate(points):
        cy = top + row_h * i + row_h / 2
        root = cameo_root(p["event_type"])
        colour = CAMEO_COLOURS.get(root, UNKNOWN_ROOT_COLOUR)
        n_docs = max(int(p["n_docs"]), 1)
        r = min(3.5 + 2.5 * math.sqrt(n_docs), row_h * 0.9)
        src = ctx.entity_name(p["source"]) or "?"
        tgt = ctx.entity_name(p["target"]) or "?"
        label = f'{p["label"] or p["event_type"] or "event"}: {src} → {tgt}'
        short = label if len(label) <= 40 else label[:39] + "…"
        tip = (f'{p["name"]}\ndate: {p["date"] or "?"} ({p["day"].isoformat()})\n'
               f'CAMEO {p["event_type"] or "?"} {p["label"] or ""} (root {root or "?"}: '
               f'{CAMEO_ROOTS.get(root, "unknown")})\n{src} → {tgt}\n'
               f'documents: {n_docs}, events: {p["n_events"]}\nconfidence: {_fmt_conf(_conf(p["conf"]))}')
        svg.append(f'<g{ctx.conf_attrs(p["conf"], ["pt", "root-" + (root or "xx")])}>'
                   f'<text class="row-label" x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end">{esc(short)}</text>'
                   f'<line class="row" x1="{left}" y1="{cy:.1f}" x2="{width - right}" y2="{cy:.1f}"/>'
                   f'<a href="{esc(p["href"])}"><circle cx="{x(p["day"]):.1f}" cy="{cy:.1f}" r="{r:.1f}" '
                   f'fill="{colour}"><title>{esc(tip)}</title></circle></a></g>')
    svg.append("</svg>")
    out.append('<div class="svgwrap">' + "".join(svg) + "</div>")
    roots = sorted({cameo_root(p["event_type"]) for p in points})
    out.append('<p class="legend">CAMEO root: ' + " ".join(
        f'<span class="sw" style="background:{CAMEO_COLOURS.get(r, UNKNOWN_ROOT_COLOUR)}"></span>'
        f'{esc(r or "?")} {esc(CAMEO_ROOTS.get(r, "unknown"))}' for r in roots)
        + ' · marker size: number of reporting documents</p>')
    if undated:
        out.append(f'<p class="note">{undated} event cluster(s) without a usable date are not plotted.</p>')
    out.append("</section>")
    return "\n".join(out)


class _Span:
    __slots__ = ("start", "end", "prio", "open", "close", "children")

    def __init__(self, start: int, end: int, prio: int, open_: str, close: str) -> None:
        self.start, self.end, self.prio, self.open, self.close = start, end, prio, open_, close
        self.children: list[_Span] = []


def render_marked_text(text: str, spans: list[_Span]) -> str:
    """Escaped ``text`` with ``spans`` wrapped around their characters.

    Spans nest (a date inside an event name); a span crossing another span's
    boundary is left out.
    """
    root = _Span(0, len(text), -1, "", "")
    stack = [root]
    spans = [s for s in spans if isinstance(s.start, int) and isinstance(s.end, int)]
    for s in sorted(spans, key=lambda s: (s.start, -s.end, s.prio)):
        if not (0 <= s.start < s.end <= len(text)):
            continue
        while len(stack) > 1 and stack[-1].end <= s.start:
            stack.pop()
        if s.end > stack[-1].end:
            continue  # crosses the enclosing span
        stack[-1].children.append(s)
        stack.append(s)

    def emit(node: _Span) -> str:
        parts = [node.open]
        pos = node.start
        for child in node.children:
            parts.append(esc(text[pos:child.start]))
            parts.append(emit(child))
            pos = child.end
        parts.append(esc(text[pos:node.end]))
        parts.append(node.close)
        return "".join(parts)

    return emit(root)


def _article(ctx: _Ctx, i: int, d: dict) -> str:
    doc_id = d["doc_id"]
    opened = " open" if i < OPEN_ARTICLES else ""
    mentions = ctx.rows(doc_id, "mentions")
    timexes = ctx.rows(doc_id, "timexes")
    relations = ctx.rows(doc_id, "relations")
    events = ctx.rows(doc_id, "events")
    status = d["status"] or "?"
    heading = f'{esc(doc_id)}' + (f' — {esc(d["title"])}' if d["title"] else "")
    counts = f'{len(mentions)} mentions, {len(timexes)} dates, {len(relations)} relations, {len(events)} events'
    out = [f'<details class="article st-{_css_token(status)}" id="doc-{i}"{opened}>'
           f'<summary><span class="doc-id">{heading}</span> <span class="badge st-{_css_token(status)}">'
           f'{esc(status)}</span> <span class="muted">{esc(counts)}</span></summary>']
    meta = []
    if d["published"]:
        meta.append(f'published {esc(d["published"])} ({esc(d["published_source"])}, '
                    f'confidence {_fmt_conf(_conf(d["published_confidence"]))})')
    if d["source"]:
        meta.append(f'source {esc(d["source"])}')
    url = _safe_url(d["url"])
    if url:
        meta.append(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a>')
    elif d["url"]:
        meta.append(f'url {esc(d["url"])}')
    meta.append(f'path {esc(d["path"])}')
    if d["n_tokens"] is not None:
        meta.append(f'{d["n_tokens"]} tokens, {d["n_sentences"]} sentences')
    out.append('<p class="meta">' + " · ".join(meta) + "</p>")
    if status != "ok":
        out.append(f'<p class="error">{esc(d["error"])}</p></details>')
        return "\n".join(out)

    texts = ctx.rows(doc_id, "texts")
    text = (texts[0]["text"] or "") if texts else ""
    spans: list[_Span] = []
    for s in ctx.rows(doc_id, "sentences"):
        if s["is_heading"]:
            spans.append(_Span(s["start_char"], s["end_char"], 0, '<strong class="heading">', "</strong>"))
    for m in mentions:
        label = m["label"] or "?"
        ent = ctx.entity.get(m["entity_id"] or "")
        tip = [label]
        if ent is not None:
            tip.append(f'entity: {ent["name"]} ({m["entity_id"]})')
        elif m["entity_id"]:
            tip.append(f'entity: {m["entity_id"]}')
        for key in ("title", "country", "stage"):
            if m[key]:
                tip.append(f"{key}: {m[key]}")
        c = _conf(m["confidence"])
        tip.append(f"confidence: {_fmt_conf(c) or '?'}")
        attrs = ctx.conf_attrs(c, ["ent", "e-" + _css_token(label)])
        spans.append(_Span(m["start_char"], m["end_char"], 1,
                           f'<mark{attrs} title="{esc(chr(10).join(tip))}">',
                           f'<span class="lbl">{esc(label)}</span></mark>'))
    for t in timexes:
        c = _conf(t["confidence"])
        tip = [f'{t["type"] or "TIMEX"} {t["value"] or "?"}']
        if t["begin"] or t["end"]:
            tip.append(f'range: {t["begin"] or "?"} – {t["end"] or "?"}')
        if t["granularity"]:
            tip.append(f'granularity: {t["granularity"]}')
        if t["anchor"]:
            tip.append(f'anchor: {t["anchor"]} ({t["anchor_source"] or "?"})')
        tip.append(f"confidence: {_fmt_conf(c) or '?'}")
        attrs = ctx.conf_attrs(c, ["tx", "t-" + _css_token(t["type"] or "TIMEX")])
        spans.append(_Span(t["start_char"], t["end_char"], 2,
                           f'<mark{attrs} title="{esc(chr(10).join(tip))}">',
                           f'<span class="lbl">{esc(t["value"] or t["type"] or "?")}</span></mark>'))
    for e in events:
        c = _conf(e["confidence"])
        tip = f'event {e["event_type"] or "?"} {e["event_label"] or ""}\nconfidence: {_fmt_conf(c) or "?"}'
        spans.append(_Span(e["start_char"], e["end_char"], 3,
                           f'<span{ctx.conf_attrs(c, ["trig"])} title="{esc(tip)}">', "</span>"))
    out.append(f'<div class="text">{render_marked_text(text, spans)}</div>')

    if relations:
        out.append('<h4>Relations</h4><table class="rel"><thead><tr><th>subject</th><th>predicate</th>'
                   '<th>object</th><th>evidence</th><th>confidence</th></tr></thead><tbody>')
        for r in relations:
            subj_m = ctx.mentions_by_id.get(r["subject_mention_id"] or "")
            obj_m = ctx.mentions_by_id.get(r["object_mention_id"] or "")
            subj = ctx.entity_name(r["subject_id"], subj_m["text"] if subj_m else None)
            obj = ctx.entity_name(r["object_id"], (obj_m["text"] if obj_m else None) or r["object_text"])
            evidence = text[r["start_char"]:r["end_char"]] if r["start_char"] is not None else ""
            out.append(f'<tr{ctx.conf_attrs(r["confidence"])}><td>{esc(subj)}</td><td>{esc(r["predicate"])}</td>'
                       f'<td>{esc(obj)}</td><td class="evidence">{esc(evidence)}</td>'
                       f'<td class="num">{_fmt_conf(_conf(r["confidence"]))}</td></tr>')
        out.append("</tbody></table>")
    if events:
        out.append('<h4>Events</h4><table class="ev"><thead><tr><th>trigger</th><th>CAMEO</th><th>source</th>'
                   '<th>target</th><th>date</th><th>location</th><th>cluster</th><th>confidence</th>'
                   '</tr></thead><tbody>')
        for e in events:
            out.append(f'<tr{ctx.conf_attrs(e["confidence"])}><td>{esc(e["trigger"])}</td>'
                       f'<td>{esc(e["event_type"])} {esc(e["event_label"])}</td>'
                       f'<td>{esc(ctx.entity_name(e["source_id"]))}</td><td>{esc(ctx.entity_name(e["target_id"]))}</td>'
                       f'<td>{esc(e["date"])}</td><td>{esc(e["location"] or ctx.entity_name(e["location_id"]))}</td>'
                       f'<td>{ctx.cluster_link(e["cluster_id"])}</td>'
                       f'<td class="num">{_fmt_conf(_conf(e["confidence"]))}</td></tr>')
        out.append("</tbody></table>")
    out.append("</details>")
    return "\n".join(out)


def _articles(ctx: _Ctx) -> str:
    labels = sorted({m["label"] for rows in ctx.by_doc.values() for m in rows.get("mentions", []) if m["label"]})
    legend = " ".join(f'<mark class="ent e-{_css_token(lb)}">{esc(lb)}</mark>' for lb in labels)
    legend += ' <mark class="tx">date<span class="lbl">TIMEX value</span></mark>'
    legend += ' <span class="trig">event trigger</span> <mark class="ent low">below threshold</mark>'
    out = [f'<section id="articles"><h2>Articles ({len(ctx.docs)})</h2><p class="legend">{legend}</p>']
    out.extend(_article(ctx, i, d) for i, d in enumerate(ctx.docs))
    out.append("</section>")
    return "\n".join(out)


def _th(name: str, kind: str = "text") -> str:
    return f'<th data-type="{kind}" tabindex="0">{esc(name)}</th>'


def _entities(ctx: _Ctx) -> str:
    out = [f'<section id="entities"><h2>Entities ({len(ctx.entities)})</h2>'
           '<p class="note">Click a column header to sort.</p>'
           '<table class="sortable" id="entity-table"><thead><tr>'
           + _th("name") + _th("label") + _th("aliases") + _th("title") + _th("country")
           + _th("mentions", "num") + _th("documents", "num") + _th("confidence", "num") + _th("entity_id")
           + "</tr></thead><tbody>"]
    for e in sorted(ctx.entities, key=lambda e: (-(e["n_mentions"] or 0), e["name"] or "", e["entity_id"])):
        aliases = ", ".join(a for a in (e["aliases"] or []) if a)
        c = _conf(e["confidence"])
        label = e["label"] or ""
        out.append(f'<tr{ctx.conf_attrs(c)}><td>{esc(e["name"])}</td>'
                   f'<td><mark class="ent e-{_css_token(label)}">{esc(label)}</mark></td>'
                   f'<td>{esc(aliases)}</td><td>{esc(e["title"])}</td><td>{esc(e["country"])}</td>'
                   f'<td class="num">{esc(e["n_mentions"])}</td><td class="num">{esc(e["n_docs"])}</td>'
                   f'<td class="num" data-sort="{"" if c is None else f"{c:.6f}"}">{_fmt_conf(c)}</td>'
                   f'<td class="id">{esc(e["entity_id"])}</td></tr>')
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _conflicts_html(value: Optional[str]) -> str:
    if not value:
        return ""
    try:
        parsed = json.loads(value)
    except ValueError:  # the pipeline's form: "date: X (doc A) vs Y (doc B); actors: ..."
        parsed = [part.strip() for part in value.split("; ") if part.strip()]
    if isinstance(parsed, dict):
        parsed = [f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)}"
                  for k, v in sorted(parsed.items())]
    if isinstance(parsed, list):
        items = [p if isinstance(p, str) else json.dumps(p, ensure_ascii=False, sort_keys=True) for p in parsed]
        return "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>" if items else ""
    return esc(value)


def _clusters(ctx: _Ctx) -> str:
    out = [f'<section id="clusters"><h2>Event clusters ({len(ctx.clusters)})</h2>'
           '<table class="sortable" id="cluster-table"><thead><tr>'
           + _th("#", "num") + _th("date") + _th("CAMEO") + _th("source") + _th("target") + _th("actors")
           + _th("location") + _th("events", "num") + _th("documents", "num") + _th("reported in")
           + _th("conflicts") + _th("confidence", "num") + "</tr></thead><tbody>"]
    for i, c in enumerate(ctx.clusters):
        conf = _conf(c["confidence"])
        actors = ", ".join(ctx.entity_name(a) for a in (c["actors"] or []))
        docs = ", ".join(ctx.doc_link(d) for d in (c["doc_ids"] or []))
        conflicts = _conflicts_html(c["conflicts"])
        classes = ["conflict"] if conflicts else []
        root = cameo_root(c["event_type"])
        out.append(f'<tr id="cl-{i}"{ctx.conf_attrs(conf, classes)}><td class="num" data-sort="{i + 1}">{i + 1}</td>'
                   f'<td>{esc(c["date"])}</td>'
                   f'<td><span class="sw" style="background:{CAMEO_COLOURS.get(root, UNKNOWN_ROOT_COLOUR)}"></span>'
                   f'{esc(c["event_type"])} {esc(c["event_label"])}</td>'
                   f'<td>{esc(ctx.entity_name(c["source_id"]))}</td><td>{esc(ctx.entity_name(c["target_id"]))}</td>'
                   f'<td>{esc(actors)}</td><td>{esc(ctx.entity_name(c["location_id"]))}</td>'
                   f'<td class="num">{esc(c["n_events"])}</td><td class="num">{esc(c["n_docs"])}</td>'
                   f'<td>{docs}</td><td class="conflicts">{conflicts}</td>'
                   f'<td class="num" data-sort="{"" if conf is None else f"{conf:.6f}"}">{_fmt_conf(conf)}</td></tr>')
    out.append("</tbody></table></section>")
    return "\n".join(out)


CSS = """
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{position:sticky;top:0;z-index:5;background:#263238;color:#fff;padding:8px 16px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header a{color:#cfd8dc}
main{padding:0 16px 40px;max-width:1200px}
h2{margin-top:28px;border-bottom:2px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#eceff1}table.sortable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.id{font-family:monospace;font-size:11px;color:#666}
.stats{display:flex;gap:24px;flex-wrap:wrap}.stats div{background:#fff;border:1px solid #ddd;padding:6px 12px}
.stats dt{color:#666;font-size:12px}.stats dd{margin:0;font-size:20px;font-weight:600}
.muted,.note{color:#666}.error{color:#b71c1c}.badge{font-size:11px;padding:0 6px;border-radius:8px;background:#c8e6c9}
.badge.st-error{background:#ffcdd2}.badge.st-skipped{background:#fff9c4}
details.article{background:#fff;border:1px solid #ddd;margin:10px 0;padding:6px 12px}
details.article>summary{cursor:pointer;font-weight:600}
.text{white-space:pre-wrap;line-height:2.1;margin:8px 0}
mark{padding:1px 3px;border-radius:4px;color:inherit;background:#ddd}
mark .lbl{font-size:9px;font-weight:700;margin-left:4px;vertical-align:middle;text-transform:uppercase}
mark.tx{background:""" + TIMEX_COLOUR + """}mark.tx .lbl{text-transform:none;font-family:monospace}
""" + "".join(f"mark.e-{k}{{background:{v}}}" for k, v in LABEL_COLOURS.items()) + """
mark.low,span.trig.low{opacity:.55;outline:1px dashed #555;background-image:repeating-linear-gradient(135deg,transparent 0 4px,rgba(255,255,255,.6) 4px 6px)}
span.trig{border-bottom:2px solid #d84315}
mark.hid{background:none;padding:0}mark.hid>.lbl{display:none}span.trig.hid{border:0}
.hid{outline:0!important;opacity:1!important;background-image:none!important}
tr.low>td{opacity:.6;font-style:italic;border-style:dashed}tr.hid,g.hid{display:none}
tr.conflict td.conflicts{background:#fff3e0}td.conflicts ul{margin:0;padding-left:16px}
g.pt circle{stroke:#222;stroke-width:1;fill-opacity:.85}g.low circle{stroke-dasharray:3 2;fill-opacity:.35}
g.pt .row{stroke:#f0f0f0}.grid{stroke:#e0e0e0}.axis{stroke:#444}.tick,.axis-label{font-size:11px;fill:#444}
.row-label{font-size:11px;fill:#333}g.low .row-label{fill:#999;font-style:italic}
.svgwrap{overflow-x:auto;background:#fff;border:1px solid #ddd}
.sw{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 3px 0 8px;border:1px solid #555}
strong.heading{font-size:15px}
"""

SCRIPT = """
(function () {
  "use strict";
  var slider = document.getElementById("conf");
  var shown = document.getElementById("conf-value");
  var count = document.getElementById("conf-count");
  var items = document.querySelectorAll("[data-conf]");
  function apply() {
    var t = parseFloat(slider.value), hidden = 0;
    shown.textContent = t.toFixed(2);
    for (var i = 0; i < items.length; i++) {
      var hide = parseFloat(items[i].getAttribute("data-conf")) < t;
      items[i].classList.toggle("hid", hide);
      if (hide) { hidden++; }
    }
    count.textContent = hidden + " of " + items.length + " scored items hidden";
    document.body.setAttribute("data-threshold", t.toFixed(2));
  }
  slider.addEventListener("input", apply);
  apply();
  function key(cell, numeric) {
    var v = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) { return v.toLowerCase(); }
    var n = parseFloat(v);
    return isNaN(n) ? -Infinity : n;
  }
  var tables = document.querySelectorAll("table.sortable");
  for (var ti = 0; ti < tables.length; ti++) {
    (function (table) {
      var heads = table.tHead.rows[0].cells;
      for (var h = 0; h < heads.length; h++) {
        (function (th, col) {
          function sort() {
            var numeric = th.getAttribute("data-type") === "num";
            var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
            for (var k = 0; k < heads.length; k++) { heads[k].removeAttribute("aria-sort"); }
            th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) {
              var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
              return x < y ? -dir : x > y ? dir : 0;
            });
            for (var r = 0; r < rows.length; r++) { body.appendChild(rows[r]); }
          }
          th.addEventListener("click", sort);
          th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sort(); } });
        })(heads[h], h);
      }
    })(tables[ti]);
  }
  document.body.setAttribute("data-ready", "1");
})();
"""


def render_report(tables: dict[str, pd.DataFrame], *, min_confidence: float = 0.5,
                  title: str = "newsie report") -> str:
    """The report page for ``tables`` (as returned by ``pipeline.api.load``)."""
    if not 0.0 <= float(min_confidence) <= 1.0:
        raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
    ctx = _Ctx(tables, min_confidence)
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
           f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'")
    value = f"{float(min_confidence):.2f}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head>",
        f'<body data-min-confidence="{value}">',
        f'<header><h1>{esc(title)}</h1>'
        '<nav><a href="#summary">corpus</a> · <a href="#timeline">timeline</a> · <a href="#articles">articles</a>'
        ' · <a href="#entities">entities</a> · <a href="#clusters">event clusters</a></nav>'
        f'<label for="conf">confidence ≥ <output id="conf-value">{value}</output></label>'
        f'<input type="range" id="conf" min="0" max="1" step="0.05" value="{value}">'
        '<span id="conf-count" class="muted"></span></header>',
        "<main>",
        _summary(ctx),
        _timeline(ctx),
        _articles(ctx),
        _entities(ctx),
        _clusters(ctx),
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body></html>",
        "",
    ]
    return "\n".join(parts)


def write_report(out_dir: Union[str, Path], report_path: Optional[Union[str, Path]] = None, *,
                 min_confidence: float = 0.5) -> Path:
    """Write the HTML report of the tables in ``out_dir``; return its path.

    Default path: ``out_dir/report.html``. Raises ``OutputsError`` (a
    ``ValueError``) if the folder or a table is missing.
    """
    out_dir = check_outputs_dir(out_dir)
    page = render_report(load(out_dir), min_confidence=min_confidence)
    path = Path(report_path) if report_path is not None else out_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_bytes(page.encode("utf-8", "replace"))
    return path
