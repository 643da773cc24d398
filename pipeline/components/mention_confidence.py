"""``newsie_mention_confidence``: a calibrated probability for every entity in ``doc.ents``.

``span._.confidence`` estimates P(the span boundaries AND its label are exactly
right). It is a logistic-regression model over cheap features of the
predicted mention:

* the label (one-hot) and span length,
* capitalization (title / upper case / lower-case tokens), digits, punctuation,
  sentence-initial position,
* a gazetteer built from the NER training data: how often the exact string
  was annotated as an entity, and with this label; how often each word of the
  span is part of an entity at all in the training data.

The model is fitted on the NER's own predictions on held-out annotated text
(``fit``; newsie fits it on conllpp_dev while assembling the shipped model) and
stored with the pipeline (``to_disk``/``from_disk``), so ``spacy.load`` of the
model directory gives confidences. Later components may re-label or shrink
spans; they should keep the value.
"""

import json
import math
from collections import Counter, defaultdict
from typing import Iterable, Optional

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

import pipeline.extensions  # noqa: F401  (registers span._.confidence)

FEATURES_VERSION = 1
LABELS = ("PER", "ORG", "LOC", "MISC")


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


class Gazetteer:
    """Counts gathered from annotated training documents."""

    def __init__(self) -> None:
        self.string_labels: dict[str, Counter] = defaultdict(Counter)
        self.word_ent: Counter = Counter()
        self.word_all: Counter = Counter()

    def add_doc(self, doc: Doc) -> None:
        in_ent = np.zeros(len(doc), dtype=bool)
        for ent in doc.ents:
            self.string_labels[_key(ent.text)][ent.label_] += 1
            in_ent[ent.start : ent.end] = True
        for tok, flag in zip(doc, in_ent):
            low = tok.lower_
            self.word_all[low] += 1
            if flag:
                self.word_ent[low] += 1

    def prune(self, min_word_count: int = 2) -> None:
        for word in [w for w, c in self.word_all.items() if c < min_word_count]:
            del self.word_all[word]
            self.word_ent.pop(word, None)

    def to_dict(self) -> dict:
        return {
            "string_labels": {k: dict(v) for k, v in self.string_labels.items()},
            "words": {w: [self.word_ent.get(w, 0), c] for w, c in self.word_all.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Gazetteer":
        gaz = cls()
        for k, v in data.get("string_labels", {}).items():
            gaz.string_labels[k] = Counter(v)
        for w, (ent, total) in data.get("words", {}).items():
            gaz.word_ent[w] = ent
            gaz.word_all[w] = total
        return gaz


def span_features(span: Span, gaz: Gazetteer, labels: tuple[str, ...] = LABELS) -> list[float]:
    """The feature vector of one predicted mention (see module docstring)."""
    label = span.label_
    toks = list(span)
    n = len(toks)
    counts = gaz.string_labels.get(_key(span.text))
    total = sum(counts.values()) if counts else 0
    same = counts.get(label, 0) if counts else 0
    word_p = []
    for tok in toks:
        all_ = gaz.word_all.get(tok.lower_, 0)
        word_p.append((gaz.word_ent.get(tok.lower_, 0) + 0.5) / (all_ + 1.0))
    alpha = [t for t in toks if t.is_alpha]
    feats = [1.0]
    feats += [1.0 if label == lab else 0.0 for lab in labels]
    feats += [
        math.log1p(n),
        1.0 if n == 1 else 0.0,
        sum(t.is_title for t in toks) / n,
        1.0 if alpha and all(t.is_upper for t in alpha) else 0.0,
        sum(t.is_lower for t in toks) / n,
        1.0 if any(t.like_num or any(c.isdigit() for c in t.text) for t in toks) else 0.0,
        sum(t.is_punct for t in toks) / n,
        1.0 if span.start == 0 or toks[0].is_sent_start else 0.0,
        math.log1p(total),
        1.0 if total == 0 else 0.0,
        (same + 0.5) / (total + 1.0) if total else 0.0,
        min(word_p),
        sum(word_p) / n,
        1.0 if span.end < len(span.doc) and span.doc[span.end].is_title else 0.0,
        1.0 if span.start > 0 and span.doc[span.start - 1].is_title else 0.0,
    ]
    return feats


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, iters: int = 50) -> np.ndarray:
    """L2-regularised logistic regression fitted by Newton's method (deterministic)."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    mu[0], sd[0] = 0.0, 1.0
    sd[sd == 0] = 1.0
    z = (x - mu) / sd
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2 * len(y))
    reg[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-6 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    # Fold the standardisation into the weights.
    weights = w / sd
    weights[0] = w[0] - float((w[1:] * mu[1:] / sd[1:]).sum())
    return weights


def ece(confidences: Iterable[float], correct: Iterable[bool], n_bins: int = 10) -> tuple[float, list[dict]]:
    """Expected calibration error over equal-width bins, and the reliability table."""
    conf = np.asarray(list(confidences), dtype=float)
    corr = np.asarray(list(correct), dtype=float)
    rows = []
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        mask = (conf >= lo) & ((conf < hi) if b < n_bins - 1 else (conf <= hi))
        count = int(mask.sum())
        if count:
            mean_conf = float(conf[mask].mean())
            acc = float(corr[mask].mean())
            total += count * abs(mean_conf - acc)
        else:
            mean_conf = acc = float("nan")
        rows.append({"bin": f"[{lo:.1f},{hi:.1f}{']' if b == n_bins - 1 else ')'}",
                     "count": count, "confidence": mean_conf, "accuracy": acc})
    return (total / len(conf) if len(conf) else float("nan")), rows


class MentionConfidence:
    """The pipeline component; see the module docstring."""

    def __init__(self, nlp: Language, name: str, default_confidence: float, overwrite: bool) -> None:
        self.name = name
        self.default_confidence = default_confidence
        self.overwrite = overwrite
        self.gazetteer = Gazetteer()
        self.weights: Optional[np.ndarray] = None
        self.labels: tuple[str, ...] = LABELS
        self.info: dict = {}

    # -- inference --------------------------------------------------------
    def probability(self, span: Span) -> float:
        if self.weights is None:
            return self.default_confidence
        x = np.asarray(span_features(span, self.gazetteer, self.labels))
        return float(1.0 / (1.0 + math.exp(-float(x @ self.weights))))

    def __call__(self, doc: Doc) -> Doc:
        for ent in doc.ents:
            if self.overwrite or ent._.confidence is None:
                ent._.confidence = self.probability(ent)
        return doc

    # -- fitting ----------------------------------------------------------
    def set_gazetteer(self, train_docs: Iterable[Doc]) -> None:
        gaz = Gazetteer()
        labels = set()
        for doc in train_docs:
            gaz.add_doc(doc)
            labels.update(e.label_ for e in doc.ents)
        gaz.prune()
        self.gazetteer = gaz
        self.labels = tuple(sorted(labels)) or LABELS

    def examples(self, predicted: Iterable[Doc], gold: Iterable[Doc]) -> tuple[np.ndarray, np.ndarray]:
        """Features of every predicted entity and whether it matches a gold one exactly."""
        xs, ys = [], []
        for pred, ref in zip(predicted, gold):
            gold_set = {(e.start_char, e.end_char, e.label_) for e in ref.ents}
            for ent in pred.ents:
                xs.append(span_features(ent, self.gazetteer, self.labels))
                ys.append(1.0 if (ent.start_char, ent.end_char, ent.label_) in gold_set else 0.0)
        return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)

    def fit(self, x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> None:
        self.weights = fit_logistic(x, y, l2=l2)

    # -- serialization ----------------------------------------------------
    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {
            "features_version": FEATURES_VERSION,
            "labels": list(self.labels),
            "weights": None if self.weights is None else [float(w) for w in self.weights],
            "info": self.info,
        }
        (path / "calibration.json").write_text(json.dumps(state, indent=1), encoding="utf8")
        (path / "gazetteer.json").write_text(json.dumps(self.gazetteer.to_dict()), encoding="utf8")

    def from_disk(self, path, *, exclude=tuple()) -> "MentionConfidence":
        path = ensure_path(path)
        state = json.loads((path / "calibration.json").read_text(encoding="utf8"))
        if state.get("features_version") != FEATURES_VERSION:
            raise ValueError(f"{path}: calibration was fitted for another feature set")
        self.labels = tuple(state["labels"])
        self.weights = None if state["weights"] is None else np.asarray(state["weights"])
        self.info = state.get("info", {})
        self.gazetteer = Gazetteer.from_dict(
            json.loads((path / "gazetteer.json").read_text(encoding="utf8"))
        )
        return self


@Language.factory(
    "newsie_mention_confidence",
    default_config={"default_confidence": 0.5, "overwrite": True},
)
def make_mention_confidence(
    nlp: Language, name: str, default_confidence: float, overwrite: bool
) -> MentionConfidence:
    return MentionConfidence(nlp, name, default_confidence, overwrite)
