"""spaCy component ``newsie_timex``: TIMEX3 tagging and the article's date."""

import numpy
from spacy.attrs import TAG
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import doc_text, token_indices
from pipeline.timex.calibration import load_calibrator
from pipeline.timex.lexicon import load_lexicon
from pipeline.timex.tagger import check_config, tag_text

# tags of the verbs and modals whose tense gives relative dates their direction
TENSE_TAG_PREFIXES = ("VB", "MD")


@Language.factory("newsie_timex", default_config={"config": {}})
class TimexTagger:
    """Sets ``doc._.timexes`` (new list, sorted by start_char) and ``doc._.document_date``.

    Reads ``doc._.published`` (ISO date from metadata, or None). Uses sentence
    boundaries and POS tags when an earlier component set them, text
    heuristics otherwise (works on ``spacy.blank("en")``).
    """

    def __init__(self, nlp: Language, name: str = "newsie_timex", config: dict | None = None):
        self.name = name
        self.cfg = check_config(config or {})
        self.lex = load_lexicon()
        self.calibrator = load_calibrator(self.cfg["calibration_file"])

    def __call__(self, doc: Doc) -> Doc:
        sentences = None
        if doc.has_annotation("SENT_START"):
            sentences = [(s.start_char, s.end_char) for s in doc.sents]
        tokens = None
        if self.cfg["use_tags"] and doc.has_annotation("TAG"):
            # found from the TAG array: a Python Token for every word of the text costs more than the tagging
            tense_tags = [t for t in numpy.unique(doc.to_array(TAG)).tolist()
                          if doc.vocab.strings[t].startswith(TENSE_TAG_PREFIXES)]
            tokens = [(t.idx, t.idx + len(t.text), t.lower_, t.tag_)
                      for t in (doc[i] for i in token_indices(doc, TAG, tense_tags))]
        timexes, doc_date = tag_text(doc_text(doc), doc._.published, sentences=sentences, tokens=tokens,
                                     config=self.cfg, lex=self.lex, calibrator=self.calibrator)
        doc._.timexes = list(timexes)
        doc._.document_date = doc_date
        return doc
