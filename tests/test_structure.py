"""Headlines and section headings are recognised and kept out of prose sentences."""
import spacy

from pipeline.components import structure  # noqa: F401  (registers the factory)
from pipeline.components.structure import iter_lines

from conftest import CORPUS


def make_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("newsie_structure")
    return nlp


def test_short_line_without_final_punctuation_is_a_heading():
    text = "Talks Resume in Beijing\nThe two leaders met on Monday. They spoke for hours.\n"
    doc = make_nlp()(text)
    assert [doc.text[s:e] for s, e in doc._.headings] == ["Talks Resume in Beijing"]


def test_every_line_starts_a_sentence_and_headings_are_not_split():
    text = "Agenda: Trade, Security. And More\nLee said it. Xi agreed.\n"
    doc = make_nlp()(text)
    # Line starts are sentence starts; heading tokens are not.
    starts = [t.text for t in doc if t.is_sent_start]
    assert starts[:2] == ["Agenda", "Lee"]
    heading_tokens = [t for t in doc if t.idx < text.index("\n")]
    assert all(t.is_sent_start is False for t in heading_tokens[1:])


def test_prose_lines_are_not_headings():
    text = "He said: \"we will go.\"\nShe replied that she would.\n"
    assert make_nlp()(text)._.headings == []


def test_single_line_document_is_never_a_heading():
    assert make_nlp()("Lee meets Xi")._.headings == []


def test_line_offsets_slice_the_stripped_line():
    text = "  Title here \r\n\nBody text.\n"
    lines = list(iter_lines(text, 25, (".",)))
    assert [text[line.start_char:line.end_char] for line in lines] == ["Title here", "Body text."]
    assert [line.is_heading for line in lines] == [True, False]


def test_sample_article_section_headings_are_found():
    path = sorted(CORPUS.glob("*.txt"))[1]
    text = path.read_text(encoding="utf-8")
    doc = make_nlp()(text)
    headings = [doc.text[s:e] for s, e in doc._.headings]
    assert headings[:2] == [
        "South Korea's President Lee Jae Myung Visits Beijing, Aims to Steady Ties Amid Regional Tensions",
        "S.Korea's Lee in Beijing for Key Summit with Xi Jinping",
    ]
    assert "Agenda: Trade, Security, and Thawing Exchanges" in headings
    assert not any(h.endswith(".") for h in headings)
