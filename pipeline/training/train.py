"""The reproducible recipe that builds ``pipeline/models/newsie_en_core``.

1. convert the corpora (CoNLL++ and GUM) to DocBin files and merge each split
   into one corpus (GUM documents carry tags, morphology and heads, CoNLL++
   documents entities),
2. train the tok2vec shared by tagger, morphologizer, parser and NER, the four
   heads and the lemmatizer jointly (``configs/train_core.cfg``) in one process,
   selecting the best checkpoint on the merged dev set,
3. assemble one pipeline: the NER moved right after the tok2vec (before the
   parser) and the ``newsie_mention_confidence`` component fitted on conllpp_dev,
4. score it on the dev sets, write meta.json and LICENSES.md, and swap it into
   place atomically.

``quick=True`` / ``max_sentences`` run exactly the same code with fewer
sentences and steps (used by the tests).
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
CONFIG_DIR = PROJECT_ROOT / "configs"
DEFAULT_WORK_DIR = PROJECT_ROOT / ".train"
MODEL_NAME = "newsie_en_core"
MODEL_VERSION = "0.1.0"

# The full recipe's step count lives in configs/train_core.cfg ([training]
# max_steps, eval_frequency); quick runs override it.
QUICK_STEPS = 12
GUM_CHUNK_SENTENCES = 10  # training docs of at most 10 sentences
QUICK_DEV_SENTENCES = 60


def _paths(data_dir: Path) -> dict[str, Path]:
    return {
        "ner_train": data_dir / "ner" / "conllpp" / "conllpp_train.txt",
        "ner_dev": data_dir / "ner" / "conllpp" / "conllpp_dev.txt",
        "gum_train": data_dir / "parser" / "gum" / "train",
        "gum_dev": data_dir / "parser" / "gum" / "dev",
    }


def import_mention_confidence():
    """The mention-confidence module (importing it registers its spaCy factory)."""
    from ..components import mention_confidence

    return mention_confidence


def _train_part(config_path: str, output: str, overrides: dict, threads: int) -> str:
    """Run spaCy's training for one config (in a worker process)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    from spacy.cli.train import train

    import pipeline.components.lemmatizer  # noqa: F401  (registers newsie_lemmatizer)
    import pipeline.extensions  # noqa: F401

    Path(output).mkdir(parents=True, exist_ok=True)
    train(Path(config_path), Path(output), use_gpu=-1, overrides=overrides)
    return str(Path(output) / "model-best")


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    res = fn(AT_FDCWD, os.fsencode(str(a)), AT_FDCWD, os.fsencode(str(b)), RENAME_EXCHANGE)
    return res == 0


def install_atomically(built: Path, target: Path) -> None:
    """Put directory ``built`` at ``target``; readers never see a half-written model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if _rename_exchange(built, target):
            shutil.rmtree(built)  # ``built`` now holds the old model
            return
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
        os.rename(built, target)
        shutil.rmtree(old)
    else:
        os.rename(built, target)


LICENSES_MD = """# Licences of newsie_en_core

This spaCy pipeline was trained by newsie (`pipeline/training/train.py`) from
the corpora below only; no pretrained vectors or other external data were used
(the rule lemmatizer's tables come from `spacy-lookups-data` 1.0.5, MIT).

## Shared encoder (`tok2vec`)

* Trained jointly on the two corpora below (CoNLL++ `conllpp_train.txt` and GUM
  `train`) with the NER, tagger, morphologizer and parser that read it; its
  weights derive from both and inherit both sets of terms.

## Named-entity recognizer (`ner`) and `newsie_mention_confidence`

* Data: CoNLL-2003 English NER, CoNLL++ corrected copy (ZihanWangKi/CrossWeigh):
  `conllpp_train.txt` for training, `conllpp_dev.txt` for model selection and
  for fitting the confidence calibration.
* Text: Reuters Corpus (RCV1). Licence: research use only, under the Reuters
  RCV1 terms of use (the CoNLL-2003 shared task conditions). The NER model
  weights and the gazetteer stored in `newsie_mention_confidence/` are derived
  from this data and inherit these terms.

## Tagger, morphologizer, parser (`tagger`, `morphologizer`, `parser`)

* Data: GUM corpus (amir-zeldes/gum), Universal Dependencies v2 CoNLL-U,
  `train` for training and `dev` for model selection; Reddit documents excluded.
* Annotations: CC BY 4.0 (Amir Zeldes and the GUM contributors).
* Texts: licensed per genre (e.g. Wikinews texts CC BY 2.5, Wikipedia/wikiHow/
  Wikivoyage CC BY-SA, others as listed in the corpus's LICENSE.txt).
  Attribution: Zeldes, Amir (2017) "The GUM Corpus: Creating Multilayer
  Resources in the Classroom". Language Resources and Evaluation 51(3), 581-612.

## Lemmatizer (`lemmatizer`, rule mode)

* Tables `lemma_rules`, `lemma_index`, `lemma_exc` from spacy-lookups-data
  1.0.5 (MIT licence, derived from WordNet, WordNet licence).
* `lemmatizer/exceptions.json`: (form, UPOS) -> lemma for the forms the rules get
  wrong ("is" -> "be", "I" -> "I", "people" -> "person"), counted from GUM `train`
  (annotations CC BY 4.0, as above).
"""


def _finite(value):
    """JSON-safe copy: NaN/inf become None."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _scores(nlp, ner_dev_docs, gum_dev_docs) -> dict:
    from spacy.training import Example

    ner_examples = [Example(nlp.make_doc(d.text), d) for d in ner_dev_docs]
    ner_scores = nlp.evaluate(ner_examples)
    from spacy.tokens import Doc

    dep_examples = [
        Example(Doc(nlp.vocab, words=[t.text for t in ref], spaces=[bool(t.whitespace_) for t in ref]), ref)
        for ref in gum_dev_docs
    ]
    dep_scores = nlp.evaluate(dep_examples)
    keep = ("tag_acc", "pos_acc", "morph_acc", "lemma_acc", "dep_uas", "dep_las", "sents_f")
    out = {k: dep_scores.get(k) for k in keep}
    out.update({k: ner_scores.get(k) for k in ("ents_p", "ents_r", "ents_f")})
    out["ents_per_type"] = ner_scores.get("ents_per_type")
    return out


def train_model(
    output_dir: Path,
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    quick: bool = False,
    max_sentences: Optional[int] = None,
    seed: int = 0,
    log: Callable[[str], None] = print,
    work_dir: Optional[Path] = None,
    steps: Optional[int] = None,
) -> Path:
    """Build the whole newsie_en_core pipeline into ``output_dir`` and return it.

    ``data_dir`` holds ``ner/conllpp`` and ``parser/gum`` (default ``../shared/data``
    relative to the project root). ``quick`` trains a few steps on a few sentences
    (``max_sentences``, default 40) through the same code path; ``seed`` fixes
    every random choice. Scratch files go to ``work_dir`` (default ``.train/``).
    The model directory is replaced atomically.
    """
    from pipeline.training.convert import conll_to_docbin, conllu_to_docbin, merge_docbins

    started = time.time()
    output_dir = Path(output_dir)
    data_dir = Path(data_dir)
    if quick and max_sentences is None:
        max_sentences = 40
    run_id = f"{'quick' if quick else 'full'}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    work = Path(work_dir or DEFAULT_WORK_DIR) / run_id
    corpus = work / "corpus"
    src = _paths(data_dir)
    for name, path in src.items():
        if not path.exists():
            raise FileNotFoundError(f"training data missing: {path}")

    # 1. convert
    dev_limit = QUICK_DEV_SENTENCES if quick else None
    counts = {
        "ner_train": conll_to_docbin(src["ner_train"], corpus / "ner_train.spacy", max_sentences=max_sentences),
        "ner_dev": conll_to_docbin(src["ner_dev"], corpus / "ner_dev.spacy", max_sentences=dev_limit),
        "gum_train": conllu_to_docbin(
            src["gum_train"], corpus / "gum_train.spacy", max_sentences=max_sentences,
            chunk_sentences=GUM_CHUNK_SENTENCES,
        ),
        "gum_dev": conllu_to_docbin(src["gum_dev"], corpus / "gum_dev.spacy", max_sentences=dev_limit),
    }
    log(f"converted corpora into {corpus}: {counts}")

    # 2. one corpus per split, then one training run
    from spacy.util import load_config

    for split in ("train", "dev"):
        merge_docbins([corpus / f"gum_{split}.spacy", corpus / f"ner_{split}.spacy"], corpus / f"core_{split}.spacy")
    config_path = CONFIG_DIR / "train_core.cfg"
    cfg = load_config(config_path, interpolate=False)
    n_steps = steps or (QUICK_STEPS if quick else int(cfg["training"]["max_steps"]))
    overrides = {
        "paths.train": str(corpus / "core_train.spacy"),
        "paths.dev": str(corpus / "core_dev.spacy"),
        "system.seed": seed,
        "training.max_steps": n_steps,
    }
    if quick:
        overrides["training.eval_frequency"] = max(1, n_steps // 2)
    log(f"training {config_path} for {n_steps} steps (log in {work}/core)")
    t0 = time.time()
    # a process of its own: one BLAS thread, and the training's memory is returned when it ends
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        best = Path(pool.submit(_train_part, str(config_path), str(work / "core"), overrides, 1).result())
    train_seconds = time.time() - t0
    log(f"trained in {train_seconds:.0f}s: {best}")

    # 3.-4. assemble, score, describe, install
    info = {
        "quick": quick,
        "max_sentences": max_sentences,
        "seed": seed,
        "steps": n_steps,
        "sentences": counts,
        "train_seconds": round(train_seconds, 1),
    }
    assemble_pipeline(best, corpus, output_dir, info=info, log=log)
    log(f"installed {output_dir} in {time.time() - started:.0f}s total")
    return output_dir


def assemble_pipeline(
    trained_model: Path,
    corpus: Path,
    output_dir: Path,
    *,
    info: dict,
    log: Callable[[str], None] = print,
) -> Path:
    """Make the trained pipeline newsie's: the NER right after the tok2vec, the mention
    confidences fitted on the NER dev set and the lemma exceptions on GUM train; score
    on both dev sets, write meta.json/LICENSES.md and install the directory atomically
    at ``output_dir``."""
    import numpy
    import spacy
    from spacy.tokens import DocBin

    started = time.time()
    ece = import_mention_confidence().ece
    # 3. assemble
    # The NER runs before the parser: spaCy's NER never crosses a sentence start, and
    # the parser's boundaries are wrong often enough to cut names ("Naina | Yeltsin is
    # recovering"); before the parser it sees only boundaries newsie_structure sets at
    # line starts, which no name crosses (+1.1 F1 on conllpp_dev). The confidences
    # come last: their sentence-initial feature reads the parser's boundaries.
    # the order comes from the saved config (loading the pipeline just to read it would load it twice)
    saved_order = spacy.util.load_config(Path(trained_model) / "config.cfg")["nlp"]["pipeline"]
    order = [n for n in saved_order if n != "ner"]
    order.insert(order.index("tok2vec") + 1, "ner")
    nlp = spacy.load(trained_model, config={"nlp": {"pipeline": order}})
    conf = nlp.add_pipe("newsie_mention_confidence", last=True)
    ner_train_docs = list(DocBin().from_disk(corpus / "ner_train.spacy").get_docs(nlp.vocab))
    ner_dev_docs = list(DocBin().from_disk(corpus / "ner_dev.spacy").get_docs(nlp.vocab))
    gum_dev_docs = list(DocBin().from_disk(corpus / "gum_dev.spacy").get_docs(nlp.vocab))
    conf.set_gazetteer(ner_train_docs)
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
    if hasattr(lemmatizer, "fit_exceptions"):
        gum_train_docs = DocBin().from_disk(corpus / "gum_train.spacy").get_docs(nlp.vocab)
        log(f"lemma exceptions from GUM train: {lemmatizer.fit_exceptions(gum_train_docs)}")
    predicted = [nlp(nlp.make_doc(d.text)) for d in ner_dev_docs]
    x, y = conf.examples(predicted, ner_dev_docs)
    # Calibration quality measured by 2-fold cross-validation over dev documents,
    # then the shipped calibration is fitted on all of dev.
    cv_conf, cv_correct = [], []
    doc_of_row = []
    for i, doc in enumerate(predicted):
        doc_of_row.extend([i] * len(doc.ents))
    doc_of_row = numpy.asarray(doc_of_row)
    for fold in (0, 1):
        train_mask = (doc_of_row % 2) != fold
        test_mask = ~train_mask
        if train_mask.sum() and test_mask.sum() and 0 < y[train_mask].mean() < 1:
            conf.fit(x[train_mask], y[train_mask])
            for row in x[test_mask]:
                z = float(row @ conf.weights)
                cv_conf.append(float(1.0 / (1.0 + numpy.exp(-z))))
            cv_correct.extend(bool(v) for v in y[test_mask])
    cv_ece, _ = ece(cv_conf, cv_correct) if cv_conf else (float("nan"), [])
    if len(y) and 0 < y.mean() < 1:
        conf.fit(x, y)
    conf.info = {
        "fitted_on": "conllpp_dev.txt (NER predictions of this pipeline)",
        "n_mentions": int(len(y)),
        "precision_of_predictions": float(y.mean()) if len(y) else None,
        "ece_2fold_cv": _finite(cv_ece),
    }
    log(f"mention confidence: {len(y)} dev mentions, 2-fold CV ECE {cv_ece:.4f}")

    # 4. score, describe, install
    scores = _scores(nlp, ner_dev_docs, gum_dev_docs)
    scores["mention_confidence_ece_2fold_cv"] = cv_ece
    log("dev scores: " + json.dumps({k: v for k, v in scores.items() if k != "ents_per_type"}))
    nlp.meta.update(
        {
            "name": "core",
            "lang": "en",
            "version": MODEL_VERSION,
            "description": (
                "newsie's own English pipeline: one tok2vec shared by the tagger (XPOS), "
                "morphologizer (UPOS+FEATS) and dependency parser (trained on GUM) and the NER with "
                "raw CoNLL labels PER/ORG/LOC/MISC (trained on CoNLL++), all trained jointly; rule "
                "lemmatizer; calibrated mention confidences."
            ),
            "author": "newsie",
            # The spaCy that assembles and saves the pipeline (the parts keep their own
            # meta from training, which could name another 3.8 release).
            "spacy_version": spacy.util.get_minor_version_range(spacy.about.__version__),
            "license": "research use only (CoNLL-2003 / Reuters RCV1 terms); GUM annotations CC BY 4.0; see LICENSES.md",
            "sources": [
                {
                    "name": "CoNLL-2003 English NER (CoNLL++ corrected copy)",
                    "url": "https://github.com/ZihanWangKi/CrossWeigh",
                    "license": "research use only, Reuters RCV1 terms",
                    "used_for": "tok2vec (with GUM), ner, newsie_mention_confidence; train=conllpp_train.txt, dev=conllpp_dev.txt",
                },
                {
                    "name": "GUM corpus (Universal Dependencies v2 CoNLL-U, Reddit documents excluded)",
                    "url": "https://github.com/amir-zeldes/gum",
                    "license": "annotations CC BY 4.0; texts licensed per genre (see LICENSE.txt of the corpus)",
                    "used_for": "tok2vec (with CoNLL++), tagger, morphologizer, parser; train=gum/train, dev=gum/dev",
                },
                {
                    "name": "spacy-lookups-data 1.0.5 (lemma_rules, lemma_index, lemma_exc)",
                    "url": "https://github.com/explosion/spacy-lookups-data",
                    "license": "MIT",
                    "used_for": "lemmatizer",
                },
            ],
            "performance": _finite(scores),
            "newsie_training": {
                **info,
                "assemble_seconds": round(time.time() - started, 1),
                "dev_sets": {"ner": "conllpp_dev.txt", "parser": "gum/dev"},
                "deprel_subtypes": "kept (e.g. nmod:poss, obl:tmod)",
            },
        }
    )
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    build = output_dir.parent / f".{output_dir.name}.build-{uuid.uuid4().hex[:8]}"
    nlp.to_disk(build)
    (build / "LICENSES.md").write_text(LICENSES_MD, encoding="utf8")
    install_atomically(build, output_dir)
    return output_dir
