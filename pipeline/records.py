"""Turning a processed ``Doc`` into per-document table rows.

Ids made here depend only on the document and are therefore stable across runs:
row ids are local (``{doc_id}:m3``) and entity ids are canonical
(``pipeline.entity_ids``); only event cluster ids are filled in later, by the
corpus step that merges events across documents.
"""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Optional

from .entity_ids import assign_entities
from .reader import SourceDocument
from .schema import empty_row

if TYPE_CHECKING:  # the rows of failed documents are made where spaCy is not loaded
    from spacy.tokens import Doc

Rows = dict[str, list[dict]]


def document_row(src: SourceDocument, doc: Optional[Doc] = None, n_sentences: int = 0) -> dict:
    row = empty_row("documents")
    row.update(
        doc_id=src.doc_id, path=src.path, title=src.title, source=src.source, url=src.url,
        published=src.published, published_source="metadata" if src.published else "none",
        published_confidence=1.0 if src.published else 0.0,
        language=src.language, encoding=src.encoding, n_chars=len(src.text),
        n_tokens=0, n_sentences=0, sha256=src.sha256 or None, status=src.status, error=src.error,
    )
    if doc is not None:
        # counted in numpy: iterating creates a Python object per token
        row["n_tokens"] = len(doc) - int(doc.to_array("IS_SPACE").sum()) if len(doc) else 0
        row["n_sentences"] = n_sentences
        date = doc._.document_date
        if date is not None and not src.published:
            row.update(published=date.value, published_source=date.source,
                       published_confidence=float(date.confidence))
    return row


def error_rows(src: SourceDocument) -> list[dict]:
    rows = [dict(doc_id=src.doc_id, path=src.path, stage=stage, message=msg) for stage, msg in src.errors]
    if src.status != "ok" and src.error:
        rows.append(dict(doc_id=src.doc_id, path=src.path, stage="read", message=src.error))
    return rows


def failed_document_rows(src: SourceDocument) -> Rows:
    """Rows for a document that could not be processed."""
    return {"documents": [document_row(src)], "errors": error_rows(src)}


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence, whitespace trimmed.

    Without a parser or sentence segmenter, each line is a sentence.
    """
    from .extensions import doc_text

    spans: list[tuple[int, int]] = []
    if doc.has_annotation("SENT_START"):
        for sent in doc.sents:
            tokens = [t for t in sent if not t.is_space]
            if tokens:
                spans.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)))
        return spans
    pos = 0
    for line in doc_text(doc).splitlines(keepends=True):
        body = line.strip()
        if body:
            start = pos + line.index(body[0])
            spans.append((start, start + len(body)))
        pos += len(line)
    return spans


def _sent_index(starts: list[int], char: int) -> int:
    return max(bisect.bisect_right(starts, char) - 1, 0)


def doc_rows(src: SourceDocument, doc: Doc) -> Rows:
    """All per-document rows for a successfully processed document."""
    from .extensions import doc_text

    text = doc_text(doc)
    sents = sentence_spans(doc)
    starts = [s for s, _ in sents]
    headings = set(doc._.headings or [])
    rows: Rows = {
        "documents": [document_row(src, doc, len(sents))],
        "texts": [dict(doc_id=src.doc_id, text=text)],
        "sentences": [
            dict(doc_id=src.doc_id, sent_id=i, start_char=s, end_char=e, is_heading=(s, e) in headings)
            for i, (s, e) in enumerate(sents)
        ],
        "errors": error_rows(src),
    }

    mentions = []
    mention_ids: dict[tuple[int, int], str] = {}
    for i, ent in enumerate(sorted(doc.ents, key=lambda e: (e.start_char, e.end_char))):
        mid = f"{src.doc_id}:m{i}"
        mention_ids[(ent.start_char, ent.end_char)] = mid
        conf = ent._.confidence
        mentions.append(dict(
            doc_id=src.doc_id, mention_id=mid, sent_id=_sent_index(starts, ent.start_char),
            start_char=ent.start_char, end_char=ent.end_char, text=text[ent.start_char:ent.end_char],
            label=ent.label_, entity_id=None, confidence=float(conf) if conf is not None else None,
            stage=ent._.stage or "ner", title=ent._.title, country=ent._.country,
            local_entity=ent._.local_entity,
        ))
    entity_of = assign_entities(mentions)
    for m in mentions:
        del m["local_entity"]  # consumed by assign_entities
    rows["mentions"] = mentions

    timexes = []
    timex_ids: dict[tuple[int, int], str] = {}
    for i, tx in enumerate(sorted(doc._.timexes or [], key=lambda t: (t.start_char, t.end_char))):
        tid = f"{src.doc_id}:t{i}"
        timex_ids[(tx.start_char, tx.end_char)] = tid
        row = tx._asdict()
        row.update(doc_id=src.doc_id, timex_id=tid, sent_id=_sent_index(starts, tx.start_char),
                   text=text[tx.start_char:tx.end_char], confidence=float(tx.confidence))
        timexes.append(row)
    rows["timexes"] = timexes

    relations = []
    for i, rel in enumerate(sorted(doc._.relations or [], key=lambda r: (r.start_char, r.subject_start, r.predicate))):
        obj_mid = mention_ids.get((rel.object_start, rel.object_end)) if rel.object_start is not None else None
        subj_mid = mention_ids.get((rel.subject_start, rel.subject_end))
        relations.append(dict(
            doc_id=src.doc_id, relation_id=f"{src.doc_id}:r{i}",
            subject_id=entity_of.get(subj_mid), subject_mention_id=subj_mid,
            predicate=rel.predicate, object_id=entity_of.get(obj_mid), object_mention_id=obj_mid,
            object_text=rel.object_text, start_char=rel.start_char, end_char=rel.end_char,
            confidence=float(rel.confidence),
        ))
    rows["relations"] = relations

    events = []
    for i, ev in enumerate(sorted(doc._.events or [], key=lambda e: (e.start_char, e.event_type))):
        actors = []
        source = target = None
        for actor in ev.actors:
            mid = mention_ids.get((actor.start_char, actor.end_char))
            if mid is None:
                continue
            actors.append(entity_of[mid])
            if actor.role == "source" and source is None:
                source = entity_of[mid]
            elif actor.role == "target" and target is None:
                target = entity_of[mid]
        loc_mid = mention_ids.get((ev.location_start, ev.location_end)) if ev.location_start is not None else None
        events.append(dict(
            doc_id=src.doc_id, event_id=f"{src.doc_id}:v{i}", start_char=ev.start_char,
            end_char=ev.end_char, trigger=text[ev.start_char:ev.end_char], event_type=ev.event_type,
            event_label=ev.event_label,
            actors=sorted(set(actors)), source_id=source, target_id=target, date=ev.date,
            timex_id=timex_ids.get((ev.date_start, ev.date_end)) if ev.date_start is not None else None,
            location_id=entity_of.get(loc_mid),
            location=text[ev.location_start:ev.location_end] if ev.location_start is not None else None,
            cluster_id=None, confidence=float(ev.confidence),
        ))
    rows["events"] = events
    return rows
