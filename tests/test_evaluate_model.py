"""Specification of newsie's model evaluation (pipeline/evaluate)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CONLL_SAMPLE as CONLL
import spacy
from spacy.language import Language

import pipeline.extensions  # noqa: F401
from pipeline.evaluate import evaluate_ner, evaluate_parser
from pipeline.evaluate.ner import calibration, map_label
from pipeline.training.convert import (
    conll_document_text,
    conll_document_to_doc,
    conllu_document_to_doc,
    read_conll,
    read_conllu,
)


CONLLU = """# newdoc id = GUM_news_test
# sent_id = GUM_news_test-1
1-2\tKim's\t_\t_\t_\t_\t_\t_\t_\t_
1\tKim\tKim\tPROPN\tNNP\tNumber=Sing\t3\tnmod:poss\t_\t_
2\t's\t's\tPART\tPOS\t_\t1\tcase\t_\t_
3\tdog\tdog\tNOUN\tNN\tNumber=Sing\t4\tnsubj\t_\t_
4\tbarked\tbark\tVERB\tVBD\t_\t0\troot\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# sent_id = GUM_news_test-2
1\tIt\tit\tPRON\tPRP\t_\t2\tnsubj\t_\t_
2\tslept\tsleep\tVERB\tVBD\t_\t0\troot\t_\tSpaceAfter=No
3\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

# newdoc id = GUM_reddit_test
# sent_id = GUM_reddit_test-1
1\t_\t_\tPRON\tPRP\t_\t2\tnsubj\t_\t_
2\t_\t_\tVERB\tVBP\t_\t0\troot\t_\t_

"""


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf8")
    return path


def _oracle_ner(gold_path: Path, *, relabel=None, confidence=1.0, drop_last=False):
    """A pipeline whose entities are the gold ones (optionally relabelled/dropped)."""
    nlp = spacy.blank("en")
    gold = {}
    for document in read_conll(gold_path):
        ref = conll_document_to_doc(nlp.vocab, document)
        gold[ref.text] = [(e.start_char, e.end_char, e.label_) for e in ref.ents]
    name = f"oracle_ner_{id(gold)}"

    @Language.component(name)
    def oracle(doc):
        spans = gold[doc.text][:-1] if drop_last else gold[doc.text]
        ents = []
        for start, end, label in spans:
            span = doc.char_span(start, end, label=(relabel or {}).get(label, label))
            span._.confidence = confidence
            ents.append(span)
        doc.ents = ents
        for ent in doc.ents:
            ent._.confidence = confidence
        return doc

    nlp.add_pipe(name)
    return nlp


def test_evaluate_ner_scores_a_perfect_prediction_as_one(tmp_path):
    gold = _file(tmp_path, "gold.txt", CONLL)
    result = evaluate_ner(gold, nlp=_oracle_ner(gold), log=lambda *_: None)
    assert result["overall"]["f"] == pytest.approx(1.0)
    assert result["overall"]["gold"] == 4
    assert {lab: s["f"] for lab, s in result["per_label"].items() if s["gold"]} == {
        "ORG": 1.0, "MISC": 1.0, "PER": 1.0, "LOC": 1.0}
    assert result["ece"] == pytest.approx(0.0)
    assert result["words"] == 9 and result["words_per_second"] > 0


def test_evaluate_ner_maps_newsie_labels_back_to_conll(tmp_path):
    gold = _file(tmp_path, "gold.txt", CONLL)
    nlp = _oracle_ner(gold, relabel={"PER": "PERSON", "LOC": "GPE", "MISC": "NORP"})
    assert evaluate_ner(gold, nlp=nlp, log=lambda *_: None)["overall"]["f"] == pytest.approx(1.0)
    assert map_label("FAC") == "LOC" and map_label("EVENT") == "MISC" and map_label("DATE") is None


def test_evaluate_ner_penalises_missing_mentions_and_counts_missing_confidence(tmp_path):
    gold = _file(tmp_path, "gold.txt", CONLL)
    result = evaluate_ner(gold, nlp=_oracle_ner(gold, confidence=None, drop_last=True),
                          log=lambda *_: None)
    assert result["overall"]["p"] == pytest.approx(1.0)
    assert result["overall"]["r"] == pytest.approx(0.5)  # one mention dropped in each doc
    assert result["missing_confidence"] == 2
    assert result["ece"] == pytest.approx(0.5)  # confidence 0.5, all correct


def test_calibration_bins_are_equal_width_and_weighted_by_count():
    ece, table = calibration([0.95, 0.95, 0.15, 0.15], [True, False, False, False])
    assert len(table) == 10 and table[9]["count"] == 2 and table[1]["count"] == 2
    assert ece == pytest.approx((2 * abs(0.95 - 0.5) + 2 * 0.15) / 4)


def test_conll_text_offsets_point_at_the_tokens(tmp_path):
    document = read_conll(_file(tmp_path, "gold.txt", CONLL))[0]
    text, offsets = conll_document_text(document)
    words = [w for s in document.sentences for w in s.words]
    assert [text[a:b] for sent in offsets for a, b in sent] == words


def _oracle_parser(gold_path: Path, *, break_labels=False):
    nlp = spacy.blank("en")
    gold = {}
    for document in read_conllu(gold_path):
        ref = conllu_document_to_doc(nlp.vocab, document)
        gold[tuple(t.text for t in ref)] = ref
    name = f"oracle_parser_{id(gold)}"

    @Language.component(name)
    def oracle(doc):
        ref = gold[tuple(t.text for t in doc)]
        for tok, gtok in zip(doc, ref):
            tok.pos_, tok.tag_, tok.lemma_ = gtok.pos_, gtok.tag_, gtok.lemma_
            tok.head = doc[gtok.head.i]
            tok.dep_ = "dep" if break_labels else gtok.dep_
        return doc

    nlp.add_pipe(name)
    return nlp, name


def test_evaluate_parser_scores_a_perfect_parse_as_one_and_skips_reddit(tmp_path, monkeypatch):
    gold = _file(tmp_path, "gold.conllu", CONLLU)
    nlp, name = _oracle_parser(gold)
    monkeypatch.setattr("pipeline.evaluate.parser.SYNTAX_COMPONENTS", (name,))
    result = evaluate_parser(gold, nlp=nlp, log=lambda *_: None)
    assert result["documents"] == 1 and result["words"] == 8
    for key in ("uas", "las", "las_stripped", "upos", "xpos", "lemma"):
        assert result[key] == pytest.approx(1.0), key


def test_evaluate_parser_las_needs_the_right_label(tmp_path, monkeypatch):
    gold = _file(tmp_path, "gold.conllu", CONLLU)
    nlp, name = _oracle_parser(gold, break_labels=True)
    monkeypatch.setattr("pipeline.evaluate.parser.SYNTAX_COMPONENTS", (name,))
    result = evaluate_parser(gold, nlp=nlp, log=lambda *_: None)
    assert result["uas"] == pytest.approx(1.0)
    assert result["las"] == pytest.approx(0.0)
