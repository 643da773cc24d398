"""newsie_lemmatizer: spaCy's English rule lemmatizer applied through attribute arrays."""
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.tokens import Doc

from conftest import CORPUS
from pipeline.components.lemmatizer import CachedLemmatizer
from pipeline.nlp import load_model


def parsed_without_lemmas(nlp, texts):
    with nlp.select_pipes(disable=["lemmatizer"]):
        return [nlp(t) for t in texts]


def copy(nlp, doc):
    return Doc(nlp.vocab).from_bytes(doc.to_bytes())


def test_the_shipped_model_lemmatizes_with_the_cached_lemmatizer():
    assert isinstance(load_model("newsie_en_core").get_pipe("lemmatizer"), CachedLemmatizer)


def test_cached_lemmas_equal_spacy_rule_lemmas_also_on_repeated_words():
    nlp = load_model("newsie_en_core")
    tables = nlp.get_pipe("lemmatizer").lookups
    reference = EnglishLemmatizer(nlp.vocab, None, "reference", mode="rule")
    reference.lookups = tables
    cached = CachedLemmatizer(nlp.vocab, None, "cached", mode="rule")
    cached.lookups = tables
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    docs = parsed_without_lemmas(nlp, texts * 2)  # the second pass is answered from the cache
    expected = [[t.lemma_ for t in reference(copy(nlp, d))] for d in docs]
    got = [[t.lemma_ for t in cached(copy(nlp, d))] for d in docs]
    assert got == expected
    assert "add" in {lemma for doc in got for lemma in doc}  # lemmas ("Adding"), not the words
    assert len(cached.lemma_ids) < sum(len(d) for d in docs) / 2


def test_existing_lemmas_are_kept_unless_overwrite():
    nlp = load_model("newsie_en_core")
    tables = nlp.get_pipe("lemmatizer").lookups
    doc = parsed_without_lemmas(nlp, ["Officials were meeting in Seoul."])[0]
    doc[2].lemma_ = "KEPT"
    keep = CachedLemmatizer(nlp.vocab, None, "keep", mode="rule")
    keep.lookups = tables
    assert keep(copy(nlp, doc))[2].lemma_ == "KEPT"
    overwrite = CachedLemmatizer(nlp.vocab, None, "overwrite", mode="rule", overwrite=True)
    overwrite.lookups = tables
    assert overwrite(copy(nlp, doc))[2].lemma_ == "meet"
