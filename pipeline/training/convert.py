"""Readers and converters for newsie's training corpora.

* CoNLL++ (CoNLL-2003 format, IOB2 tags, ``-DOCSTART-`` between documents)
  -> one spaCy ``Doc`` per document with ``doc.ents`` and sentence starts.
* GUM CoNLL-U (one file per document) -> one ``Doc`` per document with
  ``pos_`` (UPOS), ``tag_`` (XPOS), ``morph``, ``lemma_``, heads and deps.
  Reddit documents (words replaced by ``_``) are skipped, empty nodes
  (``8.1``) are ignored and multiword-token ranges (``3-4``) contribute only
  their spacing; the syntactic words are the tokens.

Both converters write ``DocBin`` files that spaCy's training loop reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from spacy.tokens import Doc, DocBin
from spacy.training import biluo_tags_to_spans, iob_to_biluo
from spacy.vocab import Vocab

# ---------------------------------------------------------------- CoNLL-2003


@dataclass
class ConllSentence:
    words: list[str]
    tags: list[str]  # IOB2 entity tags, e.g. B-PER, I-PER, O


@dataclass
class ConllDocument:
    sentences: list[ConllSentence] = field(default_factory=list)


def read_conll(path: Path) -> list[ConllDocument]:
    """Read a CoNLL-2003 file (``token POS chunk tag``), keeping document boundaries.

    Every ``-DOCSTART-`` line starts a new document; blank lines end sentences.
    Text before the first ``-DOCSTART-`` forms a document of its own.
    """
    docs: list[ConllDocument] = []
    current: Optional[ConllDocument] = None
    words: list[str] = []
    tags: list[str] = []

    def flush_sentence() -> None:
        nonlocal words, tags, current
        if words:
            if current is None:
                current = ConllDocument()
                docs.append(current)
            current.sentences.append(ConllSentence(words, tags))
        words, tags = [], []

    with open(path, encoding="utf8") as fh:
        for raw in fh:
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                flush_sentence()
                continue
            parts = line.split()
            if parts[0] == "-DOCSTART-":
                flush_sentence()
                current = ConllDocument()
                docs.append(current)
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    flush_sentence()
    return [d for d in docs if d.sentences]


def iob2_to_biluo(tags: list[str]) -> list[str]:
    """Convert IOB2 (or IOB1) tags to BILUO, repairing stray ``I-`` starts."""
    fixed = []
    prev = "O"
    for tag in tags:
        if tag.startswith("I-") and (prev == "O" or prev[2:] != tag[2:]):
            tag = "B-" + tag[2:]
        fixed.append(tag)
        prev = tag
    return iob_to_biluo(fixed)


def conll_document_text(document: ConllDocument) -> tuple[str, list[list[tuple[int, int]]]]:
    """The text newsie builds for a CoNLL document and each token's character span.

    Tokens are joined by single spaces, sentences by a newline (one line per
    sentence, like an article's paragraphs).
    """
    parts: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    pos = 0
    for si, sent in enumerate(document.sentences):
        if si:
            parts.append("\n")
            pos += 1
        sent_offsets = []
        for wi, word in enumerate(sent.words):
            if wi:
                parts.append(" ")
                pos += 1
            parts.append(word)
            sent_offsets.append((pos, pos + len(word)))
            pos += len(word)
        offsets.append(sent_offsets)
    return "".join(parts), offsets


def conll_document_to_doc(vocab: Vocab, document: ConllDocument) -> Doc:
    """One ``Doc`` per document with the layout of ``conll_document_text``.

    The newline between sentences is a whitespace token (as spaCy's tokenizer
    makes it), so the NER learns to work on text laid out in lines.
    """
    words: list[str] = []
    spaces: list[bool] = []
    sent_starts: list[bool] = []
    biluo: list[str] = []
    for si, sent in enumerate(document.sentences):
        if si:
            spaces[-1] = False
            words.append("\n")
            spaces.append(False)
            sent_starts.append(False)
            biluo.append("O")
        words.extend(sent.words)
        spaces.extend([True] * (len(sent.words) - 1) + [False])
        sent_starts.extend([True] + [False] * (len(sent.words) - 1))
        biluo.extend(iob2_to_biluo(sent.tags))
    doc = Doc(vocab, words=words, spaces=spaces, sent_starts=sent_starts)
    doc.ents = biluo_tags_to_spans(doc, biluo)
    return doc


def limit_sentences(documents: list, max_sentences: Optional[int]) -> list:
    """Keep whole documents (the last one truncated) up to ``max_sentences`` sentences."""
    if max_sentences is None:
        return documents
    out = []
    left = max_sentences
    for document in documents:
        if left <= 0:
            break
        sents = document.sentences[:left]
        out.append(type(document)(sentences=sents, **_extra_fields(document)))
        left -= len(sents)
    return out


def _extra_fields(document) -> dict:
    return {k: v for k, v in vars(document).items() if k != "sentences"}


def conll_to_docbin(
    src: Path, dest: Path, *, max_sentences: Optional[int] = None, vocab: Optional[Vocab] = None
) -> int:
    """Convert a CoNLL-2003 file to a ``DocBin``; returns the number of sentences written."""
    vocab = vocab or Vocab()
    documents = limit_sentences(read_conll(src), max_sentences)
    db = DocBin(attrs=["ORTH", "SPACY", "SENT_START", "ENT_IOB", "ENT_TYPE"])
    n = 0
    for document in documents:
        db.add(conll_document_to_doc(vocab, document))
        n += len(document.sentences)
    dest.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(dest)
    return n


# ---------------------------------------------------------------- CoNLL-U


@dataclass
class ConlluToken:
    form: str
    lemma: str
    upos: str
    xpos: str
    feats: str
    head: int  # 1-based within the sentence, 0 = root
    deprel: str
    space_after: bool


@dataclass
class ConlluSentence:
    tokens: list[ConlluToken]
    sent_id: str = ""


@dataclass
class ConlluDocument:
    doc_id: str
    sentences: list[ConlluSentence] = field(default_factory=list)

    @property
    def is_reddit(self) -> bool:
        if "reddit" in self.doc_id.lower():
            return True
        forms = [t.form for s in self.sentences for t in s.tokens]
        return bool(forms) and sum(f == "_" for f in forms) > 0.5 * len(forms)


def _space_after(misc: str) -> bool:
    return "SpaceAfter=No" not in misc.split("|")


def _parse_conllu(path: Path) -> Iterator[ConlluDocument]:
    document: Optional[ConlluDocument] = None
    tokens: list[ConlluToken] = []
    sent_id = ""
    mwt_end = -1
    mwt_space = True

    def new_doc(doc_id: str) -> ConlluDocument:
        return ConlluDocument(doc_id=doc_id)

    with open(path, encoding="utf8") as fh:
        lines = fh.read().split("\n")
    for line in lines + [""]:
        if line.startswith("#"):
            if line.startswith("# newdoc id"):
                if document is not None and document.sentences:
                    yield document
                document = new_doc(line.split("=", 1)[1].strip())
            elif line.startswith("# sent_id"):
                sent_id = line.split("=", 1)[1].strip()
            continue
        if not line.strip():
            if tokens:
                if document is None:
                    document = new_doc(path.stem)
                document.sentences.append(ConlluSentence(tokens, sent_id))
            tokens, sent_id, mwt_end = [], "", -1
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise ValueError(f"{path}: malformed CoNLL-U line: {line!r}")
        tid = cols[0]
        if "." in tid:  # empty node (enhanced graph only)
            continue
        if "-" in tid:  # multiword token: its SpaceAfter applies to its last word
            mwt_end = int(tid.split("-")[1])
            mwt_space = _space_after(cols[9])
            continue
        idx = int(tid)
        if mwt_end != -1 and idx < mwt_end:
            space = False
        elif idx == mwt_end:
            space = mwt_space
        else:
            space = _space_after(cols[9])
        tokens.append(
            ConlluToken(
                form=cols[1],
                lemma=cols[2],
                upos=cols[3],
                xpos=cols[4],
                feats="" if cols[5] == "_" else cols[5],
                head=int(cols[6]),
                deprel=cols[7],
                space_after=space,
            )
        )
    if document is not None and document.sentences:
        yield document


def conllu_files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix == ".conllu")
    return [path]


def read_conllu(path: Path, *, skip_reddit: bool = True) -> list[ConlluDocument]:
    """Read a CoNLL-U file or a directory of them; Reddit documents are skipped."""
    out = []
    for f in conllu_files(path):
        for document in _parse_conllu(f):
            if skip_reddit and document.is_reddit:
                continue
            out.append(document)
    return out


def normalize_deprel(deprel: str, *, strip_subtypes: bool = False) -> str:
    deprel = "ROOT" if deprel.lower() == "root" else deprel
    if strip_subtypes and ":" in deprel:
        deprel = deprel.split(":", 1)[0]
    return deprel


def conllu_sentences_words(sentences: Iterable[ConlluSentence]) -> tuple[list[str], list[bool]]:
    words, spaces = [], []
    for sent in sentences:
        for i, tok in enumerate(sent.tokens):
            words.append(tok.form)
            last = i == len(sent.tokens) - 1
            # Sentences are separated by a space even where SpaceAfter=No is
            # absent in the source layout (paragraph breaks etc.).
            spaces.append(tok.space_after or last)
    return words, spaces


def conllu_document_to_doc(
    vocab: Vocab, document: ConlluDocument, *, strip_subtypes: bool = False
) -> Doc:
    words, spaces = conllu_sentences_words(document.sentences)
    heads, deps, tags, pos, morphs, lemmas, sent_starts = [], [], [], [], [], [], []
    offset = 0
    for sent in document.sentences:
        for i, tok in enumerate(sent.tokens):
            heads.append(offset + (tok.head - 1 if tok.head > 0 else i))
            deps.append(normalize_deprel(tok.deprel, strip_subtypes=strip_subtypes))
            tags.append(tok.xpos if tok.xpos != "_" else "")
            pos.append(tok.upos if tok.upos != "_" else "")
            morphs.append(tok.feats)
            lemmas.append(tok.lemma)
            sent_starts.append(i == 0)
        offset += len(sent.tokens)
    return Doc(
        vocab,
        words=words,
        spaces=spaces,
        heads=heads,
        deps=deps,
        tags=tags,
        pos=pos,
        morphs=morphs,
        lemmas=lemmas,
        sent_starts=sent_starts,
    )


def conllu_to_docbin(
    src: Path,
    dest: Path,
    *,
    max_sentences: Optional[int] = None,
    strip_subtypes: bool = False,
    chunk_sentences: Optional[int] = None,
    vocab: Optional[Vocab] = None,
) -> int:
    """Convert GUM CoNLL-U (file or directory) to a ``DocBin``; returns sentences written.

    ``chunk_sentences`` splits documents into training docs of at most that many
    sentences (better shuffling; GUM documents are about 1,000 words long).
    """
    vocab = vocab or Vocab()
    documents = limit_sentences(read_conllu(src), max_sentences)
    db = DocBin(store_user_data=False)
    n = 0
    for document in documents:
        step = chunk_sentences or len(document.sentences)
        for i in range(0, len(document.sentences), step):
            part = ConlluDocument(document.doc_id, document.sentences[i : i + step])
            db.add(conllu_document_to_doc(vocab, part, strip_subtypes=strip_subtypes))
        n += len(document.sentences)
    dest.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(dest)
    return n


def merge_docbins(sources: Iterable[Path], dest: Path, *, vocab: Optional[Vocab] = None) -> int:
    """Write the documents of ``sources`` (in order) into one ``DocBin``; returns the number of documents.

    What a source does not annotate stays missing in the merged file (a CoNLL document has no
    tags or heads, a GUM document no entities), which spaCy's components skip in training."""
    vocab = vocab or Vocab()
    db = DocBin(store_user_data=False)
    for src in sources:
        for doc in DocBin().from_disk(src).get_docs(vocab):
            db.add(doc)
    dest.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(dest)
    return len(db)
