"""Score newsie's entity mentions against a CoNLL-2003 file (e.g. conllpp_dev.txt).

The full newsie pipeline (``pipeline.nlp.build_nlp``) runs on text rebuilt from
the CoNLL tokens (tokens joined by spaces, one line per sentence, one text per
``-DOCSTART-`` document); predicted labels are mapped back to the CoNLL label
set and compared with the gold mentions by exact character span and label.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Optional

from ..nlp import model_batch_chars, pipe_batch_size
from ..training.convert import conll_document_text, iob2_to_biluo, read_conll

# newsie / OntoNotes labels -> CoNLL labels. Raw CoNLL labels pass through.
LABEL_MAP = {
    "PERSON": "PER",
    "PER": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "MISC": "MISC",
    "EVENT": "MISC",
    "LAW": "MISC",
    "PRODUCT": "MISC",
}
CONLL_LABELS = ("PER", "ORG", "LOC", "MISC")
N_BINS = 10


def map_label(label: str) -> Optional[str]:
    """CoNLL label for a pipeline label, or None for labels CoNLL does not annotate."""
    return LABEL_MAP.get(label)


def gold_mentions(document, offsets) -> set[tuple[int, int, str]]:
    """Gold (start_char, end_char, label) of one CoNLL document."""
    out = set()
    for sent, sent_offsets in zip(document.sentences, offsets):
        start = None
        for i, tag in enumerate(iob2_to_biluo(sent.tags)):
            if tag.startswith("U-"):
                out.add((sent_offsets[i][0], sent_offsets[i][1], tag[2:]))
            elif tag.startswith("B-"):
                start = sent_offsets[i][0]
            elif tag.startswith("L-") and start is not None:
                out.add((start, sent_offsets[i][1], tag[2:]))
                start = None
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "tp": tp, "predicted": n_pred, "gold": n_gold}


def calibration(confidences: list[float], correct: list[bool], n_bins: int = N_BINS) -> tuple[float, list[dict]]:
    """ECE over ``n_bins`` equal-width bins and the reliability table."""
    rows = []
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        idx = [
            i
            for i, c in enumerate(confidences)
            if lo <= c < hi or (b == n_bins - 1 and c == hi)
        ]
        if idx:
            conf = sum(confidences[i] for i in idx) / len(idx)
            acc = sum(correct[i] for i in idx) / len(idx)
            total += len(idx) * abs(conf - acc)
        else:
            conf = acc = float("nan")
        rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "count": len(idx), "confidence": conf, "accuracy": acc})
    ece = total / len(confidences) if confidences else float("nan")
    return ece, rows


def _build(config, log):
    from ..config import load_config
    from ..nlp import build_nlp

    return build_nlp(config or load_config()), "full newsie pipeline (build_nlp)"


def evaluate_ner(gold: Path, config=None, *, log: Callable[[str], None] = print, nlp=None) -> dict:
    """Score entity mentions of the newsie pipeline on a CoNLL-2003 (IOB2) file.

    Runs ``build_nlp(config)`` (falling back to the bare model while stages are
    missing) over one text per document, maps predicted labels to PER/ORG/LOC/MISC
    (PERSON->PER, GPE/LOC/FAC->LOC, NORP/MISC/EVENT/LAW/PRODUCT->MISC; other labels
    are ignored), and reports exact-match precision/recall/F1 per label and
    overall, the expected calibration error of ``span._.confidence`` (10 equal-
    width bins; a missing confidence counts as 0.5 and is counted) with a
    reliability table, and words per second. ``nlp`` may be passed to score an
    already-built pipeline. Returns a dict with keys ``overall``, ``per_label``,
    ``ece``, ``reliability``, ``missing_confidence``, ``words_per_second``,
    ``words``, ``documents``, ``pipeline``.
    """
    documents = read_conll(Path(gold))
    if nlp is None:
        nlp, what = _build(config, log)
    else:
        what = "given pipeline"
    texts, golds = [], []
    n_words = 0
    for document in documents:
        text, offsets = conll_document_text(document)
        texts.append(text)
        golds.append(gold_mentions(document, offsets))
        n_words += sum(len(s.words) for s in document.sentences)

    batch_size = pipe_batch_size([len(t) for t in texts], model_batch_chars(config))
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    seconds = time.perf_counter() - start

    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    confidences: list[float] = []
    correct: list[bool] = []
    missing = 0
    for doc, gold_set in zip(docs, golds):
        for _, _, label in gold_set:
            n_gold[label] += 1
        for ent in doc.ents:
            label = map_label(ent.label_)
            if label is None:
                continue
            n_pred[label] += 1
            hit = (ent.start_char, ent.end_char, label) in gold_set
            tp[label] += hit
            conf = ent._.confidence
            if conf is None:
                missing += 1
                conf = 0.5
            confidences.append(float(conf))
            correct.append(hit)

    per_label = {lab: prf(tp[lab], n_pred[lab], n_gold[lab]) for lab in CONLL_LABELS}
    overall = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    ece, table = calibration(confidences, correct)
    wps = n_words / seconds if seconds else float("inf")

    log(f"NER evaluation on {gold} ({len(documents)} documents, {n_words} words) with {what}")
    log(f"{'label':<8}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}{'pred':>8}")
    for lab, s in list(per_label.items()) + [("overall", overall)]:
        log(f"{lab:<8}{s['p']:>8.4f}{s['r']:>8.4f}{s['f']:>8.4f}{s['gold']:>8}{s['predicted']:>8}")
    log(f"expected calibration error (10 bins): {ece:.4f}"
        f" over {len(confidences)} mentions; {missing} without confidence (counted as 0.5)")
    log(f"{'bin':<10}{'count':>7}{'conf':>8}{'acc':>8}")
    for row in table:
        conf = "" if math.isnan(row["confidence"]) else f"{row['confidence']:.3f}"
        acc = "" if math.isnan(row["accuracy"]) else f"{row['accuracy']:.3f}"
        log(f"{row['bin']:<10}{row['count']:>7}{conf:>8}{acc:>8}")
    log(f"speed: {wps:,.0f} words/s ({n_words} words in {seconds:.1f}s)")
    return {
        "overall": overall,
        "per_label": per_label,
        "ece": ece,
        "reliability": table,
        "missing_confidence": missing,
        "mentions": len(confidences),
        "words_per_second": wps,
        "words": n_words,
        "documents": len(documents),
        "pipeline": what,
    }
