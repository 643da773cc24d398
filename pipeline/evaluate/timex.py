"""Score newsie's temporal tagger on TimeML files the TempEval-3 way.

``evaluate_timex(gold_dir)`` reads every ``.tml`` file under ``gold_dir``
(recursively), rebuilds the plain text of ``<TEXT>`` (tags stripped, entity
references decoded; gold offsets are offsets into that text), passes the
CREATION_TIME TIMEX3 value as ``doc._.published`` and runs the
``newsie_timex`` component on ``spacy.blank("en")`` (or on the full configured
pipeline when ``config`` is given). Reported: strict and relaxed span P/R/F1,
type accuracy and value F1 on relaxed matches (TempEval-3), expected
calibration error with a reliability table (confidence fitted per rule family
and anchor kind, cross-validated by document), throughput of the stage.
"""
from __future__ import annotations

import html
import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

N_BINS = 10
N_FOLDS = 5

_TAG = re.compile(r"<(/?)([A-Za-z0-9_]+)([^>]*?)(/?)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")


def read_tml(path: Path) -> dict:
    """{"text", "dct", "timexes": [(start, end, type, value, text)]} of a TimeML file."""
    raw = Path(path).read_text(encoding="utf-8", errors="replace")
    dct = None
    for m in re.finditer(r"<TIMEX3([^>]*)>", raw):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get("functionInDocument") == "CREATION_TIME":
            dct = attrs.get("value")
            break
    tm = re.search(r"<TEXT>(.*?)</TEXT>", raw, re.S)
    body = tm.group(1) if tm else ""
    out: list[str] = []
    length = 0
    stack: list[tuple[int, dict]] = []
    timexes = []
    pos = 0
    for m in _TAG.finditer(body):
        seg = _decode(body[pos:m.start()])
        out.append(seg)
        length += len(seg)
        pos = m.end()
        closing, name = m.group(1), m.group(2)
        if name != "TIMEX3":
            continue
        if not closing:
            stack.append((length, dict(_ATTR.findall(m.group(3)))))
        elif stack:
            start, attrs = stack.pop()
            timexes.append((start, length, attrs.get("type"), attrs.get("value"), None))
    seg = _decode(body[pos:])
    out.append(seg)
    text = "".join(out)
    timexes = [(s, e, t, canonical_value(v), text[s:e]) for s, e, t, v, _ in timexes]
    return {"text": text, "dct": dct, "timexes": sorted(timexes)}


_UNPADDED_WEEK = re.compile(r"(?<=-W)(\d)(?!\d)")


def canonical_value(value: Optional[str]) -> Optional[str]:
    """A gold TIMEX3 value in canonical form: week numbers zero-padded as ISO 8601 and TIMEX3 write them
    (TBAQ has "2000-W7" in a few places, which no correct value can equal)."""
    return _UNPADDED_WEEK.sub(r"0\1", value) if value else value


def _decode(s: str) -> str:
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), s)


def match(gold: list[tuple], pred: list[tuple]) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """One-to-one relaxed (overlap) matching; returns (pairs of indices, strict pairs)."""
    pairs = []
    used = set()
    for gi, g in enumerate(gold):
        best, best_ov = None, 0
        for pi, p in enumerate(pred):
            if pi in used:
                continue
            ov = min(g[1], p[1]) - max(g[0], p[0])
            if ov > best_ov:
                best, best_ov = pi, ov
        if best is not None:
            used.add(best)
            pairs.append((gi, best))
    strict = {(gi, pi) for gi, pi in pairs if gold[gi][0] == pred[pi][0] and gold[gi][1] == pred[pi][1]}
    return pairs, strict


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def reliability(probs: list[float], labels: list[bool], n_bins: int = N_BINS) -> tuple[float, list[dict]]:
    """ECE over ``n_bins`` equal-width bins and the reliability table."""
    bins = [[] for _ in range(n_bins)]
    for p, y in zip(probs, labels):
        bins[min(int(p * n_bins), n_bins - 1)].append((p, y))
    n = len(probs)
    ece = 0.0
    table = []
    for i, b in enumerate(bins):
        if not b:
            table.append({"bin": f"{i / n_bins:.1f}-{(i + 1) / n_bins:.1f}", "n": 0, "confidence": None, "accuracy": None})
            continue
        conf = sum(p for p, _ in b) / len(b)
        acc = sum(1 for _, y in b if y) / len(b)
        ece += len(b) / n * abs(conf - acc)
        table.append({"bin": f"{i / n_bins:.1f}-{(i + 1) / n_bins:.1f}", "n": len(b),
                      "confidence": round(conf, 4), "accuracy": round(acc, 4)})
    return round(ece, 4), table


def _build(config):
    import spacy

    from .. import components  # noqa: F401  (registers the newsie_timex factory)

    if config is not None:
        from ..config import Config, load_config
        from ..nlp import build_nlp

        cfg = config if isinstance(config, Config) else load_config(config)
        nlp = build_nlp(cfg)
        if "newsie_timex" not in [nlp.get_pipe_meta(n).factory for n in nlp.pipe_names]:
            nlp.add_pipe("newsie_timex", config={"config": cfg.data.get("stage_config", {}).get("timex", {})})
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("newsie_timex", config={"config": {}})
    return nlp


def run_documents(gold_dir: Path, config=None) -> tuple[list[dict], float, int]:
    """Tag every file; returns per-document records, seconds spent in the stage and chars."""
    from .. import extensions  # noqa: F401
    from ..timex.tagger import tag_text

    nlp = _build(config)
    timex_names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "newsie_timex"]
    files = sorted(Path(gold_dir).rglob("*.tml"))
    records = []
    stage_seconds = 0.0
    chars = 0
    for f in files:
        doc_gold = read_tml(f)
        doc = nlp.make_doc(doc_gold["text"])
        doc._.published = doc_gold["dct"]
        for name, proc in nlp.pipeline:
            if name in timex_names:
                t0 = time.perf_counter()
                doc = proc(doc)
                stage_seconds += time.perf_counter() - t0
            else:
                doc = proc(doc)
        chars += len(doc.text)
        pred = list(doc._.timexes or [])
        # rule families for calibration (same tagger, same input)
        detailed = tag_text(doc.text, doc_gold["dct"], with_rules=True)
        rules = {(t.start_char, t.end_char): r for t, r in zip(*detailed)} if detailed else {}
        records.append({"file": str(f), "gold": doc_gold["timexes"], "pred": pred,
                        "rules": [rules.get((t.start_char, t.end_char), "unknown") for t in pred],
                        "text": doc.text})
    return records, stage_seconds, chars


def _outcomes(records):
    """Per predicted timex: (doc index, rule, anchor source, span+value correct)."""
    rows = []
    for di, rec in enumerate(records):
        gold = rec["gold"]
        pred = [(t.start_char, t.end_char, t.type, t.value) for t in rec["pred"]]
        pairs, strict = match(gold, pred)
        by_pred = {pi: gi for gi, pi in pairs}
        for pi, t in enumerate(rec["pred"]):
            gi = by_pred.get(pi)
            ok = gi is not None and (gi, pi) in strict and gold[gi][3] == t.value
            rows.append((di, rec["rules"][pi], t.anchor_source, ok, t.confidence))
    return rows


def calibration_report(records, n_folds: int = N_FOLDS, seed: int = 13) -> dict:
    from ..timex.calibration import Calibrator

    rows = _outcomes(records)
    docs = list(range(len(records)))
    random.Random(seed).shuffle(docs)
    fold_of = {d: i % n_folds for i, d in enumerate(docs)}
    probs, labels = [], []
    for k in range(n_folds):
        train = [(r, s, ok) for d, r, s, ok, _ in rows if fold_of[d] != k]
        cal = Calibrator.fit(train)
        for d, r, s, ok, _ in rows:
            if fold_of[d] == k:
                probs.append(cal.probability(r, s))
                labels.append(ok)
    ece_cv, table_cv = reliability(probs, labels)
    ece_shipped, _ = reliability([c for *_, c in rows], [ok for _, _, _, ok, _ in rows])
    return {"ece_cv": ece_cv, "reliability_cv": table_cv, "ece_shipped_table_in_sample": ece_shipped,
            "n_predictions": len(rows), "folds": n_folds}


def fit_calibration(gold_dir: Path, out_path: Optional[Path] = None, config=None) -> dict:
    """Fit the shipped confidence table on ``gold_dir`` and write it."""
    from ..timex.calibration import CALIBRATION_PATH, Calibrator

    records, _, _ = run_documents(gold_dir, config)
    rows = _outcomes(records)
    cal = Calibrator.fit([(r, s, ok) for _, r, s, ok, _ in rows])
    cal.save(out_path or CALIBRATION_PATH, meta={"fitted_on": str(gold_dir), "documents": len(records),
                                                 "predictions": len(rows),
                                                 "label": "strict span and value correct"})
    return cal.counts


ERROR_COLUMNS = ("file", "kind", "start_char", "end_char", "gold_text", "gold_type", "gold_value", "text", "type",
                 "value", "rule", "context")


def error_rows(records: list[dict], gold_dir: Path) -> list[dict]:
    """One row per error, in document order: "value" (span matched, value differs), "spurious", "missed";
    ``context`` is the sentence neighbourhood with the expression in [[brackets]]."""
    rows = []
    for rec in records:
        text, gold = rec["text"], rec["gold"]
        pred = [(t.start_char, t.end_char, t.type, t.value) for t in rec["pred"]]
        pairs, _ = match(gold, pred)
        by_gold = dict(pairs)
        matched = set(by_gold.values())
        name = str(Path(rec["file"]).relative_to(gold_dir))

        def row(kind, g=None, pi=None):
            s, e = (g[0], g[1]) if g is not None else pred[pi][:2]
            p = pred[pi] if pi is not None else None
            context = " ".join((text[max(0, s - 120):s] + "[[" + text[s:e] + "]]" + text[e:e + 60]).split())
            return {"file": name, "kind": kind, "start_char": (p or g)[0], "end_char": (p or g)[1],
                    "gold_text": g[4] if g else "", "gold_type": g[2] if g else "", "gold_value": g[3] if g else "",
                    "text": text[p[0]:p[1]] if p else "", "type": p[2] if p else "", "value": p[3] if p else "",
                    "rule": rec["rules"][pi] if pi is not None else "", "context": context}

        for gi, g in enumerate(gold):
            pi = by_gold.get(gi)
            if pi is None:
                rows.append(row("missed", g=g))
            elif g[3] != pred[pi][3]:
                rows.append(row("value", g=g, pi=pi))
        rows.extend(row("spurious", pi=pi) for pi in range(len(pred)) if pi not in matched)
    rows.sort(key=lambda r: (r["file"], r["start_char"], r["kind"]))
    return rows


def write_errors(rows: list[dict], path: Path) -> Path:
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=ERROR_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def evaluate_timex(gold_dir: Path, config=None, *, log: Callable = print,
                   errors_csv: Optional[Path] = None) -> dict:
    """Strict/relaxed span P/R/F1, type accuracy, value F1, ECE and throughput on ``gold_dir``; with
    ``errors_csv`` every error is also written there (see ``error_rows``)."""
    gold_dir = Path(gold_dir)
    records, seconds, chars = run_documents(gold_dir, config)
    n_gold = sum(len(r["gold"]) for r in records)
    n_pred = sum(len(r["pred"]) for r in records)
    relaxed = strict = type_ok = value_ok = 0
    errors = Counter()
    for rec in records:
        gold = rec["gold"]
        pred = [(t.start_char, t.end_char, t.type, t.value) for t in rec["pred"]]
        pairs, strict_pairs = match(gold, pred)
        relaxed += len(pairs)
        strict += len(strict_pairs)
        for gi, pi in pairs:
            type_ok += gold[gi][2] == pred[pi][2]
            value_ok += gold[gi][3] == pred[pi][3]
            if gold[gi][3] != pred[pi][3]:
                errors["value"] += 1
        errors["missed"] += len(gold) - len(pairs)
        errors["spurious"] += len(pred) - len(pairs)
    cal = calibration_report(records)
    mb = chars / 1e6
    result = {
        "documents": len(records),
        "gold": n_gold,
        "predicted": n_pred,
        "strict": _prf(strict, n_pred, n_gold),
        "relaxed": _prf(relaxed, n_pred, n_gold),
        "type_accuracy": round(type_ok / relaxed, 4) if relaxed else 0.0,
        "value": _prf(value_ok, n_pred, n_gold),
        "value_accuracy": round(value_ok / relaxed, 4) if relaxed else 0.0,
        "ece": cal["ece_cv"],
        "calibration": cal,
        "errors": dict(errors),
        "stage_seconds": round(seconds, 3),
        "chars": chars,
        "chars_per_second": round(chars / seconds) if seconds else None,
        "mb_per_second": round(mb / seconds, 3) if seconds else None,
        "pipeline": "config" if config is not None else "blank",
    }
    log(f"timex on {gold_dir}: {len(records)} docs, {n_gold} gold, {n_pred} predicted")
    for k in ("strict", "relaxed", "value"):
        r = result[k]
        log(f"  {k:8s} P={r['precision']:.4f} R={r['recall']:.4f} F1={r['f1']:.4f}")
    log(f"  type accuracy={result['type_accuracy']:.4f}  value accuracy={result['value_accuracy']:.4f}")
    log(f"  ECE (10 bins, {cal['folds']}-fold CV by document)={cal['ece_cv']:.4f}")
    log("  bin        n     conf    acc")
    for row in cal["reliability_cv"]:
        if row["n"]:
            log(f"  {row['bin']}  {row['n']:5d}  {row['confidence']:.3f}  {row['accuracy']:.3f}")
    log(f"  throughput: {result['mb_per_second']} MB/s ({result['chars_per_second']} chars/s)")
    if errors_csv is not None:
        rows = error_rows(records, gold_dir)
        log(f"  errors: {len(rows)} rows -> {write_errors(rows, errors_csv)}")
    return result
