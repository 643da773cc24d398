"""English rule lemmatizer with a per-process cache over token attribute ids.

spaCy's ``lemmatizer`` already caches lemmas by (ORTH, POS, MORPH), but still
creates a ``Token`` object and sets ``token.lemma_`` for every token, which made
it cost as much as the dependency parser. This component reads the three ids for
the whole document with ``Doc.to_array``, looks them up in a dict, and writes the
lemmas back with ``Doc.from_array``; only a (ORTH, POS, MORPH) combination not seen
before goes through spaCy's rules. Same tables, same results, same ``to_disk``
format as spaCy's English ``lemmatizer``, so a pipeline can switch factories
without retraining.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab
from thinc.api import Model

ATTRS = [ORTH, POS, MORPH, LEMMA]


class CachedLemmatizer(EnglishLemmatizer):
    """spaCy's English rule/lookup lemmatizer, applied through attribute arrays."""

    def __init__(self, vocab: Vocab, model: Optional[Model], name: str = "lemmatizer", *,
                 mode: str = "rule", overwrite: bool = False, scorer: Optional[Callable] = None) -> None:
        super().__init__(vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)
        self.lemma_ids: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not self._validated:
            self._validate_tables(Errors.E1004)
        if len(doc) == 0:
            return doc
        error_handler = self.get_error_handler()
        try:
            arr = doc.to_array(ATTRS)
            lemmas = arr[:, 3].copy()
            cache = self.lemma_ids
            strings = self.vocab.strings
            for i, (orth, pos, morph, lemma) in enumerate(arr.tolist()):
                if lemma and not self.overwrite:
                    continue
                key = (orth, pos, morph)
                value = cache.get(key)
                if value is None:
                    value = cache[key] = strings.add(self.lemmatize(doc[i])[0])
                lemmas[i] = value
            doc.from_array([LEMMA], lemmas.reshape(-1, 1).astype(np.uint64))
            return doc
        except Exception as e:  # noqa: BLE001  (spaCy's error-handler contract)
            error_handler(self.name, self, [doc], e)


@Language.factory(
    "newsie_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "rule", "overwrite": False,
                    "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}},
    default_score_weights={"lemma_acc": 1.0},
)
def make_lemmatizer(nlp: Language, model: Optional[Model], name: str, mode: str, overwrite: bool,
                    scorer: Optional[Callable]) -> CachedLemmatizer:
    return CachedLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)
