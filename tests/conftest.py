import shutil
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc, Span

from pipeline import extensions  # noqa: F401  (registers the Doc/Span extensions)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED_DATA = ROOT.parent / "shared" / "data"

# Two tiny CoNLL-2003 documents (IOB2), for the readers and the scorer.
CONLL_SAMPLE = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP B-LOC
1996-08-22 CD I-NP O
"""


@pytest.fixture
def sample_corpus(tmp_path: Path) -> Path:
    """A copy of the sample corpus that a test may change."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


BLANK_EN = spacy.blank("en")
NO_SPACE_BEFORE = {",", ".", "'s", "n't"}


def parsed_doc(rows: str, ents=()) -> Doc:
    """A hand-parsed Doc. rows: one token per line, ``word head dep pos tag lemma`` (head
    1-based, 0 = root); ents: (start_token, end_token, label)."""
    toks = [line.split() for line in rows.strip().splitlines()]
    words = [t[0] for t in toks]
    spaces = [not (i + 1 < len(words) and words[i + 1] in NO_SPACE_BEFORE) for i in range(len(words))]
    doc = Doc(
        BLANK_EN.vocab, words=words, spaces=spaces,
        heads=[int(t[1]) - 1 if int(t[1]) else i for i, t in enumerate(toks)],
        deps=[t[2] for t in toks], pos=[t[3] for t in toks], tags=[t[4] for t in toks],
        lemmas=[t[5] for t in toks],
    )
    doc.ents = [Span(doc, s, e, label=lab) for s, e, lab in ents]
    return doc
