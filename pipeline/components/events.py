"""newsie_events: CAMEO event coding of verb and noun triggers, PETRARCH2 style.

Sets ``doc._.events`` to a new, sorted list of :class:`pipeline.extensions.Event`.

Data (shipped in ``pipeline/data/cameo/``, built by ``pipeline/events_data.py`` from
PETRARCH2's CAMEO 2.0 verb dictionary, MIT licence; nothing outside the package is read):

* ``verbs.tsv``    verb lemma (+ phrasal particle / newsie pattern) -> CAMEO code, block
* ``patterns.tsv`` PETRARCH block patterns: verb + object head / preposition -> code
* ``nouns.tsv``    event nouns (visit, summit, talks, sanctions, drills, launch ...) -> code
* ``codes.tsv``    code -> label
* ``confidence.tsv`` priors per coding family and factors (priors, not calibrated)

Code choice for a verb, most specific first: newsie pattern (overrides.tsv) > PETRARCH
block pattern (object head or preposition + object) > phrasal verb > newsie default >
PETRARCH default > PETRARCH bare-preposition pattern (only when the verb has no default).
An empty code at the winning level means "do not code" (PETRARCH ``[---]``).

Actors are entity mentions (PERSON/ORG/GPE/NORP) only: ``source`` = subject (controller
through xcomp, shared subject of conj, by-agent of a passive, possessor/for-phrase of an
event noun or the subject of the verb governing it), ``target`` = object (obj, or
obl/nmod with with/to/against/on/...; for appeals the subject of the complement: "request
China play ..."). Verb events need a source (as in PETRARCH); noun events may have only a
target ("a summit meeting with Xi", confidence times ``factor:no_source``). All events need a
target except statements (01), protest (14) and force posture (15). PETRARCH reversed codes
(``[:111]``, "X faced criticism") swap source and target. One event per trigger: several
sources/targets (conjuncts) are all listed in ``actors``.

Noisy parses: a title word before a name stands for the named mention ("with Chinese leader
Xi Jinping" when the parser attaches "with" to "leader"), a preposition right before a
mention counts as its case marker, and event nouns whose prepositional phrases the parser
detached fall back to the phrases that follow them in the text.

Date: the TIMEX (``doc._.timexes``) of the same sentence whose head the trigger governs
(shortest path, not through another trigger or a since/after/before/until clause), else
through the verb governing a noun trigger, else the nearest one in the sentence.
Location: a GPE/LOC/FAC mention introduced by in/at/to/around/near; for visits (042) the
destination.

Negation ("did not attack"): skipped by default (config ``negation = "skip"``); with
``negation = "keep"`` the event is kept with its confidence times ``factor:negated``.
Modal/future/planned triggers ("will urge", "scheduled to hold") are kept with
``factor:hypothetical``.
"""

from functools import lru_cache
from pathlib import Path
from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .. import extensions  # noqa: F401
from ..extensions import Event, EventActor
from ..config import stage_options
from ..resources import read_tsv
from .relations import (
    ACTOR_LABELS,
    AGENT_DEPS,
    CONJ_DEPS,
    CONTROL_DEPS,
    OBJECT_DEPS,
    PASSIVE_SUBJECT_DEPS,
    PERSONAL_PRONOUNS,
    PLACE_LABELS,
    SUBJECT_DEPS,
    MentionIndex,
    case_of,
    dep_base,
    dependents_with_case,
    governing_verb,
    is_hypothetical,
    is_negated,
    is_noun,
    is_passive,
    is_verb,
    lemma_of,
    load_priors,
    subject_tokens,
    verb_or_noun_tokens,
    with_conjuncts,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "cameo"

# prepositions introducing a target / a location / a temporal clause
TARGET_PREPS = ("with", "to", "against", "on", "toward", "towards", "upon")
NOUN_TARGET_PREPS = TARGET_PREPS + ("between",)
VISIT_TARGET_PREPS = ("to", "in", "at")
LOCATION_PREPS = ("in", "at", "to", "around", "near", "off", "inside", "outside", "across")
EXCLUDED_TIME_MARKS = frozenset({"since", "after", "before", "until", "till", "following", "once"})
MODIFIER_ACTOR_DEPS = frozenset({"amod", "compound"})
NOUN_AGENT_PREPS = ("by", "for", "from")
TARGET_OPTIONAL_ROOTS = frozenset({"01", "14", "15"})
VISIT_CODES = frozenset({"042", "043"})
APPEAL_ROOTS = frozenset({"02", "10"})
DATE_TYPES = frozenset({"DATE", "TIME"})

DEFAULT_CONFIG = {"negation": "skip", "min_confidence": 0.0, "require_target": True}


@lru_cache(maxsize=None)
def load_tables():
    verbs: dict[str, dict[str, dict]] = {}
    for r in read_tsv(DATA_DIR / "verbs.tsv", ["lemma", "pattern", "code", "rcode", "label", "block", "source", "forms"]):
        if r["lemma"] == "lemma":
            continue  # header
        verbs.setdefault(r["lemma"], {})[r["pattern"]] = r
    patterns: dict[str, list[dict]] = {}
    for r in read_tsv(DATA_DIR / "patterns.tsv", ["block", "pattern", "code", "rcode", "label"]):
        if r["block"] == "block":
            continue
        patterns.setdefault(r["block"], []).append(r)
    nouns = {r["noun"]: r for r in read_tsv(DATA_DIR / "nouns.tsv", ["noun", "code", "requires", "note"])}
    codes = {r["code"]: r["label"] for r in read_tsv(DATA_DIR / "codes.tsv", ["code", "label", "root", "root_label"])
             if r["code"] != "code"}
    forms: dict[str, str] = {}
    for lemma, rows in verbs.items():
        for row in rows.values():
            for f in row["forms"].split():
                forms.setdefault(f, lemma)
    return verbs, patterns, nouns, codes, forms


@lru_cache(maxsize=None)
def pattern_key(pattern: str) -> tuple:
    """What a verb pattern needs among the verb's dependents: ("obj", word), ("prt", particle),
    ("prep", preposition, word), or ("prep", preposition, "") for a bare preposition."""
    kind, _, arg = pattern.partition("=")
    if kind == "prep":
        prep, _, word = arg.partition(":")
        return ("prep", prep, word)
    return (kind, arg)


def is_bare_preposition(key: tuple) -> bool:
    """A bare preposition ("prep=to") matches too much to be tried before the verb's default."""
    return key[0] == "prep" and not key[2]


@lru_cache(maxsize=None)
def block_index(block: str) -> tuple[dict[tuple, int], list[dict]]:
    """A block's word patterns by key -> position of the first row with that key,
    and its bare-preposition rows in order. With it the first matching pattern is
    found from the verb's few dependents instead of scanning the whole block."""
    first: dict[tuple, int] = {}
    bare: list[dict] = []
    for pos, row in enumerate(load_tables()[1].get(block, ())):
        key = pattern_key(row["pattern"])
        if is_bare_preposition(key):
            bare.append(row)
        else:
            first.setdefault(key, pos)
    return first, bare


def cameo_label(code: str) -> str:
    codes = load_tables()[3]
    while code:
        if code in codes:
            return codes[code]
        code = code[:-1]
    return ""


class _Coding:
    __slots__ = ("code", "reverse", "family")

    def __init__(self, code: str, reverse: bool, family: str):
        self.code, self.reverse, self.family = code, reverse, family


def _words(token: Token) -> set[str]:
    return {token.lower_, (token.lemma_ or "").lower()}


class EventCoder:
    def __init__(self, nlp: Optional[Language] = None, name: str = "newsie_events", config: Optional[dict] = None):
        config = stage_options("newsie_events", config, DEFAULT_CONFIG)
        self.name = name
        self.negation = config["negation"]
        if self.negation not in ("skip", "keep"):
            raise ValueError("newsie_events: negation must be 'skip' or 'keep'")
        self.min_confidence = float(config["min_confidence"])
        self.require_target = bool(config["require_target"])
        self.verbs, self.patterns, self.nouns, self.codes, self.forms = load_tables()
        self.priors = load_priors(DATA_DIR / "confidence.tsv")
        self.known_lemmas = frozenset(self.verbs)

    def prior(self, key: str) -> float:
        return self.priors.get(key, 0.5)

    # ------------------------------------------------------------------ triggers
    def verb_lemma(self, tok: Token) -> str:
        if tok.lower_ in self.forms and tok.lower_ not in self.verbs:
            return self.forms[tok.lower_]
        return lemma_of(tok, self.known_lemmas)

    def code_verb(self, tok: Token) -> Optional[_Coding]:
        rows = self.verbs.get(self.verb_lemma(tok))
        if not rows:
            return None
        objs: set[str] = set()
        preps: set[tuple[str, str]] = set()
        prts: set[str] = set()
        for child in tok.children:
            if child.dep_ in OBJECT_DEPS:
                for c in with_conjuncts(child):
                    objs |= _words(c)
            elif child.dep_ == "compound:prt":
                prts.add(child.lower_)
            elif dep_base(child) in ("obl", "nmod"):
                case = case_of(child)
                if case:
                    prts.add(case)
                    for w in _words(child):
                        preps.add((case, w))

        # every key a pattern could need (see pattern_key) that this verb's dependents offer
        present = ({("obj", w) for w in objs} | {("prt", p) for p in prts}
                   | {("prep", p, w) for p, w in preps} | {("prep", p, "") for p in prts})

        def matches(pattern: str) -> bool:
            return pattern_key(pattern) in present

        def coding(row: dict, family: str) -> Optional[_Coding]:
            if row["code"]:
                return _Coding(row["code"], False, family)
            if row.get("rcode"):
                return _Coding(row["rcode"], True, family)
            return _Coding("", False, family)  # explicit "do not code"

        default = rows.get("")
        # 1. newsie patterns
        for pat, row in sorted(rows.items()):
            if pat and row["source"] == "newsie" and matches(pat):
                return coding(row, "newsie_pattern")
        # 2. PETRARCH block patterns with a word
        block = (default or next(iter(rows.values())))["block"]
        first, bare = block_index(block)
        hits = [first[k] for k in present if k in first]
        if hits:
            return coding(self.patterns[block][min(hits)], "cameo_pattern")
        # 3. phrasal verbs
        for pat, row in sorted(rows.items()):
            if pat.startswith("prt=") and row["source"] != "newsie" and matches(pat):
                return coding(row, "phrasal")
        # 4./5. defaults
        if default is not None and (default["code"] or default["rcode"] or default["source"] == "newsie"):
            return coding(default, "newsie_verb" if default["source"] == "newsie" else "cameo_verb")
        # 6. bare prepositions, only for verbs without a default
        for prow in bare:
            if matches(prow["pattern"]):
                return coding(prow, "cameo_pattern")
        return None

    def code_noun(self, tok: Token, idx: MentionIndex) -> Optional[_Coding]:
        row = self.nouns.get(tok.lower_) or self.nouns.get((tok.lemma_ or "").lower())
        if row is None:
            return None
        req = row["requires"]
        if req.startswith("modifier:"):
            wanted = set(req.split(":", 1)[1].split("|"))
            left = [t for t in tok.subtree if t.i < tok.i]
            if not any(_words(t) & wanted for t in left):
                return None
        elif req == "location":
            if not self.place_dependents(tok, idx, VISIT_TARGET_PREPS):
                return None
        return _Coding(row["code"], False, "event_noun")

    # ------------------------------------------------------------------ actors
    def mention(self, idx: MentionIndex, tok: Token, modifiers: bool):
        """(span, factor) for an actor head token, or (None, 1)."""
        ent = idx.entity_of(tok, ACTOR_LABELS)
        if ent is not None:
            return ent, 1.0
        if tok.lower_ in PERSONAL_PRONOUNS:
            ent = idx.resolve_pronoun(tok)
            if ent is not None:
                return ent, self.prior("factor:pronoun_actor")
            return None, 1.0
        if modifiers and tok.pos_ != "PRON":
            for child in tok.children:
                if child.dep_ in MODIFIER_ACTOR_DEPS:
                    ent = idx.span_at(child, ACTOR_LABELS)
                    if ent is not None:
                        return ent, self.prior("factor:modifier_actor")
        return None, 1.0

    def place_dependents(self, tok: Token, idx: MentionIndex, preps) -> list[Span]:
        out = []
        for dep in dependents_with_case(tok, preps, idx):
            ent = idx.entity_of(dep, PLACE_LABELS)
            if ent is not None and ent not in out:
                out.append(ent)
        return out

    def actors_for(self, tok: Token, coding: _Coding, idx: MentionIndex, noun: bool):
        """Return (sources, targets, location, factor)."""
        factor = 1.0
        src_toks: list[Token] = []
        tgt_toks: list[Token] = []
        visit = coding.code in VISIT_CODES
        heads = [tok]
        if noun:
            for child in tok.children:
                if child.dep_ == "nmod:poss":
                    src_toks.extend(with_conjuncts(child))
            if not src_toks:
                src_toks = dependents_with_case(tok, NOUN_AGENT_PREPS, idx)
            for child in tok.children:  # "an appeal made by Lee to Xi"
                if child.dep_ == "acl" and not src_toks:
                    src_toks = [c for c in child.children if c.dep_ in AGENT_DEPS] or \
                        dependents_with_case(child, ["by"])
                    tgt_toks.extend(dependents_with_case(child, TARGET_PREPS, idx))
            gv = governing_verb(tok)
            if gv is not None:
                heads.append(gv)
                if not src_toks:
                    src_toks = subject_tokens(gv)
            tgt_toks.extend(dependents_with_case(tok, VISIT_TARGET_PREPS if visit else NOUN_TARGET_PREPS, idx))
            if gv is not None and not tgt_toks:
                tgt_toks.extend(dependents_with_case(gv, ("with",) if not visit else VISIT_TARGET_PREPS, idx))
        else:
            if is_passive(tok):
                src_toks = [c for c in tok.children if c.dep_ in AGENT_DEPS] or dependents_with_case(tok, ["by"], idx)
                for c in tok.children:
                    if c.dep_ in PASSIVE_SUBJECT_DEPS:
                        tgt_toks.extend(with_conjuncts(c))
            else:
                src_toks = subject_tokens(tok)
                for c in tok.children:
                    if c.dep_ in OBJECT_DEPS:
                        tgt_toks.extend(with_conjuncts(c))
            if not tgt_toks and coding.code[:2] in APPEAL_ROOTS:
                for c in tok.children:  # "request China play a role", "urge X to"
                    if c.dep_ in ("ccomp", "xcomp"):
                        tgt_toks.extend(s for s in c.children if s.dep_ in SUBJECT_DEPS)
            if not tgt_toks:
                tgt_toks = dependents_with_case(tok, VISIT_TARGET_PREPS if visit else TARGET_PREPS, idx)

        sources: list[Span] = []
        for t in src_toks:
            ent, f = self.mention(idx, t, modifiers=True)
            if ent is not None and ent not in sources:
                sources.append(ent)
                factor = min(factor, f)
        if noun and not sources:  # "Chinese military exercises": a mention in the pre-modifiers
            left = [t for t in tok.subtree if t.i < tok.i]
            for t in reversed(left):
                if any(doc_t.pos_ == "ADP" for doc_t in tok.doc[t.i:tok.i]):
                    break
                ent = idx.span_at(t, ACTOR_LABELS)
                if ent is not None:
                    sources.append(ent)
                    factor = min(factor, self.prior("factor:modifier_actor"))
                    break
        targets: list[Span] = []
        for t in tgt_toks:
            # "sanctioned 20 American companies" -> American; not for visits (the destination
            # is a place) nor statements ("reaffirmed South Korea's adherence" has no target)
            ent, f = self.mention(idx, t, modifiers=not visit and coding.code[:2] != "01")
            if ent is None and visit:
                ent = idx.entity_of(t, PLACE_LABELS)
                f = 1.0
            if ent is not None and ent not in targets and ent not in sources:
                targets.append(ent)
                factor = min(factor, f)
        if noun and not (sources and targets):  # noisy parse: shallow chain after the noun
            chain = idx.np_chain(tok, ACTOR_LABELS | PLACE_LABELS)
            if not sources:
                sources = [e for p, e in chain if p in NOUN_AGENT_PREPS and e.label_ in ACTOR_LABELS][:1]
            if not targets:
                wanted = VISIT_TARGET_PREPS if visit else NOUN_TARGET_PREPS
                targets = [e for p, e in chain if p in wanted and e not in sources
                           and (visit or e.label_ in ACTOR_LABELS)]
        location = None
        if visit:
            location = next((t for t in targets if t.label_ in PLACE_LABELS), None)
        if location is None:
            for h in heads:
                places = self.place_dependents(h, idx, LOCATION_PREPS)
                if places:
                    location = places[0]
                    break
        if coding.reverse:
            sources, targets = targets, sources
        return sources, targets, location, factor

    # ------------------------------------------------------------------ dates
    def timex_heads(self, doc: Doc) -> dict[int, list]:
        """Usable timexes (anchored DATE/TIME values) with their head token, by sentence start."""
        out: dict[int, list] = {}
        for tx in doc._.timexes or []:
            if tx.type not in DATE_TYPES or not tx.value or not (tx.value[0].isdigit() or tx.value.startswith("XXXX")):
                continue
            span = doc.char_span(tx.start_char, tx.end_char, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            out.setdefault(span.root.sent.start, []).append((tx, span.root))
        return out

    @staticmethod
    def _path_up(tok: Token, stop: Token, limit: int = 12) -> Optional[list[Token]]:
        path = []
        t = tok
        for _ in range(limit):
            if t == stop:
                return path
            path.append(t)
            if t.head is t:
                return None
            t = t.head
        return None

    @staticmethod
    def _in_excluded_clause(tok: Token, stop: Optional[Token] = None) -> bool:
        t = tok
        for _ in range(12):
            if stop is not None and t == stop:
                return False
            if any(c.dep_ == "mark" and c.lower_ in EXCLUDED_TIME_MARKS for c in t.children) and is_verb(t):
                return True
            if t.head is t:
                return False
            t = t.head
        return False

    def date_for(self, tok: Token, heads: list[Token], timexes, other_event):
        sent = tok.sent
        cands = timexes.get(sent.start, [])
        if not cands:
            return None
        for h in heads:
            best = None
            for tx, root in cands:
                path = self._path_up(root, h)
                if path is None:
                    continue
                if any(p != tok and other_event(p.i) for p in path):
                    continue  # the date of another (differently coded) event
                if self._in_excluded_clause(root, h):
                    continue
                key = (len(path), abs(root.i - tok.i), tx.start_char)
                if best is None or key < best[0]:
                    best = (key, tx)
            if best is not None:
                return best[1]
        usable = [(abs(root.i - tok.i), tx.start_char, tx) for tx, root in cands if not self._in_excluded_clause(root)]
        if not usable:
            return None
        return min(usable, key=lambda x: (x[0], x[1]))[2]

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        if not doc.has_annotation("DEP"):
            doc._.events = []  # event coding needs the dependency parse
            return doc
        idx = MentionIndex(doc)
        codings: dict[int, tuple[_Coding, bool]] = {}
        for tok in verb_or_noun_tokens(doc):
            if tok.i in idx.by_token:
                continue
            coding = None
            noun = False
            if is_verb(tok):
                coding = self.code_verb(tok)
            elif is_noun(tok):
                coding = self.code_noun(tok, idx)
                noun = True
            if coding is not None and coding.code:
                codings[tok.i] = (coding, noun)
        # one event per phrase: "summit meeting" -> the head noun; "hold a summit",
        # "conduct a launch" -> the noun (its actors come through the governing verb)
        for i, (coding, noun) in sorted(codings.items()):
            if not noun or i not in codings:
                continue
            head = doc[i].head
            if head.i == i or head.i not in codings or codings[head.i][0].code[:2] != coding.code[:2]:
                continue
            if doc[i].dep_ == "compound":
                del codings[i]
            elif doc[i].dep_ in OBJECT_DEPS and not codings[head.i][1]:
                del codings[head.i]
        timexes = self.timex_heads(doc)
        events = []
        for i, (coding, noun) in sorted(codings.items()):
            tok = doc[i]
            gv = governing_verb(tok) if noun else None
            negated = is_negated(tok) or (gv is not None and is_negated(gv))
            if negated and self.negation == "skip":
                continue
            sources, targets, location, factor = self.actors_for(tok, coding, idx, noun)
            if not sources and not targets:
                continue
            if not sources and not noun:
                continue  # a coded verb needs its agent (PETRARCH needs a source actor)
            root = coding.code[:2]
            if self.require_target and not targets and root not in TARGET_OPTIONAL_ROOTS:
                continue
            conf = self.prior(coding.family) * factor
            if not sources:
                conf *= self.prior("factor:no_source")
            if is_hypothetical(tok) or (gv is not None and is_hypothetical(gv)):
                conf *= self.prior("factor:hypothetical")
            if negated:
                conf *= self.prior("factor:negated")
            if conf < self.min_confidence:
                continue
            heads = [tok] + ([gv] if gv is not None else [])
            t = tok
            for _ in range(2):  # "is scheduled to hold ...": dates on the planning verb
                if t.dep_ in CONTROL_DEPS | CONJ_DEPS and t.head is not t:
                    t = t.head
                    heads.append(t)
            root_code = coding.code[:2]

            def other_event(j: int, root_code=root_code) -> bool:
                return j in codings and codings[j][0].code[:2] != root_code

            tx = self.date_for(tok, heads, timexes, other_event)
            actors = tuple(
                [EventActor(s.start_char, s.end_char, "source") for s in sources]
                + [EventActor(s.start_char, s.end_char, "target") for s in targets]
            )
            events.append(Event(
                start_char=tok.idx,
                end_char=tok.idx + len(tok),
                trigger=tok.text,
                event_type=coding.code,
                event_label=cameo_label(coding.code),
                actors=actors,
                date=tx.value if tx is not None else None,
                date_start=tx.start_char if tx is not None else None,
                date_end=tx.end_char if tx is not None else None,
                location_start=location.start_char if location is not None else None,
                location_end=location.end_char if location is not None else None,
                confidence=round(conf, 3),
            ))
        doc._.events = sorted(events, key=lambda e: (e.start_char, e.end_char, e.event_type))
        return doc


@Language.factory("newsie_events", default_config={"config": {}})
def make_events(nlp: Language, name: str, config: dict) -> EventCoder:
    return EventCoder(nlp, name, config)
