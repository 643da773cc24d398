"""``newsie query`` and ``newsie show``: SQL over a run's tables, one article in the terminal.

``query`` runs DuckDB with every table of the outputs folder available as a
view by its name (``documents``, ``mentions``, ...). ``show_document`` prints
an article with its entities and dates marked inline, then its entities,
dates, relations and events. Problems raise ``QueryError`` (a ``ValueError``)
with a one-line message.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Optional, Union

import pandas as pd

from .api import OutputsError, check_outputs_dir, frame_rows, is_missing, read_table, table_paths
from .schema import TABLES


class QueryError(ValueError):
    """A query or show request cannot be answered (bad SQL, unknown document, missing table)."""


class UnknownDocumentError(QueryError):
    """No document with the requested doc_id."""


def _one_line(message: str) -> str:
    lines = [ln.strip() for ln in str(message).splitlines() if ln.strip()]
    return lines[0] if lines else str(message)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def query(sql: str, out_dir: Union[str, Path]) -> pd.DataFrame:
    """Run ``sql`` with DuckDB over the tables in ``out_dir``; return the result.

    Each table is a view by its name, read from ``NAME.parquet`` (or ``NAME.csv``
    when only CSV was written).
    """
    import duckdb

    try:
        out_dir = check_outputs_dir(out_dir)
    except OutputsError as exc:
        raise QueryError(str(exc)) from None
    present = table_paths(out_dir)
    if not present:
        raise QueryError(f"no newsie tables in {out_dir} (run `newsie run CORPUS --out {out_dir}` first)")
    if not sql or not sql.strip():
        raise QueryError("empty SQL query")
    con = duckdb.connect(":memory:")
    try:
        for table, path in present.items():
            if path.suffix == ".parquet":
                con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet({_sql_string(str(path))})')
            else:
                con.register(table, read_table(out_dir, table))
        try:
            result = con.execute(sql)
            if result.description is None:  # a statement without a result set
                return pd.DataFrame()
            return _lists_as_python(result.df())
        except duckdb.CatalogException as exc:
            missing = [t for t in TABLES if t not in present and re.search(rf"\b{t}\b", str(exc))]
            if missing:
                raise QueryError(f"table '{missing[0]}' is missing in {out_dir} "
                                 f"(available: {', '.join(present)})") from None
            raise QueryError(f"SQL error: {_one_line(exc)}") from None
        except duckdb.Error as exc:
            raise QueryError(f"SQL error: {_one_line(exc)}") from None
    finally:
        con.close()


def _lists_as_python(df: pd.DataFrame) -> pd.DataFrame:
    """List cells as Python lists (DuckDB gives numpy arrays), like ``pipeline.api.load``."""
    for col in df.columns:
        if df[col].dtype == object and any(hasattr(v, "tolist") and not isinstance(v, str) for v in df[col]):
            df[col] = pd.Series([v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v
                                 for v in df[col]], index=df.index, dtype=object)
    return df


def write_csv(df: pd.DataFrame, path: Union[str, Path]) -> Path:
    """A query result as CSV in the tables' convention (``pipeline.store.write_csv``), atomically."""
    import pyarrow as pa

    from .store import atomic_path
    from .store import write_csv as write_arrow_csv  # one CSV convention for all outputs

    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python types in a column
        df = df.copy()
        for c in df.columns:
            if df[c].dtype == object:
                df[c] = pd.Series([None if is_missing(v) else str(v) for v in df[c]], index=df.index, dtype=object)
        table = pa.Table.from_pandas(df, preserve_index=False)
    path = Path(path)
    with atomic_path(path) as tmp:
        write_arrow_csv(table, tmp)
    return path


# ---------------------------------------------------------------- terminal text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: Any, *, keep_newlines: bool = False) -> str:
    """A value as terminal-safe text: control characters (ANSI escapes too) shown as \\xNN."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        value = value.tolist() if hasattr(value, "tolist") else list(value)
        if isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        value = f"{value:.4g}" if abs(value) < 1e6 else repr(value)
    text = str(value)
    if not keep_newlines:
        text = text.replace("\r\n", "\n").replace("\n", "⏎").replace("\t", " ")
    return _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group()) if m.group() not in "\n\t" else m.group(), text)


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    return clean(value)


def format_table(df: pd.DataFrame, *, max_width: int = 48, max_rows: Optional[int] = None) -> str:
    """``df`` as an aligned plain-text table for the terminal, with a row count."""
    if df is None or len(df.columns) == 0:
        return "(no columns)"
    rows = df if max_rows is None else df.head(max_rows)
    columns = [clean(c) for c in df.columns]
    cells = [[_cell(v) for v in row] for row in rows.itertuples(index=False, name=None)]

    def cut(s: str) -> str:
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[cut(c) for c in row] for row in cells]
    widths = [min(max([len(c)] + [len(r[i]) for r in cells]), max_width) for i, c in enumerate(columns)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]

    def line(values: list[str]) -> str:
        return "  ".join((v.rjust(w) if num else v.ljust(w)) for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line([cut(c) for c in columns]), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in cells)
    n = len(df)
    footer = f"({n} row{'s' if n != 1 else ''}"
    if max_rows is not None and n > max_rows:
        footer += f", first {max_rows} shown"
    out.append(footer + ")")
    return "\n".join(out)


# ---------------------------------------------------------------- show one document

ANSI_RESET = "\x1b[0m"
ANSI_DIM = "\x1b[2m"
ANSI_BOLD = "\x1b[1m"
LABEL_ANSI = {
    "PERSON": "\x1b[1;35m", "ORG": "\x1b[1;36m", "GPE": "\x1b[1;33m", "LOC": "\x1b[1;32m",
    "NORP": "\x1b[1;34m", "FAC": "\x1b[1;96m", "EVENT": "\x1b[1;93m", "LAW": "\x1b[1;91m",
    "PRODUCT": "\x1b[1;92m", "MISC": "\x1b[1;37m",
}
TIMEX_ANSI = "\x1b[4;32m"


def _marks(text: str, spans: list[tuple[int, int, int, str, str]]) -> str:
    """Text with non-overlapping marks: spans (start, end, priority, open, close); earlier/longer win."""
    out: list[str] = []
    pos = 0
    spans = [s for s in spans if isinstance(s[0], int) and isinstance(s[1], int)]
    for start, end, _prio, open_, close in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
        if start < pos or not (0 <= start < end <= len(text)):
            continue  # overlaps a span already marked
        out.append(clean(text[pos:start], keep_newlines=True))
        out.append(open_ + clean(text[start:end]) + close)
        pos = end
    out.append(clean(text[pos:], keep_newlines=True))
    return "".join(out)


def show_document(doc_id: str, out_dir: Union[str, Path], *, color: bool = False,
                  min_confidence: float = 0.0) -> str:
    """An article for the terminal: text with marked entities and dates, then its extractions.

    Marks are ``[Lee Jae Myung|PERSON]`` and ``[5 January 2026|DATE=2026-01-05]``, or
    ANSI colours when ``color``. Rows below ``min_confidence`` are flagged with ``?``.
    """
    try:
        out_dir = check_outputs_dir(out_dir)
        docs = read_table(out_dir, "documents", doc_id=doc_id)
        if docs.empty:
            all_ids = read_table(out_dir, "documents")["doc_id"].tolist()
            hint = difflib_hint(doc_id, all_ids)
            raise UnknownDocumentError(f"unknown doc_id '{clean(doc_id)}' in {out_dir} "
                                       f"({len(all_ids)} documents{hint})")
        doc = frame_rows(docs)[0]
        tables = {t: frame_rows(read_table(out_dir, t, doc_id=doc_id))
                  for t in ("texts", "mentions", "timexes", "relations", "events", "errors")}
        entities = {e["entity_id"]: e for e in frame_rows(read_table(out_dir, "entities"))}
    except OutputsError as exc:
        raise QueryError(str(exc)) from None

    def low(row: dict) -> str:
        c = row.get("confidence")
        return "?" if c is not None and c < min_confidence else ""

    def name(entity_id: Optional[str], fallback: Optional[str] = None) -> str:
        e = entities.get(entity_id or "")
        return clean(e["name"] if e is not None and e["name"] else (fallback or entity_id or "?"))

    bold = (lambda s: ANSI_BOLD + s + ANSI_RESET) if color else (lambda s: s)
    lines = [bold(f"{clean(doc['doc_id'])}" + (f" — {clean(doc['title'])}" if doc["title"] else ""))]
    meta = [f"status {clean(doc['status'])}"]
    if doc["published"]:
        meta.append(f"published {clean(doc['published'])} ({clean(doc['published_source'])})")
    for key in ("source", "url", "path"):
        if doc[key]:
            meta.append(f"{key} {clean(doc[key])}")
    lines.append(" · ".join(meta))
    if doc["status"] != "ok":
        lines.append(f"not processed: {clean(doc['error'])}")
        for e in tables["errors"]:
            lines.append(f"  [{clean(e['stage'])}] {clean(e['message'])}")
        return "\n".join(lines) + "\n"

    text = tables["texts"][0]["text"] if tables["texts"] else ""
    spans = []
    for m in tables["mentions"]:
        label = clean(m["label"] or "?")
        if color:
            spans.append((m["start_char"], m["end_char"], 0, LABEL_ANSI.get(m["label"], "\x1b[1m"),
                          f"{ANSI_RESET}{ANSI_DIM}[{label}{low(m)}]{ANSI_RESET}"))
        else:
            spans.append((m["start_char"], m["end_char"], 0, "[", f"|{label}{low(m)}]"))
    for t in tables["timexes"]:
        tag = f"{clean(t['type'] or 'TIMEX')}={clean(t['value'] or '?')}{low(t)}"
        if color:
            spans.append((t["start_char"], t["end_char"], 1, TIMEX_ANSI, f"{ANSI_RESET}{ANSI_DIM}[{tag}]{ANSI_RESET}"))
        else:
            spans.append((t["start_char"], t["end_char"], 1, "[", f"|{tag}]"))
    lines.append("")
    lines.append(_marks(text or "", spans).rstrip("\n"))

    lines.append("")
    by_entity: dict[str, list[dict]] = {}
    for m in tables["mentions"]:
        by_entity.setdefault(m["entity_id"] or f"(unlinked) {m['text']}", []).append(m)
    lines.append(bold(f"Entities ({len(by_entity)})"))
    for eid in sorted(by_entity, key=lambda k: (-len(by_entity[k]), name(k, by_entity[k][0]["text"]))):
        ms = by_entity[eid]
        e = entities.get(eid)
        extra = [x for x in ((e or {}).get("title"), (e or {}).get("country")) if x]
        conf = e["confidence"] if e else ms[0]["confidence"]
        lines.append(f"  {name(eid, ms[0]['text'])}  {clean(ms[0]['label'])}  ×{len(ms)}"
                     + (f"  ({clean(', '.join(extra))})" if extra else "")
                     + ("" if conf is None else f"  conf {conf:.2f}" + low({"confidence": conf}))
                     + (f"  [{clean(eid)}]" if e else ""))
    lines.append(bold(f"Dates ({len(tables['timexes'])})"))
    for t in tables["timexes"]:
        conf = "" if t["confidence"] is None else f"  conf {t['confidence']:.2f}{low(t)}"
        lines.append(f"  {clean(t['text'])} → {clean(t['type'])} {clean(t['value'])}{conf}")
    lines.append(bold(f"Relations ({len(tables['relations'])})"))
    mention_text = {m["mention_id"]: m["text"] for m in tables["mentions"]}
    for r in tables["relations"]:
        subj = name(r["subject_id"], mention_text.get(r["subject_mention_id"] or ""))
        obj = name(r["object_id"], mention_text.get(r["object_mention_id"] or "") or r["object_text"])
        conf = "" if r["confidence"] is None else f"  conf {r['confidence']:.2f}{low(r)}"
        lines.append(f"  {subj} —{clean(r['predicate'])}→ {obj}{conf}")
    lines.append(bold(f"Events ({len(tables['events'])})"))
    for e in tables["events"]:
        conf = "" if e["confidence"] is None else f"  conf {e['confidence']:.2f}{low(e)}"
        where = f" in {clean(e['location'])}" if e["location"] else ""
        lines.append(f"  {clean(e['date'] or 'undated')}  {clean(e['event_type'])} {clean(e['event_label'])}: "
                     f"{name(e['source_id']) if e['source_id'] else '?'} → "
                     f"{name(e['target_id']) if e['target_id'] else '?'}{where}  "
                     f"(\"{clean(e['trigger'])}\"){conf}"
                     + (f"  cluster {clean(e['cluster_id'])}" if e["cluster_id"] else ""))
    return "\n".join(lines) + "\n"


def difflib_hint(doc_id: str, all_ids: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(doc_id, all_ids, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(clean(c) for c in close)}?" if close else ""
