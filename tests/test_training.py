"""Specification of newsie's model-training recipe (pipeline/training)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CONLL_SAMPLE as CONLL
import spacy
from spacy.tokens import DocBin

from pipeline.training.convert import (
    conll_document_text,
    conll_document_to_doc,
    conll_to_docbin,
    conllu_document_to_doc,
    conllu_to_docbin,
    merge_docbins,
    read_conll,
    read_conllu,
)

DATA = Path(__file__).parents[1].parent / "shared" / "data"
NER_DEV = DATA / "ner" / "conllpp" / "conllpp_dev.txt"
GUM_TRAIN = DATA / "parser" / "gum" / "train"

needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"training data not found at {DATA}")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf8")
    return path




def test_conll_reader_keeps_document_boundaries(tmp_path):
    docs = read_conll(_write(tmp_path, "a.txt", CONLL))
    assert [len(d.sentences) for d in docs] == [2, 1]
    assert docs[0].sentences[1].words == ["Peter", "Blackburn"]
    assert docs[1].sentences[0].tags == ["B-LOC", "O"]


def test_conll_document_becomes_one_doc_with_entities_and_line_layout(tmp_path):
    document = read_conll(_write(tmp_path, "a.txt", CONLL))[0]
    doc = conll_document_to_doc(spacy.blank("en").vocab, document)
    text, offsets = conll_document_text(document)
    assert doc.text == text == "EU rejects German call .\nPeter Blackburn"
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PER")]
    assert text[offsets[1][1][0]:offsets[1][1][1]] == "Blackburn"
    assert [s.text for s in doc.sents] == ["EU rejects German call .\n", "Peter Blackburn"]


def test_conll_stray_inside_tag_starts_an_entity(tmp_path):
    text = "-DOCSTART- -X- -X- O\n\nin IN B-PP O\nParis NNP B-NP I-LOC\n"
    doc = conll_document_to_doc(spacy.blank("en").vocab, read_conll(_write(tmp_path, "a.txt", text))[0])
    assert [(e.text, e.label_) for e in doc.ents] == [("Paris", "LOC")]


CONLLU = """# newdoc id = GUM_news_test
# sent_id = GUM_news_test-1
# text = Kim's dog barked.
1-2\tKim's\t_\t_\t_\t_\t_\t_\t_\t_
1\tKim\tKim\tPROPN\tNNP\tNumber=Sing\t3\tnmod:poss\t_\t_
2\t's\t's\tPART\tPOS\t_\t1\tcase\t_\t_
3\tdog\tdog\tNOUN\tNN\tNumber=Sing\t4\tnsubj\t_\t_
4\tbarked\tbark\tVERB\tVBD\tMood=Ind|Tense=Past|VerbForm=Fin\t0\troot\t_\tSpaceAfter=No
4.1\tbarked\tbark\tVERB\tVBD\t_\t_\t_\t0:root\tCopyOf=4
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# newdoc id = GUM_reddit_test
# sent_id = GUM_reddit_test-1
1\t_\t_\tPRON\tPRP\t_\t2\tnsubj\t_\t_
2\t_\t_\tVERB\tVBP\t_\t0\troot\t_\t_

"""


def test_conllu_reader_skips_reddit_documents(tmp_path):
    docs = read_conllu(_write(tmp_path, "x.conllu", CONLLU))
    assert [d.doc_id for d in docs] == ["GUM_news_test"]
    assert len(read_conllu(_write(tmp_path, "y.conllu", CONLLU), skip_reddit=False)) == 2


def test_conllu_uses_syntactic_words_of_multiword_tokens_and_skips_empty_nodes(tmp_path):
    document = read_conllu(_write(tmp_path, "x.conllu", CONLLU))[0]
    doc = conllu_document_to_doc(spacy.blank("en").vocab, document)
    assert doc.text == "Kim's dog barked. "
    assert [t.text for t in doc] == ["Kim", "'s", "dog", "barked", "."]
    assert [t.pos_ for t in doc] == ["PROPN", "PART", "NOUN", "VERB", "PUNCT"]
    assert [t.tag_ for t in doc] == ["NNP", "POS", "NN", "VBD", "."]
    assert [t.head.i for t in doc] == [2, 0, 3, 3, 3]
    assert [t.dep_ for t in doc] == ["nmod:poss", "case", "nsubj", "ROOT", "punct"]
    assert doc[3].lemma_ == "bark" and str(doc[3].morph) == "Mood=Ind|Tense=Past|VerbForm=Fin"
    stripped = conllu_document_to_doc(spacy.blank("en").vocab, document, strip_subtypes=True)
    assert stripped[0].dep_ == "nmod"


@needs_data
def test_converters_limit_sentences_and_write_docbins(tmp_path):
    n = conll_to_docbin(NER_DEV, tmp_path / "ner.spacy", max_sentences=25)
    assert n == 25
    docs = list(DocBin().from_disk(tmp_path / "ner.spacy").get_docs(spacy.blank("en").vocab))
    assert sum(len(list(d.sents)) for d in docs) == 25 and any(d.ents for d in docs)
    n = conllu_to_docbin(GUM_TRAIN, tmp_path / "gum.spacy", max_sentences=30)
    assert n == 30
    docs = list(DocBin().from_disk(tmp_path / "gum.spacy").get_docs(spacy.blank("en").vocab))
    assert all(d.has_annotation("DEP") and d.has_annotation("TAG") for d in docs)
    assert "_" not in {t.text for d in docs for t in d}


@needs_data
def test_a_merged_corpus_keeps_what_each_source_leaves_unannotated_missing(tmp_path):
    # the joint training relies on it: the parser and NER skip documents without heads / entities
    conll_to_docbin(NER_DEV, tmp_path / "ner.spacy", max_sentences=20)
    conllu_to_docbin(GUM_TRAIN, tmp_path / "gum.spacy", max_sentences=20)
    n = merge_docbins([tmp_path / "gum.spacy", tmp_path / "ner.spacy"], tmp_path / "core.spacy")
    docs = list(DocBin().from_disk(tmp_path / "core.spacy").get_docs(spacy.blank("en").vocab))
    assert n == len(docs) > 2
    gum = [d for d in docs if d.has_annotation("DEP")]
    ner = [d for d in docs if d.has_annotation("ENT_IOB")]
    assert gum and ner and not set(map(id, gum)) & set(map(id, ner))
    assert all(d.has_annotation("TAG") and not d.has_annotation("ENT_IOB") for d in gum)
    assert all(not d.has_annotation("TAG") and not d.has_annotation("DEP") for d in ner)
    assert any(d.ents for d in ner)


@needs_data
def test_quick_training_produces_a_loadable_pipeline_with_tagger_parser_ner(tmp_path):
    from spacy.pipeline.tok2vec import Tok2VecListener

    from pipeline.training.train import import_mention_confidence, train_model

    out = train_model(tmp_path / "model" / "newsie_en_core", DATA, quick=True,
                      max_sentences=30, seed=0, log=lambda *_: None, work_dir=tmp_path / "work")
    assert (out / "meta.json").exists() and (out / "LICENSES.md").exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no build leftovers
    import_mention_confidence()
    nlp = spacy.load(out)
    for name in ("tok2vec", "tagger", "morphologizer", "parser", "lemmatizer", "ner",
                 "newsie_mention_confidence"):
        assert name in nlp.pipe_names
    # one encoder: the NER listens to the shared tok2vec, right after it and before the parser
    # (it must not see the parser's sentence boundaries); the confidences after everything they read
    assert nlp.pipe_names[:2] == ["tok2vec", "ner"] and nlp.pipe_names[-1] == "newsie_mention_confidence"
    assert nlp.pipe_names.index("ner") < nlp.pipe_names.index("parser")
    assert any(isinstance(node, Tok2VecListener) for node in nlp.get_pipe("ner").model.walk())
    doc = nlp("Angela Merkel visited Paris on Monday .")
    assert all(t.tag_ and t.pos_ for t in doc) and doc.has_annotation("DEP")
    assert all(0.0 <= e._.confidence <= 1.0 for e in doc.ents)
    meta = json.loads((out / "meta.json").read_text())
    assert {"ents_f", "dep_las", "pos_acc"} <= set(meta["performance"])
    assert "CoNLL" in json.dumps(meta["sources"]) and "GUM" in json.dumps(meta["sources"])
    assert meta["newsie_training"]["quick"] is True


def test_the_shipped_model_declares_a_spacy_range_that_holds_the_installed_spacy():
    # otherwise every load warns (W095) that the model may not be compatible
    from spacy.util import is_compatible_version

    from pipeline.training.train import MODEL_NAME, PROJECT_ROOT

    meta = json.loads((PROJECT_ROOT / "pipeline" / "models" / MODEL_NAME / "meta.json").read_text())
    assert is_compatible_version(spacy.about.__version__, meta["spacy_version"])


def test_installing_a_model_replaces_the_old_directory_whole(tmp_path):
    from pipeline.training.train import install_atomically

    target = tmp_path / "models" / "newsie_en_core"
    for version in ("old", "new"):
        build = tmp_path / "models" / f".build-{version}"
        build.mkdir(parents=True)
        (build / "meta.json").write_text(version)
        if version == "old":
            (build / "only_in_old").write_text("x")
        install_atomically(build, target)
        assert not build.exists()
    assert (target / "meta.json").read_text() == "new"
    assert not (target / "only_in_old").exists()
    assert [p.name for p in target.parent.iterdir()] == ["newsie_en_core"]
