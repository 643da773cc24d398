"""newsie_relations: binary relations between entity mentions from the dependency parse.

Sets ``doc._.relations`` to a new, sorted list of :class:`pipeline.extensions.Relation`.
Subjects and mention objects are always spans of ``doc.ents`` (their exact offsets);
literal objects (titles, quotes, reported clauses) have ``object_start = None``.

Predicates (data: ``pipeline/data/relations/triggers.tsv``; priors: ``confidence.tsv``):

* ``holds_office``  PERSON -> title literal (``span._.title``), or -> the ORG/GPE of an
  apposition "Zhao Leji, Chairman of the National People's Congress" (title in object_text)
* ``nationality`` / ``affiliated_with``  PERSON -> NORP / GPE-ORG modifier of a titled name
  ("Chinese Premier Li Qiang", "South Korea's President Lee")
* ``met``, ``visited``, ``sanctioned``, ``attacked``, ``allied_with``, ``urged``,
  ``criticized`` ... : trigger verb/noun -> subject (nsubj, control through xcomp, shared
  subject of conj) and object (obj or obl/nmod with a given preposition)
* ``said``  speaker -> direct quote text, or the reported clause ("Lee stated that ...")

The parser is trained on GUM (UD labels). Pronoun subjects he/she are resolved to the most
recent PERSON mention when only one person is mentioned in that sentence and the one
before it.

Shared parse helpers here are also used by ``newsie_events``.
"""

import bisect
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from spacy.attrs import POS
from spacy.language import Language
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span, Token

from .. import extensions  # noqa: F401  (registers Doc/Span extensions)
from ..extensions import Relation, doc_text, token_indices
from ..config import stage_options
from ..resources import read_tsv

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "relations"

# --- dependency label sets (UD v2 as in GUM) ------------------------------------------
SUBJECT_DEPS = frozenset({"nsubj", "nsubj:pass", "nsubj:outer", "csubj", "csubj:pass"})
PASSIVE_SUBJECT_DEPS = frozenset({"nsubj:pass", "csubj:pass"})
AGENT_DEPS = frozenset({"obl:agent"})
OBJECT_DEPS = frozenset({"obj", "iobj"})
OBLIQUE_DEPS = frozenset({"obl", "nmod", "obl:arg", "obl:npmod", "nmod:npmod", "obl:agent", "advmod"})
POSSESSIVE_DEPS = frozenset({"nmod:poss"})
CASE_DEPS = frozenset({"case"})
CLAUSAL_COMPLEMENT_DEPS = frozenset({"ccomp", "xcomp", "parataxis"})
CONTROL_DEPS = frozenset({"xcomp"})  # subject of xcomp = subject of its head
CONJ_DEPS = frozenset({"conj"})
APPOS_DEPS = frozenset({"appos"})
NAME_DEPS = frozenset({"compound", "flat", "flat:name", "flat:foreign"})
MODIFIER_DEPS = frozenset({"amod", "compound", "nmod:poss", "nmod"})
RELCL_DEPS = frozenset({"acl:relcl"})
ADVERBIAL_CLAUSE_DEPS = frozenset({"advcl"})
NEGATION_WORDS = frozenset({"not", "n't", "never", "no"})
MODAL_WORDS = frozenset({"will", "would", "could", "may", "might", "should", "shall", "can", "'ll"})
PLANNING_LEMMAS = frozenset(
    {"schedule", "plan", "set", "expect", "aim", "intend", "want", "hope", "seek", "propose", "prepare"}
)
LIGHT_VERBS = frozenset(
    {"hold", "have", "make", "pay", "conduct", "begin", "commence", "start", "embark", "undertake", "launch",
     "stage", "carry", "continue", "complete", "end", "attend", "join", "go", "set"}
)
RELATIVE_PRONOUNS = frozenset({"which", "who", "that", "whom"})
PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})

PERSON_LABELS = frozenset({"PERSON"})
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})

QUOTE_RE = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{2,}?)[\"\u201d]")

DEFAULT_CONFIG = {"min_confidence": 0.0, "resolve_pronouns": True}


# --- data tables ----------------------------------------------------------------------
@lru_cache(maxsize=None)
def load_triggers() -> dict[tuple[str, str], dict]:
    rows = read_tsv(DATA_DIR / "triggers.tsv", ["lemma", "pos", "predicate", "objects", "family"])
    return {(r["lemma"], r["pos"]): r for r in rows}


@lru_cache(maxsize=None)
def load_non_office_titles() -> frozenset:
    with open(DATA_DIR / "non_office_titles.txt", encoding="utf-8") as fh:
        return frozenset(w.strip().lower() for w in fh if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=None)
def load_priors(path: Path = DATA_DIR / "confidence.tsv") -> dict[str, float]:
    rows = read_tsv(path, ["family", "prior", "n_checked", "n_correct", "note"])
    return {r["family"]: float(r["prior"]) for r in rows}


# --- token helpers ----------------------------------------------------------------------
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
             ("es", ""), ("s", ""), ("d", ""))


def lemma_of(token: Token, known: Optional[Iterable[str]] = None) -> str:
    """The token's lemma, lowercased. Falls back to suffix stripping (checked against
    ``known`` when given) if the pipeline has no lemmatizer."""
    lemma = (token.lemma_ or "").lower()
    text = token.lower_
    if lemma and (lemma != text or known is None or lemma in known):
        return lemma
    if known is None:
        return lemma or text
    if text in known:
        return text
    for suffix, repl in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 2:
            stem = text[: -len(suffix)] + repl
            if stem in known:
                return stem
            if repl == "" and len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in known:
                return stem[:-1]  # "planned" -> "plan"
    return lemma or text


# ids of the labels ``is_verb`` compares (every stage asks it of most tokens: ints, not strings)
_VERB, _NOUN, _X = POS_IDS["VERB"], POS_IDS["NOUN"], POS_IDS["X"]
_OBJECT_DEP_IDS = frozenset(get_string_id(d) for d in OBJECT_DEPS)


def is_verb(token: Token) -> bool:
    pos = token.pos
    if pos == _VERB or (pos in (0, _X) and token.tag_.startswith("VB")):
        return True
    if pos != _NOUN:
        return False
    # a noun with a direct object, or "to" + noun, is a mis-tagged verb ("to sanction 20 companies")
    before = token.i - 1
    return any(c.dep in _OBJECT_DEP_IDS or (c.i == before and c.lower_ == "to") for c in token.children)


# the parts of speech of every token ``is_verb`` or ``is_noun`` can be true of ("" = no tag)
VERB_OR_NOUN_POS = ("VERB", "NOUN", "PROPN", "X", "")
_VERB_OR_NOUN_POS_IDS = [POS_IDS[p] if p else 0 for p in VERB_OR_NOUN_POS]


def verb_or_noun_tokens(doc: Doc) -> Iterable[Token]:
    """The tokens ``is_verb`` or ``is_noun`` may accept, in order: determiners, prepositions,
    punctuation... (about half of a text) never become Python Tokens."""
    return (doc[i] for i in token_indices(doc, POS, _VERB_OR_NOUN_POS_IDS))


def is_noun(token: Token) -> bool:
    return (token.pos_ in ("NOUN", "PROPN") and not is_verb(token)) or (token.pos_ in ("", "X") and token.tag_.startswith("NN"))


def dep_base(token: Token) -> str:
    return token.dep_.split(":")[0]


def case_of(token: Token) -> Optional[str]:
    """The preposition introducing a nominal (its UD ``case`` child), lowercased."""
    for child in token.children:
        if child.dep_ in CASE_DEPS and child.i < token.i:
            return child.lower_
    return None


def with_conjuncts(token: Token) -> list[Token]:
    out = [token]
    for child in token.children:
        if child.dep_ in CONJ_DEPS:
            out.extend(with_conjuncts(child))
    return out


def is_negated(token: Token) -> bool:
    return any(
        (c.dep_ in ("advmod", "neg", "advmod:neg") and c.lower_ in NEGATION_WORDS) for c in token.children
    )


def is_hypothetical(token: Token) -> bool:
    """Modal/future trigger, or the complement of a planning verb ("scheduled to hold")."""
    seen = 0
    t = token
    while t is not None and seen < 4:
        if any(c.dep_.startswith("aux") and c.lower_ in MODAL_WORDS for c in t.children):
            return True
        if t.dep_ in CONTROL_DEPS | {"obj"} and lemma_of(t.head) in PLANNING_LEMMAS:
            return True
        if t.dep_ not in CONTROL_DEPS | CONJ_DEPS | {"obj"} or t.head is t:
            break
        t = t.head
        seen += 1
    return False


class MentionIndex:
    """Token index -> entity span, plus sentence helpers and pronoun resolution."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.by_token: dict[int, Span] = {}
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                self.by_token[i] = ent
        self.ents = list(doc.ents)
        self.by_start_char = {e.start_char: e for e in self.ents}
        self.persons = [e for e in self.ents if e.label_ in PERSON_LABELS]
        self.person_starts = [e.start for e in self.persons]
        self.person_ends = [e.end for e in self.persons]
        # tokens of a title written before a name ("Chinese leader" Xi Jinping: the title
        # was split off the PERSON span by newsie_entities) belong to that mention
        self.title_of: dict[int, Span] = {}
        self.ext_start: dict[tuple[int, int], int] = {}
        for ent in self.ents:
            start = ent.start
            title = (ent._.title or "").strip() if ent.label_ in PERSON_LABELS else ""
            if title:
                n = len(title.split())
                if start - n >= 0 and doc[start - n:start].text.lower() == title.lower():
                    for i in range(start - n, start):
                        if i not in self.by_token:
                            self.title_of[i] = ent
                    start -= n
            # an adjacent demonym / country modifier ("Chinese Premier Li Qiang")
            prev = self.by_token.get(start - 1)
            if prev is not None and prev.label_ in ("NORP", "GPE") and prev is not ent:
                start = prev.start
            elif start >= 2 and doc[start - 1].lower_ in ("'s", "\u2019s") and (start - 2) in self.by_token:
                start = self.by_token[start - 2].start
            while start > 0 and doc[start - 1].pos_ == "DET":
                start -= 1
            self.ext_start[(ent.start, ent.end)] = start

    def span_at(self, token: Token, labels=ACTOR_LABELS) -> Optional[Span]:
        ent = self.by_token.get(token.i)
        if ent is not None and ent.label_ in labels:
            return ent
        return None

    def entity_of(self, token: Token, labels=ACTOR_LABELS, modifiers: bool = False) -> Optional[Span]:
        """The mention a nominal head denotes: itself, a name inside a title phrase
        ("President" -compound/flat- "Lee"), an apposition, or (``modifiers``) an
        entity modifier ("South Korean officials" -> South Korean)."""
        ent = self.span_at(token, labels)
        if ent is not None:
            return ent
        if token.i in self.by_token:
            return None  # an entity of another type
        ent = self.title_of.get(token.i)
        if ent is not None and ent.label_ in labels:
            return ent
        for child in token.children:
            if child.dep_ in NAME_DEPS | APPOS_DEPS:
                ent = self.span_at(child, labels)
                if ent is not None:
                    return ent
        if token.dep_ in NAME_DEPS and token.head is not token:
            ent = self.span_at(token.head, labels)
            if ent is not None:
                return ent
        if modifiers and token.pos_ != "PRON":
            for child in token.children:
                if child.dep_ in MODIFIER_DEPS and child.dep_ != "nmod" or (
                    child.dep_ == "nmod" and case_of(child) == "of"
                ):
                    ent = self.span_at(child, labels)
                    if ent is not None:
                        return ent
        return None

    def prep_before(self, ent: Span) -> Optional[str]:
        """The preposition right before a mention's extended span (determiner, demonym,
        title included): "with Chinese leader Xi Jinping" -> "with"."""
        start = self.ext_start.get((ent.start, ent.end), ent.start)
        if start > 0 and self.doc[start - 1].pos_ in ("ADP", "SCONJ"):
            return self.doc[start - 1].lower_
        return None

    def np_chain(self, token: Token, labels=ACTOR_LABELS) -> list[tuple[str, Span]]:
        """Shallow fallback for noisy parses of event nouns: the prepositional phrases
        right after ``token`` ("meetings for President Lee with Premier Li Qiang and Zhao
        Leji") as (preposition, mention) pairs, left to right."""
        out: list[tuple[str, Span]] = []
        doc = self.doc
        sent_end = token.sent.end
        i = token.i + 1
        prep = None
        while i < sent_end:
            t = doc[i]
            ent = self.by_token.get(i) or self.title_of.get(i)
            if t.pos_ == "ADP" and ent is None:
                prep = t.lower_
            elif ent is not None:
                if prep is None:
                    break
                nxt = self.by_token.get(ent.end)
                adjacent_modifier = ent.label_ == "NORP" and (ent.end in self.title_of or (
                    nxt is not None and nxt.label_ in PERSON_LABELS))
                if ent.label_ in labels and not adjacent_modifier and (prep, ent) not in out:
                    out.append((prep, ent))
                i = max(i, ent.end - 1)
            elif t.pos_ in ("DET", "ADJ", "NUM", "CCONJ") or t.lower_ in ("'s", "\u2019s"):
                pass
            else:
                break
            i += 1
        return out

    def resolve_pronoun(self, token: Token) -> Optional[Span]:
        """he/she/his/her -> the most recent PERSON mention, if unambiguous: exactly one
        person (by ``local_entity``, else by surname) is mentioned between the start of
        the sentence before the pronoun's and the pronoun."""
        if token.lower_ not in PERSONAL_PRONOUNS:
            return None
        sent = token.sent
        prev_start = sent.start
        if sent.start > 0:
            prev_start = self.doc[sent.start - 1].sent.start
        n_before = bisect.bisect_right(self.person_ends, token.i)
        if not n_before:
            return None
        before = self.persons[:n_before]  # persons are sorted by start and do not overlap
        window = before[bisect.bisect_left(self.person_starts, prev_start, 0, n_before):]
        if not window:
            last = before[-1]
            lo = bisect.bisect_left(self.person_starts, last.sent.start, 0, n_before)
            window = before[lo:]
        keys = {self.entity_key(e) for e in window}
        if len(keys) != 1:
            return None
        return window[-1]

    @staticmethod
    def entity_key(span: Span):
        if span._.local_entity is not None:
            return ("local", span._.local_entity)
        return ("text", span[-1].lower_ if len(span) > 1 else span.text.lower())


def subject_tokens(verb: Token, depth: int = 0) -> list[Token]:
    """Subject head(s) of a predicate: its own nsubj, the controller's through xcomp,
    the first conjunct's through conj, the antecedent of a relative pronoun, or the
    main clause subject of a participial advcl ("..., landing in Beijing")."""
    subj = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    if not subj:  # noisy parses hang the subject on an auxiliary
        subj = [g for c in verb.children if c.dep_.startswith("aux") for g in c.children if g.dep_ in SUBJECT_DEPS]
    if subj:
        out = []
        for s in subj:
            if s.lower_ in RELATIVE_PRONOUNS and verb.dep_ in RELCL_DEPS:
                out.extend(with_conjuncts(verb.head))
            else:
                out.extend(with_conjuncts(s))
        return out
    if depth > 4 or verb.head is verb:
        return []
    infinitive = any(c.lower_ == "to" and c.i == verb.i - 1 for c in verb.children)
    if verb.dep_ in CONTROL_DEPS or (infinitive and dep_base(verb) in ("obl", "advcl", "ccomp")):
        # object control ("prompted China to sanction", "urge Beijing to play"), else subject control
        objs = [c for c in verb.head.children if c.dep_ in OBJECT_DEPS]
        if objs:
            return with_conjuncts(objs[0])
        return subject_tokens(verb.head, depth + 1)
    if verb.dep_ in CONJ_DEPS:
        return subject_tokens(verb.head, depth + 1)
    if verb.dep_ in ADVERBIAL_CLAUSE_DEPS and verb.tag_ in ("VBG", "VBN") and not any(
        c.dep_ == "mark" for c in verb.children
    ):
        return subject_tokens(verb.head, depth + 1)
    if verb.dep_ == "acl" and verb.tag_ in ("VBG",):
        return with_conjuncts(verb.head)
    return []


def is_passive(verb: Token) -> bool:
    return any(c.dep_ in PASSIVE_SUBJECT_DEPS or c.dep_ == "aux:pass" for c in verb.children)


def dependents_with_case(token: Token, preps: Iterable[str], idx: "Optional[MentionIndex]" = None) -> list[Token]:
    """obl/nmod dependents introduced by one of ``preps``. With ``idx``, a dependent that
    is part of a mention also counts when the preposition stands right before the mention
    (noisy parses attach the case marker to a title word: "with Chinese leader Xi")."""
    preps = set(preps)
    out = []
    for child in token.children:
        if child.dep_ in POSSESSIVE_DEPS or child.dep_ in CASE_DEPS:
            continue
        if dep_base(child) not in ("obl", "nmod"):
            continue
        case = case_of(child)
        if case is None and idx is not None:
            ent = idx.entity_of(child, ACTOR_LABELS | PLACE_LABELS)
            if ent is not None:
                case = idx.prep_before(ent)
        if case in preps:
            out.extend(with_conjuncts(child))
    return out


def object_tokens(token: Token, spec: str, idx: "Optional[MentionIndex]" = None) -> list[Token]:
    """Dependents of ``token`` named by a table spec: obj | prep:P | poss."""
    if spec == "obj":
        out = []
        for child in token.children:
            if child.dep_ in OBJECT_DEPS:
                out.extend(with_conjuncts(child))
        return out
    if spec == "poss":
        return [c for c in token.children if c.dep_ in POSSESSIVE_DEPS]
    if spec.startswith("prep:"):
        return dependents_with_case(token, [spec[5:]], idx)
    return []


def governing_verb(noun: Token) -> Optional[Token]:
    """The verb a trigger noun is the object of ("hold a summit", "commenced a visit"), or
    the light verb it is an oblique of ("embarked on a mission")."""
    if noun.head is noun or not is_verb(noun.head):
        return None
    if noun.dep_ in OBJECT_DEPS:
        return noun.head
    if dep_base(noun) == "obl" and lemma_of(noun.head, LIGHT_VERBS) in LIGHT_VERBS:
        return noun.head
    return None


def noun_subject_tokens(noun: Token, idx: "Optional[MentionIndex]" = None) -> list[Token]:
    """Agent of an event noun: possessor ("Lee's visit", "his trip"), by/for phrase
    ("meetings for President Lee"), else the subject of the verb governing it."""
    for child in noun.children:
        if child.dep_ in POSSESSIVE_DEPS:
            return with_conjuncts(child)
    agents = dependents_with_case(noun, ["by", "for", "from"], idx)
    if agents:
        return agents
    verb = governing_verb(noun)
    if verb is not None:
        return subject_tokens(verb)
    return []


def clause_text(doc: Doc, tokens: list[Token]) -> tuple[int, int]:
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t) for t in tokens)
    return start, end


def strip_literal(text: str) -> str:
    return text.strip().strip(",.;:").strip()


class RelationExtractor:
    def __init__(self, nlp: Optional[Language] = None, name: str = "newsie_relations", config: Optional[dict] = None):
        config = stage_options("newsie_relations", config, DEFAULT_CONFIG)
        self.name = name
        self.min_confidence = float(config["min_confidence"])
        self.resolve_pronouns = bool(config["resolve_pronouns"])
        self.triggers = load_triggers()
        self.priors = load_priors()
        self.trigger_lemmas = {k[0] for k in self.triggers}

    # -- helpers
    def prior(self, family: str) -> float:
        return self.priors.get(family, 0.5)

    def subject_mention(self, idx: MentionIndex, tokens: list[Token], labels=ACTOR_LABELS):
        """First subject token that is (or resolves to) a mention: (span, via_pronoun)."""
        for tok in tokens:
            ent = idx.entity_of(tok, labels)
            if ent is not None:
                yield ent, False
            elif self.resolve_pronouns and tok.lower_ in PERSONAL_PRONOUNS:
                ent = idx.resolve_pronoun(tok)
                if ent is not None and ent.label_ in labels:
                    yield ent, True

    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("DEP"):
            doc._.relations = []  # nothing to read relations from without a parse
            return doc
        idx = MentionIndex(doc)
        rels: list[Relation] = []
        rels.extend(self.title_relations(doc, idx))
        rels.extend(self.trigger_relations(doc, idx))
        rels.extend(self.quote_relations(doc, idx))
        rels = [r for r in rels if r.confidence >= self.min_confidence]
        doc._.relations = dedupe_relations(rels)
        return doc

    # -- titles, appositions, nationality
    def title_relations(self, doc: Doc, idx: MentionIndex) -> list[Relation]:
        out = []
        ents = idx.ents
        for k, ent in enumerate(ents):
            if ent.label_ not in PERSON_LABELS:
                continue
            sent = ent.sent
            title = ent._.title
            if title and title.split()[-1].lower() in load_non_office_titles():
                title = None  # "his predecessor, Yoon Suk Yeol": not an office
            appos_offices = self.appositive_offices(doc, idx, ent)
            out.extend(appos_offices)
            if title and not appos_offices:
                appos_offices = self.postposed_office(doc, idx, ent, title)
                out.extend(appos_offices)
            if title:
                already = any(r.object_text.lower() == title.lower() for r in appos_offices)
                if not already:
                    out.append(Relation(ent.start_char, ent.end_char, "holds_office", None, None, title,
                                        sent.start_char, sent.end_char, round(self.prior("title"), 3)))
            # NORP / GPE / ORG right before the (titled) name: "Chinese Premier Li Qiang",
            # "South Korea's President Lee".
            for prev in ents[k - 1:k] if k else []:
                if prev.end_char > ent.start_char or prev.sent.start != sent.start:
                    continue
                gap = doc_text(doc)[prev.end_char : ent.start_char]
                gap_norm = re.sub(r"\s+", " ", gap).strip()
                gap_norm = re.sub(r"^['\u2019]s\b", "", gap_norm).strip()
                allowed = {""} | ({title.strip()} if title else set())
                if gap_norm not in allowed and not (title and gap_norm.lower() == title.strip().lower()):
                    break
                if prev.label_ == "NORP":
                    out.append(Relation(ent.start_char, ent.end_char, "nationality", prev.start_char, prev.end_char,
                                        prev.text, sent.start_char, sent.end_char,
                                        round(self.prior("modifier_nationality"), 3)))
                elif prev.label_ in ("GPE", "ORG"):
                    out.append(Relation(ent.start_char, ent.end_char, "affiliated_with", prev.start_char,
                                        prev.end_char, prev.text, sent.start_char, sent.end_char,
                                        round(self.prior("modifier_affiliation"), 3)))
                break
        return out

    def postposed_office(self, doc: Doc, idx: MentionIndex, ent: Span, title: str) -> list[Relation]:
        """Surface form of an apposition the parser missed: "<PERSON>, <title> of [the] <ORG>"."""
        m = re.match(r"\s*,\s*" + re.escape(title) + r"\s+(?:of|for|at)\s+(?:the\s+)?", doc_text(doc)[ent.end_char:])
        if not m:
            return []
        org = idx.by_start_char.get(ent.end_char + m.end())
        if org is None or org.label_ not in ("ORG", "GPE"):
            return []
        sent = ent.sent
        return [Relation(ent.start_char, ent.end_char, "holds_office", org.start_char, org.end_char, title,
                         sent.start_char, sent.end_char, round(self.prior("appos_title"), 3))]

    def appositive_offices(self, doc: Doc, idx: MentionIndex, ent: Span) -> list[Relation]:
        """"Zhao Leji, Chairman of the National People's Congress" -> holds_office with the
        ORG/GPE as object and the title words as object_text."""
        out = []
        sent = ent.sent
        heads = []
        for tok in ent:
            for child in tok.children:
                if child.dep_ in APPOS_DEPS and child.i not in idx.by_token:
                    heads.append(child)
        for head in heads:
            if not is_noun(head):
                continue
            # an apposition stands right after its name: in "Li Qiang and Zhao Leji, Chairman
            # of ...", a parser attaching "Chairman" to the first conjunct is overruled
            first = min(t.i for t in head.subtree)
            if any(not t.is_punct for t in doc[ent.end:first]):
                continue
            orgs = []
            for child in head.children:
                if dep_base(child) == "nmod" and case_of(child) in ("of", "for", "at"):
                    for tok in with_conjuncts(child):
                        org = idx.entity_of(tok, frozenset({"ORG", "GPE"}))
                        if org is not None:
                            orgs.append(org)
            title_toks = [t for t in head.subtree if t.i <= head.i and t.dep_ not in ("det", "punct")
                          and t.i not in idx.by_token]
            title = " ".join(t.text for t in title_toks)
            if not title or not title[0].isupper() and not orgs:
                continue
            if orgs:
                for org in orgs:
                    out.append(Relation(ent.start_char, ent.end_char, "holds_office", org.start_char, org.end_char,
                                        title, sent.start_char, sent.end_char,
                                        round(self.prior("appos_title"), 3)))
            else:
                out.append(Relation(ent.start_char, ent.end_char, "holds_office", None, None, title,
                                    sent.start_char, sent.end_char, round(self.prior("appos_title"), 3)))
        return out

    # -- table-driven triggers
    def trigger_relations(self, doc: Doc, idx: MentionIndex) -> list[Relation]:
        out = []
        for tok in verb_or_noun_tokens(doc):
            if tok.i in idx.by_token:
                continue
            pos = "VERB" if is_verb(tok) else "NOUN" if is_noun(tok) else None
            if pos is None:
                continue
            lemma = lemma_of(tok, self.trigger_lemmas)
            row = self.triggers.get((lemma, pos)) or (
                self.triggers.get((tok.lower_, pos)) if pos == "NOUN" else None
            )
            if row is None or row["predicate"] == "said":
                continue
            if is_negated(tok):
                continue  # "did not meet": no relation
            sent = tok.sent
            factor = self.prior("factor:hypothetical") if is_hypothetical(tok) else 1.0
            if pos == "VERB":
                subj_toks = subject_tokens(tok)
                if is_passive(tok):
                    agents = [c for c in tok.children if c.dep_ in AGENT_DEPS or (
                        dep_base(c) == "obl" and case_of(c) == "by")]
                    subj_toks = agents
            else:
                subj_toks = noun_subject_tokens(tok, idx)
                gv = governing_verb(tok)
                if gv is not None and is_hypothetical(gv):
                    factor = self.prior("factor:hypothetical")
            subjects = list(self.subject_mention(idx, subj_toks))
            chain = idx.np_chain(tok, ACTOR_LABELS | PLACE_LABELS) if pos == "NOUN" else []
            if not subjects and chain:  # noisy parse: "meetings for President Lee with ..."
                subjects = [(e, False) for p, e in chain if p in ("for", "by")][:1]
            if not subjects:
                continue
            objects: list[Span] = []
            for spec in row["objects"].split(","):
                cands = object_tokens(tok, spec, idx)
                if not cands and pos == "NOUN" and spec.startswith("prep:"):
                    gv = governing_verb(tok)
                    if gv is not None:
                        cands = object_tokens(gv, spec, idx)
                    if not cands:
                        objects.extend(e for p, e in chain if p == spec[5:] and e not in objects)
                if pos == "VERB" and is_passive(tok) and spec == "obj":
                    cands = [c for c in tok.children if c.dep_ in PASSIVE_SUBJECT_DEPS]
                for c in cands:
                    ent = idx.entity_of(c, ACTOR_LABELS | PLACE_LABELS)
                    if ent is not None and ent not in objects:
                        objects.append(ent)
                if objects:
                    break
            prior = self.prior(row["family"])
            for subj, via_pronoun in subjects:
                conf = prior * factor * (self.prior("factor:pronoun_subject") if via_pronoun else 1.0)
                for obj in objects:
                    if obj.start_char == subj.start_char:
                        continue
                    out.append(Relation(subj.start_char, subj.end_char, row["predicate"], obj.start_char,
                                        obj.end_char, obj.text, sent.start_char, sent.end_char, round(conf, 3)))
        return out

    # -- said: direct quotes and reported speech
    @staticmethod
    def adjacent_obliques(doc: Doc, verb, toks: list) -> list:
        """Obliques of ``verb`` that continue its object without a gap: "stating respect | for
        the One-China policy regarding Taiwan", where the parser hung "for ..." on the verb.
        A time expression ("said the plan | on Tuesday") is not part of what was said."""
        out: list = []
        end = max(t.i for t in toks) + 1
        timexes = [(t.start_char, t.end_char) for t in (doc._.timexes or [])]
        for child in verb.children:
            if child.i < end or dep_base(child) != "obl":
                continue
            sub = list(child.subtree)
            if sub[0].i != end or sub[0].is_punct:
                break
            lo, hi = sub[0].idx, sub[-1].idx + len(sub[-1])
            if any(s < hi and e > lo for s, e in timexes):
                break
            out.extend(sub)
            end = max(t.i for t in sub) + 1
        return out

    def quote_relations(self, doc: Doc, idx: MentionIndex) -> list[Relation]:
        out = []
        quotes = [(m.start(1), m.end(1)) for m in QUOTE_RE.finditer(doc_text(doc))]
        used_quotes = set()
        speech_verbs = []
        for tok in verb_or_noun_tokens(doc):
            if not is_verb(tok) or tok.i in idx.by_token:
                continue
            row = self.triggers.get((lemma_of(tok, self.trigger_lemmas), "VERB"))
            if row is None or row["predicate"] != "said":
                continue
            if any(qs <= tok.idx < qe for qs, qe in quotes):
                continue  # a speech verb inside a quote is not the attribution
            speech_verbs.append(tok)
        for verb in speech_verbs:
            if is_negated(verb):
                continue
            subjects = list(self.subject_mention(idx, subject_tokens(verb), frozenset({"PERSON", "ORG", "GPE"})))
            if not subjects:
                continue
            sent = verb.sent
            # quotes inside this verb's clause (its subtree), else in its sentence when it
            # is the only speech verb there
            lo = min(t.idx for t in verb.subtree)
            hi = max(t.idx + len(t) for t in verb.subtree)
            mine = [q for q in quotes if lo <= q[0] and q[1] <= hi + 1]
            if not mine:
                others = [v for v in speech_verbs if v.sent.start == sent.start and v is not verb]
                if not others:
                    mine = [q for q in quotes if sent.start_char <= q[0] < sent.end_char]
            if mine:
                family = "said_direct_quote"
                literals = []
                for q in mine:
                    used_quotes.add(q)
                    literals.append(strip_literal(doc_text(doc)[q[0]:q[1]]))
            else:
                family = "said_reported"
                comp = [c for c in verb.children if c.dep_ in ("ccomp", "obj", "csubj")]
                if not comp:
                    continue
                toks = [t for c in comp for t in c.subtree]
                toks += self.adjacent_obliques(doc, verb, toks) if all(c.dep_ == "obj" for c in comp) else []
                toks = [t for t in toks if not (t.dep_ == "mark" and t.head in comp and t.i == min(x.i for x in toks))]
                if not toks:
                    continue
                s, e = clause_text(doc, toks)
                literals = [strip_literal(doc_text(doc)[s:e])]
            prior = self.prior(family)
            for subj, via_pronoun in subjects:
                conf = prior * (self.prior("factor:pronoun_subject") if via_pronoun else 1.0)
                for lit in literals:
                    if lit:
                        out.append(Relation(subj.start_char, subj.end_char, "said", None, None, lit,
                                            sent.start_char, sent.end_char, round(conf, 3)))
        return out


def dedupe_relations(rels: list[Relation]) -> list[Relation]:
    best: dict[tuple, Relation] = {}
    for r in rels:
        key = (r.subject_start, r.subject_end, r.predicate, r.object_start, r.object_end, r.object_text)
        if key not in best or r.confidence > best[key].confidence:
            best[key] = r
    return sorted(best.values(), key=relation_sort_key)


def relation_sort_key(r: Relation):
    return (r.start_char, r.subject_start, r.predicate,
            -1 if r.object_start is None else r.object_start, r.object_text, r.end_char)


@Language.factory("newsie_relations", default_config={"config": {}})
def make_relations(nlp: Language, name: str, config: dict) -> RelationExtractor:
    return RelationExtractor(nlp, name, config)
