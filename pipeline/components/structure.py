"""Document structure: lines, headlines and section headings.

News text arrives with one paragraph or heading per line. A parser trained on
running prose glues a headline ("A Strategic Visit Amid Regional Friction")
into the sentence that follows it; setting sentence starts before the parser
runs stops that, because spaCy's parser respects boundaries already set.
"""

import tomllib
from pathlib import Path
from typing import Iterator, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import doc_text
from ..config import stage_options

DATA_PATH = Path(__file__).resolve().parents[1] / "data" / "structure" / "headings.toml"


class Line(NamedTuple):
    start_char: int
    end_char: int  # exclusive, without the newline
    is_heading: bool


def load_heading_rules(path: Path = DATA_PATH) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def iter_lines(text: str, max_words: int, sentence_final: tuple[str, ...]) -> Iterator[Line]:
    """Non-empty lines of ``text`` with their offsets (stripped of outer spaces)."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            start = pos + (len(body) - len(body.lstrip()))
            end = start + len(stripped)
            heading = len(stripped.split()) <= max_words and not stripped.endswith(sentence_final)
            yield Line(start, end, heading)
        pos += len(raw)


class DocumentStructure:
    """Marks line starts as sentence starts and keeps headings whole."""

    def __init__(self, nlp: Language, name: str, config: dict) -> None:
        rules = stage_options("newsie_structure", config, load_heading_rules())
        self.max_words = int(rules["max_words"])
        self.sentence_final = tuple(rules["sentence_final"])
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        headings: list[tuple[int, int]] = []
        text = doc_text(doc)
        if "\n" not in text and "\r" not in text:
            doc._.headings = headings
            return doc
        lines = list(iter_lines(text, self.max_words, self.sentence_final))
        # A single-line document is prose, never a heading.
        single = len(lines) == 1
        for line in lines:
            span = doc.char_span(line.start_char, line.end_char, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            first = span[0]
            first.is_sent_start = True
            is_heading = line.is_heading and not single
            if is_heading:
                headings.append((line.start_char, line.end_char))
                for token in span[1:]:
                    token.is_sent_start = False
            # Whitespace tokens (the newline itself) belong to the sentence before them.
            nxt = span.end
            while nxt < len(doc) and doc[nxt].is_space:
                doc[nxt].is_sent_start = False
                nxt += 1
        doc._.headings = headings
        return doc


@Language.factory("newsie_structure", default_config={"config": {}})
def make_document_structure(nlp: Language, name: str, config: dict) -> DocumentStructure:
    return DocumentStructure(nlp, name, config)
