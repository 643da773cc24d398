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


def _annotated(nlp, rows):
    """A Doc with gold UPOS and lemmas from (word, upos, lemma) rows."""
    words, pos, lemmas = zip(*rows)
    return Doc(nlp.vocab, words=list(words), pos=list(pos), lemmas=list(lemmas))


def test_exceptions_learned_from_annotation_fix_what_the_rules_get_wrong(tmp_path):
    nlp = load_model("newsie_en_core")
    lemmatizer = CachedLemmatizer(nlp.vocab, None, "fitted", mode="rule")
    lemmatizer.lookups = nlp.get_pipe("lemmatizer").lookups
    gold = [_annotated(nlp, [("I", "PRON", "I"), ("was", "AUX", "be"), ("there", "ADV", "there"),
                             ("Paris", "PROPN", "Paris"), ("people", "NOUN", "person")])] * 3
    gold.append(_annotated(nlp, [("Xu", "PROPN", "Xu"), ("spoke", "VERB", "speak")]))
    assert lemmatizer.fit_exceptions(gold) == 3  # I, was, people; not the rule-right or rare ones
    assert lemmatizer.exceptions == {("i", "PRON"): "I", ("people", "NOUN"): "person", ("was", "AUX"): "be"}

    doc = parsed_without_lemmas(nlp, ["I think people were there."])[0]
    doc[0].pos_, doc[2].pos_ = "PRON", "NOUN"
    assert [t.lemma_ for t in lemmatizer(copy(nlp, doc))][:3] == ["I", "think", "person"]

    lemmatizer.to_disk(tmp_path / "lemmatizer")
    loaded = CachedLemmatizer(nlp.vocab, None, "loaded", mode="rule").from_disk(tmp_path / "lemmatizer")
    assert loaded.exceptions == lemmatizer.exceptions


def test_the_shipped_model_lemmatizes_auxiliaries_to_their_verb():
    nlp = load_model("newsie_en_core")
    doc = nlp("Officials were meeting in Seoul and the president is there. He has left.")
    lemmas = {t.text: t.lemma_ for t in doc if t.pos_ == "AUX"}
    assert lemmas.get("were") == "be" and lemmas.get("is", "be") == "be" and lemmas.get("has", "have") == "have"


def test_word_index_membership_is_a_set_lookup_that_lemmatizes_and_saves_like_spacys_lists(tmp_path):
    from spacy.lookups import Lookups

    from pipeline.components.lemmatizer import WordList

    nlp = load_model("newsie_en_core")
    lemmatizer = nlp.get_pipe("lemmatizer")
    index = lemmatizer.lookups.get_table("lemma_index")
    assert index and all(isinstance(words, WordList) for words in index.values())
    # spaCy's lemmatizer over plain lists (its linear scans) gives the same lemmas
    plain = Lookups()
    for name in lemmatizer.lookups.tables:
        table = lemmatizer.lookups.get_table(name)
        copy_table = plain.add_table(name)
        for key, value in table.items():
            copy_table[key] = list(value) if isinstance(value, list) else value
    assert not isinstance(next(iter(plain.get_table("lemma_index").values())), WordList)
    reference = EnglishLemmatizer(nlp.vocab, None, "reference", mode="rule")
    reference.lookups = plain
    cached = CachedLemmatizer(nlp.vocab, None, "cached", mode="rule")
    cached.lookups = lemmatizer.lookups
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    docs = parsed_without_lemmas(nlp, texts)
    assert [[t.lemma_ for t in cached(copy(nlp, d))] for d in docs] == \
        [[t.lemma_ for t in reference(copy(nlp, d))] for d in docs]
    # saved as spaCy saves it: the file loads back into plain lists with the same words
    lemmatizer.to_disk(tmp_path)
    saved = Lookups().from_disk(tmp_path / "lookups").get_table("lemma_index")
    assert all(type(words) is list and words == list(index[key]) for key, words in saved.items())
