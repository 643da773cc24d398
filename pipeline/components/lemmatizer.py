"""English rule lemmatizer with a per-process cache over token attribute ids.

spaCy's ``lemmatizer`` already caches lemmas by (ORTH, POS, MORPH), but still
creates a ``Token`` object and sets ``token.lemma_`` for every token, which made
it cost as much as the dependency parser. This component reads the three ids for
the whole document with ``Doc.to_array``, looks them up in a dict, and writes the
lemmas back with ``Doc.from_array``; only a (ORTH, POS, MORPH) combination not seen
before goes through spaCy's rules. Same tables, same results, same ``to_disk``
format as spaCy's English ``lemmatizer``, so a pipeline can switch factories
without retraining.

spaCy's English tables have nothing for auxiliaries, pronouns, determiners or
particles ("is", "was", "'s" stay as they are; "I" becomes "i") and miss some
irregular words ("people", "did"). ``fit_exceptions`` learns a lookup table of
(lower-case form, UPOS) -> lemma from annotated documents (GUM train, when the
model is assembled) for the forms where the rules are mostly wrong and the
annotation agrees with itself; it is saved with the component
(``exceptions.json``) and consulted before the rules. A model saved without it
lemmatizes exactly like spaCy's.
"""

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

import numpy as np
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.tokens import Doc
from spacy.vocab import Vocab
from thinc.api import Model

ATTRS = [ORTH, POS, MORPH, LEMMA]
EXCEPTIONS_FILE = "exceptions.json"
EXCEPTION_MIN_COUNT = 3
EXCEPTION_MIN_AGREEMENT = 0.9


class WordList(list):
    """A list with a set beside it for ``in``: spaCy's rules ask ``form in index`` of word lists
    of up to 57,000 nouns, a linear scan per candidate form (~75 µs per new word, most of the cost
    of a first pass over new text). Serialized as the list it is."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        super().__init__(words)
        self._members = frozenset(self)

    def __contains__(self, word: object) -> bool:
        return word in self._members


class CachedLemmatizer(EnglishLemmatizer):
    """spaCy's English rule/lookup lemmatizer, applied through attribute arrays."""

    def __init__(self, vocab: Vocab, model: Optional[Model], name: str = "lemmatizer", *,
                 mode: str = "rule", overwrite: bool = False, scorer: Optional[Callable] = None) -> None:
        super().__init__(vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)
        self.lemma_ids: dict[tuple[int, int, int], int] = {}
        self.exceptions: dict[tuple[str, str], str] = {}  # (lower form, UPOS) -> lemma

    def _index_words_as_sets(self) -> None:
        index = self.lookups.get_table("lemma_index", {})
        for pos, words in list(index.items()):
            if isinstance(words, list) and not isinstance(words, WordList):
                index[pos] = WordList(words)

    def initialize(self, get_examples: Optional[Callable[[], Iterable]] = None, *,
                   nlp: Optional[Language] = None, lookups: Optional[Lookups] = None) -> None:
        # spaCy validates [initialize.components] settings against this signature: keep it the parent's
        super().initialize(get_examples, nlp=nlp, lookups=lookups)
        self._index_words_as_sets()

    def lemma_of(self, token) -> str:
        """The exception for (lower form, UPOS) if there is one, else spaCy's rules."""
        lemma = self.exceptions.get((token.lower_, token.pos_))
        return lemma if lemma is not None else self.lemmatize(token)[0]

    def fit_exceptions(self, docs: Iterable[Doc], *, min_count: int = EXCEPTION_MIN_COUNT,
                       min_agreement: float = EXCEPTION_MIN_AGREEMENT) -> int:
        """Learn the exception table from docs with gold UPOS, morphology and lemmas.

        A (lower form, UPOS) pair gets an entry when it occurs ``min_count`` times or more,
        its most frequent gold lemma has at least ``min_agreement`` of the occurrences, and
        the rules give that lemma for fewer than half of them. Proper nouns are left to the
        rules (names keep their form). Returns the number of entries."""
        lemmas: dict[tuple[str, str], Counter] = defaultdict(Counter)
        rule_right: Counter = Counter()
        for doc in docs:
            for tok in doc:
                if not tok.pos_ or tok.pos_ == "PROPN" or tok.lemma_ in ("", "_"):
                    continue
                key = (tok.lower_, tok.pos_)
                lemmas[key][tok.lemma_] += 1
                rule_right[key] += self.lemmatize(tok)[0] == tok.lemma_
        table = {}
        for key, counts in lemmas.items():
            total = sum(counts.values())
            lemma, top = counts.most_common(1)[0]
            if total >= min_count and top >= min_agreement * total and rule_right[key] < 0.5 * total:
                table[key] = lemma
        self.exceptions = dict(sorted(table.items()))
        self.lemma_ids = {}
        self.cache = {}
        return len(self.exceptions)

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        super().to_disk(path, exclude=exclude)
        if self.exceptions:
            rows = [[form, upos, lemma] for (form, upos), lemma in self.exceptions.items()]
            (Path(path) / EXCEPTIONS_FILE).write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf8")

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "CachedLemmatizer":
        super().from_disk(path, exclude=exclude)
        file = Path(path) / EXCEPTIONS_FILE
        if file.exists():
            self.exceptions = {(f, u): lemma for f, u, lemma in json.loads(file.read_text(encoding="utf8"))}
        self.lemma_ids = {}
        self._index_words_as_sets()
        return self

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
                    value = cache[key] = strings.add(self.lemma_of(doc[i]))
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
