"""The contract between newsie's spaCy components and the record writer.

Every per-document stage leaves its results on ``Doc``/``Span`` extensions
registered here, as small named tuples whose fields are the columns of the
output tables. Character offsets are offsets into ``doc.text``, which is the
document text exactly as decoded, so ``doc.text[start_char:end_char]`` is the
surface text of every row.
"""
from __future__ import annotations

from typing import Collection, NamedTuple, Optional

import numpy
from spacy.tokens import Doc, Span


_TEXT_KEY = "newsie.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once per document.

    spaCy rebuilds ``Doc.text`` from every token on each access; the stages read
    it many times per document (quotes, gaps between mentions, the tagger's
    input), and a Doc's text never changes once tokenized.
    """
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def remember_text(doc: Doc, text: str) -> None:
    """Give ``doc_text`` the text ``doc`` was tokenized from, so that it is never rebuilt from the
    tokens (a Python object per token: ~5 µs a word). spaCy's tokenizer keeps every character, so
    that text is ``doc.text``; a tokenizer whose tokens do not end where the text ends is not trusted."""
    last = doc[-1] if len(doc) else None
    if (last.idx + len(last.text_with_ws) if last is not None else 0) == len(text):
        doc.user_data[_TEXT_KEY] = text


def token_indices(doc: Doc, attr: int, values: Collection[int]) -> list[int]:
    """Indices of the tokens whose attribute ``attr`` (``ORTH``, ``LOWER``, ``POS``, ``TAG``... ids)
    is one of ``values``, in order, read from the attribute array: the stages look for a few kinds
    of token, and a Python ``Token`` for every word of a text costs more than their own work."""
    if not len(doc):
        return []
    return numpy.flatnonzero(numpy.isin(doc.to_array(attr), numpy.fromiter(values, dtype="uint64"))).tolist()


class DocumentDate(NamedTuple):
    """The date an article speaks from (its publication date)."""

    value: Optional[str]  # ISO 8601 date (or datetime) or None when unknown
    source: str  # "metadata" | "inferred" | "none"
    confidence: float


class Timex(NamedTuple):
    """A TIMEX3 temporal expression, normalized."""

    start_char: int
    end_char: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str  # TIMEX3 value: 2026-01-05, 2025-11, P2M, PRESENT_REF, XXXX-01-06 ...
    begin: Optional[str]  # first day/instant covered (ranges and granular dates)
    end: Optional[str]  # last day/instant covered
    granularity: str  # year | quarter | month | week | day | time | duration | set | ref
    anchor: Optional[str]  # ISO date the value was resolved against, None if absolute
    anchor_source: Optional[str]  # "published" | "inferred" | "context" | None
    confidence: float


class Relation(NamedTuple):
    """A binary relation between a mention and a mention or a literal."""

    subject_start: int
    subject_end: int
    predicate: str  # holds_office, met, visited, said, ...
    object_start: Optional[int]  # None when the object is a literal (object_text)
    object_end: Optional[int]
    object_text: str
    start_char: int  # evidence span (usually the sentence or clause)
    end_char: int
    confidence: float


class EventActor(NamedTuple):
    start_char: int
    end_char: int
    role: str  # "source" | "target" | "participant"


class Event(NamedTuple):
    """An event mention coded with CAMEO, anchored on its trigger."""

    start_char: int  # trigger
    end_char: int
    trigger: str
    event_type: str  # CAMEO code, e.g. "042"
    event_label: str  # human-readable CAMEO name, e.g. "Make a visit"
    actors: tuple  # tuple[EventActor, ...]
    date: Optional[str]  # TIMEX3 value of the event's date, if any
    date_start: Optional[int]  # offsets of the timex that dated it
    date_end: Optional[int]
    location_start: Optional[int]  # offsets of the location mention
    location_end: Optional[int]
    confidence: float


def _register() -> None:
    doc_extensions = {
        # Inputs set by the runner before the pipeline runs.
        "doc_id": None,
        "published": None,  # ISO string from metadata, or None
        # Outputs of the stages.
        "document_date": None,  # DocumentDate
        # Lists default to None, never to a shared list: stages assign new lists.
        "timexes": None,  # list[Timex]
        "relations": None,  # list[Relation]
        "events": None,  # list[Event]
        "headings": None,  # list[tuple[int, int]] char spans of headlines/headings
    }
    for name, default in doc_extensions.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    span_extensions = {
        "confidence": None,  # float, probability that span and label are right
        "title": None,  # str, e.g. "President" for "President Lee Jae Myung"
        "stage": None,  # which stage produced the mention: "ner" | "rule" | ...
        "local_entity": None,  # int, within-document entity cluster key
        "country": None,  # ISO 3166 alpha-2 code where known
    }
    for name, default in span_extensions.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


_register()
