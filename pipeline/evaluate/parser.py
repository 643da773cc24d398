"""Score the model's tagger/morphologizer/parser/lemmatizer on CoNLL-U (e.g. GUM dev).

Gold tokenization is given to the model (``Doc(nlp.vocab, words=..., spaces=...)``);
sentence boundaries are predicted by the parser (``gold_sentences=False``) or
taken from the gold file (``gold_sentences=True``).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from spacy.tokens import Doc

from ..nlp import model_batch_chars, pipe_batch_size
from ..training.convert import conllu_sentences_words, read_conllu

SYNTAX_COMPONENTS = ("tok2vec", "tagger", "morphologizer", "parser", "lemmatizer", "attribute_ruler")


def _load(config, log):
    from ..config import load_config
    from ..nlp import load_model

    config = config or load_config()
    return load_model(config.model)


def _deprel(label: str, strip: bool) -> str:
    label = label.lower()
    return label.split(":", 1)[0] if strip else label


def evaluate_parser(
    gold: Path,
    config=None,
    *,
    log: Callable[[str], None] = print,
    nlp=None,
    gold_sentences: bool = False,
) -> dict:
    """Score UAS, LAS, UPOS/XPOS/lemma accuracy and speed on a CoNLL-U file or directory.

    Reddit documents (words replaced by ``_``) are skipped. The configured model
    (``config.model``, default the shipped newsie_en_core) runs its syntactic
    components (tok2vec, tagger, morphologizer, parser, lemmatizer) on gold
    tokens. Scores count every word, punctuation included (CoNLL 2018 style);
    LAS is given with full UD labels (``nmod:poss``) and with subtypes
    stripped (``nmod``), plus UAS/LAS without punctuation. Returns a dict with
    ``uas``, ``las``, ``las_stripped``, ``uas_nopunct``, ``las_nopunct``,
    ``upos``, ``xpos``, ``lemma``, ``words``, ``documents``,
    ``words_per_second``.
    """
    documents = read_conllu(Path(gold))
    if nlp is None:
        nlp = _load(config, log)
    enabled = [name for name in nlp.pipe_names if name in SYNTAX_COMPONENTS]
    inputs = []
    for document in documents:
        words, spaces = conllu_sentences_words(document.sentences)
        sent_starts = None
        if gold_sentences:
            sent_starts = [i == 0 for s in document.sentences for i in range(len(s.tokens))]
        inputs.append(Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=sent_starts))
    n_words = sum(len(d) for d in inputs)

    with nlp.select_pipes(enable=enabled):
        start = time.perf_counter()
        docs = list(nlp.pipe(inputs, batch_size=pipe_batch_size([len(d.text) for d in inputs],
                                                                model_batch_chars(config))))
        seconds = time.perf_counter() - start

    c = dict(uas=0, las=0, las_stripped=0, upos=0, xpos=0, lemma=0, uas_np=0, las_np=0, n_np=0)
    for document, doc in zip(documents, docs):
        i = 0
        for sent in document.sentences:
            base = i
            for tok in sent.tokens:
                pred = doc[i]
                gold_head = base + tok.head - 1 if tok.head > 0 else None
                pred_head = None if pred.head.i == pred.i else pred.head.i
                head_ok = gold_head == pred_head
                gold_rel = "root" if tok.head == 0 else tok.deprel
                pred_rel = pred.dep_
                c["uas"] += head_ok
                c["las"] += head_ok and _deprel(pred_rel, False) == _deprel(gold_rel, False)
                c["las_stripped"] += head_ok and _deprel(pred_rel, True) == _deprel(gold_rel, True)
                if tok.upos != "PUNCT":
                    c["n_np"] += 1
                    c["uas_np"] += head_ok
                    c["las_np"] += head_ok and _deprel(pred_rel, False) == _deprel(gold_rel, False)
                c["upos"] += pred.pos_ == tok.upos
                c["xpos"] += pred.tag_ == tok.xpos
                c["lemma"] += pred.lemma_ == tok.lemma
                i += 1
    n = max(n_words, 1)
    result = {
        "uas": c["uas"] / n,
        "las": c["las"] / n,
        "las_stripped": c["las_stripped"] / n,
        "uas_nopunct": c["uas_np"] / max(c["n_np"], 1),
        "las_nopunct": c["las_np"] / max(c["n_np"], 1),
        "upos": c["upos"] / n,
        "xpos": c["xpos"] / n,
        "lemma": c["lemma"] / n,
        "words": n_words,
        "documents": len(documents),
        "words_per_second": n_words / seconds if seconds else float("inf"),
        "components": enabled,
        "gold_sentences": gold_sentences,
    }
    log(f"parser evaluation on {gold} ({len(documents)} documents without Reddit, {n_words} words; "
        f"gold tokens, {'gold' if gold_sentences else 'predicted'} sentences; components {enabled})")
    log(f"UAS {result['uas']:.4f}  LAS {result['las']:.4f}  LAS (subtypes stripped) {result['las_stripped']:.4f}")
    log(f"without punctuation: UAS {result['uas_nopunct']:.4f}  LAS {result['las_nopunct']:.4f}")
    log(f"UPOS {result['upos']:.4f}  XPOS {result['xpos']:.4f}  lemma {result['lemma']:.4f}")
    log(f"speed: {result['words_per_second']:,.0f} words/s ({n_words} words in {seconds:.1f}s)")
    return result
