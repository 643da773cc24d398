"""``newsie_entities``: refine the model's entity mentions into newsie's label set.

Runs after the model's ``ner``. For every document it

* maps raw CoNLL labels (PER/ORG/LOC/MISC) or OntoNotes labels to PERSON, ORG, GPE, LOC, NORP,
  FAC, EVENT, LAW, PRODUCT, MISC (numeric/temporal OntoNotes labels are dropped: dates are the
  timex stage's job);
* splits titles/roles and leading demonyms off person names ("Chinese leader Xi Jinping" ->
  NORP "Chinese" + PERSON "Xi Jinping" with ``span._.title == "leader"``), and finds titles just
  left of a name or in an appositive ("Zhao Leji, Chairman of ...");
* adds unambiguous gazetteer hits the NER missed (countries, capitals, demonyms, "X Peninsula"
  style places, bare surnames of a person already named in the document) with
  ``span._.stage == "rule"`` and a calibrated prior confidence from ``priors.tsv``;
* makes a capitalised name right after a person-role noun ("spokesman John Smith", "his
  predecessor, Yoon Suk Yeol,"; ``role`` rows of ``titles.tsv``) a PERSON, replacing a
  low-confidence non-PERSON or cut-short model span inside it (also ``stage == "rule"``);
* sets ``span._.country`` (ISO 3166-1 alpha-2) and clusters mentions of the same entity within the
  document into ``span._.local_entity``.

All lexical knowledge lives in TSV tables in ``pipeline/data/entities/`` (see README there).
Surname policy: a one-token PERSON mention joins the full-name cluster whose first or last token
matches. If several full names match (two people called Lee), ``surname_policy = "recent"``
(default) picks the one whose full-name mention is nearest before it (or nearest after if none
precedes); ``"frequent"`` picks the one with most mentions so far (ties -> most recent). The two
full names are never merged with each other.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from spacy.attrs import LOWER, ORTH
from spacy.language import Language

from ..config import stage_options
from ..resources import lookup_key, name_key, read_tsv, strip_accents  # noqa: F401  (re-exported for tests)
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ..extensions import doc_text, token_indices

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "entities"

OUTPUT_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT", "MISC")
# OntoNotes value-like labels: not names, handled by other stages.
DROPPED_LABELS = ("DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY", "ORDINAL")
RAW_TO_COARSE = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "GPE",
                 "MISC": "MISC", "NORP": "NORP", "FAC": "FAC", "EVENT": "EVENT", "LAW": "LAW",
                 "PRODUCT": "PRODUCT"}

DEFAULT_CONFIG = {
    "data_dir": None,  # alternative folder with the same TSV tables
    "add_rule_mentions": True,  # add gazetteer hits the NER missed
    "add_alias_mentions": True,  # add bare surnames of persons named in the document
    "unknown_loc_label": "GPE",  # raw LOC not in the gazetteer and without a LOC cue
    "drop_labels": list(DROPPED_LABELS),
    "surname_policy": "recent",  # "recent" | "frequent"
    # Title-case headlines fool the NER ("Navigating Alliances" as PERSON): a name
    # only in a heading must also occur in the body, unless the gazetteer knows it.
    "heading_names_need_body": True,
    "add_role_person_mentions": True,  # capitalised name after a person-role noun -> PERSON
    # a model span inside such a name with another label is replaced only below this confidence
    "role_person_override_below": 0.5,
}

# Labels a name may be relabelled between for within-article consistency.
HARMONIZED_LABELS = frozenset({"PERSON", "ORG", "MISC"})
POSSESSIVE = {"'s", "’s", "'", "’", "'S", "’S"}
DETERMINERS = {"the", "a", "an"}
# "Walsall v Wrexham": a fixture list, never a headline word
LIST_SEPARATOR_WORDS = frozenset({"v", "vs", "vs."})
BRACKETS = {")": "(", "]": "["}
HYPHENS = ("-", "‑")
# A name never ends in a lower-case function word: "Banc One and", "Dow Chemical Co of the"
TRAILING_FUNCTION_WORDS = frozenset({"and", "or", "of", "the", "to", "in", "for", "at", "on", "with", "by", "a", "an"})
# Parts of speech a one-word name can have; a stop word read as anything else is not a name
NAME_POS = frozenset({"PROPN", "NOUN", "NUM", "X", ""})
POSSESSIVE_PRONOUNS = {"his", "her", "its", "their", "our", "my", "your"}
APPOSITIVE_END = {"of", ",", ".", ";", ":", "at", "for", "in", "and", "who", "said", ")", "-", "—", "–"}


def is_title_case_heading(line: str) -> bool:
    """Three or more words, most of them capitalised, not shouted in capitals.

    Lines with digits or brackets are rows of results tables ("Tim Henman
    ( Britain ) beat Doug Flach"); lines of capitalised words with two or more
    commas, or with a fixture's " v ", are lists of names ("Wood , Loren Roberts ,
    Steve Stricker", "Postponed : Walsall v Wrexham"): not headings, even without
    final punctuation. ("Trade, Security, and Thawing Exchanges" is a headline.)
    """
    words = [w for w in line.split() if w[:1].isalpha()]
    if len(words) < 3 or line.isupper() or any(ch.isdigit() or ch in "()[]" for ch in line):
        return False
    if any(w in LIST_SEPARATOR_WORDS for w in line.split()):
        return False
    if line.count(",") >= 2 and all(w[0].isupper() for w in words):
        return False
    return sum(w[0].isupper() for w in words) / len(words) >= 0.6


def _split_aliases(value: str) -> list[tuple[str, bool]]:
    """'A|~B' -> [('A', True), ('B', False)]: (alias, usable for rule additions)."""
    out = []
    for alias in value.split("|"):
        alias = alias.strip()
        if alias:
            out.append((alias[1:], False) if alias.startswith("~") else (alias, True))
    return out


@dataclass
class Gazetteer:
    countries: dict = field(default_factory=dict)  # alpha2 -> (name, alpha3)
    places: dict = field(default_factory=dict)  # lookup_key -> (canonical name, alpha2|None, kind)
    demonyms: dict = field(default_factory=dict)  # surface -> (canonical demonym, alpha2|None)
    rule_phrases: list = field(default_factory=list)  # (surface, label, source, canonical, alpha2)
    cues: list = field(default_factory=list)  # (tuple(tokens), label, applies_to set, where)
    loc_last_cues: set = field(default_factory=set)
    title_heads: set = field(default_factory=set)
    title_modifiers: set = field(default_factory=set)
    title_qualifiers: set = field(default_factory=set)
    honorifics: set = field(default_factory=set)
    person_roles: set = field(default_factory=set)  # lower-case heads only a person can be
    priors: dict = field(default_factory=dict)  # source -> prior
    rule_gpe_surfaces: set = field(default_factory=set)
    leaders: dict = field(default_factory=dict)  # name_key -> alpha2 (Phoenix leader lists)
    combining_words: set = field(default_factory=set)  # "based", "born": "Tripoli-based"
    combining_endings: list = field(default_factory=list)  # (ending, min_length): "-sponsored"

    def place(self, text: str) -> Optional[tuple]:
        return self.places.get(lookup_key(text))

    def demonym(self, text: str) -> Optional[tuple]:
        return self.demonyms.get(text) or self.demonyms.get(text.title() if text.isupper() else text)

    def is_title_word(self, lower: str) -> bool:
        return lower in self.title_heads or lower in self.title_modifiers or lower in self.title_qualifiers

    def is_person_role(self, tok) -> bool:
        """A role noun in lower case ("predecessor", "wife"); capitalised it may be a name ("Son")."""
        return tok.is_lower and tok.lower_ in self.person_roles

    def is_head(self, tok) -> bool:
        """Token can end a title phrase: a head word, or a person-role noun in lower case."""
        return tok.lower_ in self.title_heads or self.is_person_role(tok)

    def is_title_token(self, tok) -> bool:
        return self.is_title_word(tok.lower_) or self.is_person_role(tok)

    def is_combining_form(self, tok) -> bool:
        """A lower-case word after a hyphen that turns a name into an adjective ("Tripoli-based")."""
        if not tok.is_lower:
            return False
        word = tok.text
        return word in self.combining_words or any(
            word.endswith(ending) and len(word) >= min_length for ending, min_length in self.combining_endings)


@lru_cache(maxsize=4)
def load_gazetteer(data_dir: Optional[str] = None) -> Gazetteer:
    folder = Path(data_dir) if data_dir else DATA_DIR
    gz = Gazetteer()
    ambiguous_keys: set = set()

    def add_place(surface: str, canonical: str, alpha2: str, kind: str) -> None:
        key = lookup_key(surface)
        previous = gz.places.get(key)
        if previous is not None and previous[1] != alpha2:
            # Same name in two countries (Georgia, Jerusalem): GPE without a country code.
            ambiguous_keys.add(key)
            if previous[2] == "country":  # the country reading stays canonical
                gz.places[key] = (previous[0], None, previous[2])
                return
            gz.places[key] = (canonical, None, kind)
            return
        if previous is None or kind == "country":
            gz.places[key] = (canonical, alpha2, kind)

    for row in read_tsv(folder / "countries.tsv"):
        a2, name = row["alpha2"], row["name"]
        gz.countries[a2] = (name, row["alpha3"])
        rule_ok = row["rule_ok"] == "1"
        add_place(name, name, a2, "country")
        if rule_ok:
            gz.rule_phrases.append((name, "GPE", "country", name, a2))
        for alias, alias_ok in _split_aliases(row["aliases"]):
            add_place(alias, name, a2, "country")
            if rule_ok and alias_ok:
                gz.rule_phrases.append((alias, "GPE", "country", name, a2))
    for row in read_tsv(folder / "places.tsv"):
        a2, name, kind = row["alpha2"], row["name"], row["kind"]
        rule_ok = row["rule_ok"] == "1"
        source = "capital" if kind == "capital" else "city"
        add_place(name, name, a2, kind)
        if rule_ok:
            gz.rule_phrases.append((name, "GPE", source, name, a2))
        for alias, alias_ok in _split_aliases(row["aliases"]):
            add_place(alias, name, a2, kind)
            if rule_ok and alias_ok:
                gz.rule_phrases.append((alias, "GPE", source, name, a2))
    # a rule phrase whose key became ambiguous keeps being added but without a country
    gz.rule_phrases = [
        (s, lab, src, can, None if lookup_key(s) in ambiguous_keys else a2)
        for s, lab, src, can, a2 in gz.rule_phrases
    ]
    gz.rule_gpe_surfaces = {s for s, lab, *_ in gz.rule_phrases if lab == "GPE"}
    for row in read_tsv(folder / "demonyms.tsv"):
        dem, a2 = row["demonym"], row["alpha2"] or None
        forms = [dem] + [p.strip() for p in row["plural"].split("|") if p.strip()]
        for form in forms:
            gz.demonyms.setdefault(form, (dem, a2))
            if row["rule_ok"] == "1":
                gz.rule_phrases.append((form, "NORP", "demonym", dem, a2))
    for row in read_tsv(folder / "cues.tsv"):
        tokens = tuple(row["cue"].split())
        applies = set(row["applies_to"].split("|"))
        gz.cues.append((tokens, row["label"], applies, row["where"]))
        if row["label"] == "LOC" and row["where"] == "last" and len(tokens) == 1:
            gz.loc_last_cues.add(tokens[0])
    # longest cues first so "Hall of the People" wins over "People"
    gz.cues.sort(key=lambda c: -len(c[0]))
    for row in read_tsv(folder / "titles.tsv"):
        word, kind = row["word"].casefold(), row["kind"]
        {"head": gz.title_heads, "modifier": gz.title_modifiers, "qualifier": gz.title_qualifiers,
         "honorific": gz.honorifics, "role": gz.person_roles}[kind].add(word)
    for row in read_tsv(folder / "combining_forms.tsv"):
        if row["kind"] == "ending":
            gz.combining_endings.append((row["form"], int(row["min_length"] or 0)))
        else:
            gz.combining_words.add(row["form"])
    leaders_path = folder / "leaders.tsv"
    if leaders_path.exists():
        gz.leaders = {name_key(r["name"]): r["alpha2"] for r in read_tsv(leaders_path)}
    for row in read_tsv(folder / "priors.tsv"):
        gz.priors[row["source"]] = float(row["prior"])
    return gz


# --------------------------------------------------------------------------- working mentions
@dataclass
class Mention:
    start: int  # token offsets
    end: int
    label: str
    confidence: Optional[float]
    stage: str
    title: Optional[str] = None
    country: Optional[str] = None
    key: Optional[str] = None  # within-document clustering key for non-PERSON mentions


class EntityRefiner:
    """The ``newsie_entities`` pipeline component."""

    def __init__(self, nlp: Language, name: str = "newsie_entities", config: Optional[dict] = None):
        config = dict(config or {})
        self.cfg = stage_options("newsie_entities", config, DEFAULT_CONFIG)
        if self.cfg["surname_policy"] not in ("recent", "frequent"):
            raise ValueError("newsie_entities: surname_policy must be 'recent' or 'frequent'")
        if self.cfg["unknown_loc_label"] not in ("GPE", "LOC"):
            raise ValueError("newsie_entities: unknown_loc_label must be 'GPE' or 'LOC'")
        self.name = name
        self.gz = load_gazetteer(str(self.cfg["data_dir"]) if self.cfg["data_dir"] else None)
        self.drop = set(self.cfg["drop_labels"])
        # the cues that apply to each coarse label, indexed by (where, number of words) -> words ->
        # (row, label): a span is looked up once per kind of cue instead of compared with every row;
        # the earliest matching row wins, as in the gazetteer's order (longest first)
        self._cue_index: dict[str, dict[tuple[str, int], dict[tuple[str, ...], tuple[int, str]]]] = {}
        for row, (tokens, label, applies, where) in enumerate(self.gz.cues):
            for coarse in applies:
                table = self._cue_index.setdefault(coarse, {}).setdefault((where, len(tokens)), {})
                table.setdefault(tokens, (row, label))
        self._role_ids = frozenset(nlp.vocab.strings.add(w) for w in self.gz.person_roles)
        self._build_matchers(nlp)

    # ---- matchers ----------------------------------------------------------------------------
    def _build_matchers(self, nlp: Language) -> None:
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.rule_info: dict = {}
        groups: dict = {}
        for surface, label, source, canonical, a2 in self.gz.rule_phrases:
            key = f"{label}|{source}|{canonical}|{a2 or ''}"
            groups.setdefault(key, set()).add(surface)
            self.rule_info[key] = (label, source, a2)
        tokenizer = nlp.tokenizer
        for key, surfaces in groups.items():
            self.phrase_matcher.add(key, [tokenizer(s) for s in sorted(surfaces)])
        # LOC phrases: one or two title-case words, neither a function word nor a cue, then a LOC cue word
        # ("Korean Peninsula", "South China Sea"); found from ORTH ids, which costs a fraction of a token
        # Matcher's per-token predicates
        strings = nlp.vocab.strings
        stop = DETERMINERS | {"The", "A", "An", "In", "On", "At", "Of", "And", "For", "To", "From",
                              "This", "That", "Its", "His", "Her", "Their"}
        self._loc_cue_ids = frozenset(strings.add(w) for w in self.gz.loc_last_cues)
        self._loc_name_excluded = frozenset(strings.add(w) for w in stop) | self._loc_cue_ids

    # ---- main --------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = []
        for start, end, raw, conf, stage in self._merge_possessive_splits(doc):
            mentions.extend(self._refine(doc, start, end, raw, conf, stage))
        mentions = self._resolve_overlaps(mentions)
        mentions = self._truncate_to_known_names(doc, mentions)
        if self.cfg["heading_names_need_body"] and doc._.headings:
            mentions = self._drop_heading_only_names(doc, mentions)
        if self.cfg["add_role_person_mentions"]:
            mentions = self._add_role_person_mentions(doc, mentions)
        if self.cfg["add_rule_mentions"]:
            mentions = self._add_gazetteer_mentions(doc, mentions)
        if self.cfg["add_alias_mentions"]:
            mentions = self._add_alias_mentions(doc, mentions)
        mentions.sort(key=lambda m: m.start)
        relabelled = self._harmonize_labels(doc, mentions)
        if relabelled and "discourse_label" in self.gz.priors:
            # the model's confidence was about the label it gave; a relabelled mention is as
            # likely right as this rule is (measured on dev, priors.tsv)
            for m in relabelled:
                m.confidence = self.gz.priors["discourse_label"]
        self._find_titles(doc, mentions)
        self._cluster(doc, mentions)
        doc.ents = [self._to_span(doc, m) for m in mentions]
        return doc

    def _to_span(self, doc: Doc, m: Mention) -> Span:
        span = Span(doc, m.start, m.end, label=m.label)
        conf = m.confidence
        if conf is None:
            conf = self.gz.priors.get("ner_default", 0.8) if m.stage != "rule" else self.gz.priors.get("rule_default", 0.5)
        span._.confidence = float(conf)
        span._.stage = m.stage
        span._.title = m.title
        span._.country = m.country
        span._.local_entity = m.key  # int cluster id set by _cluster
        return span

    # ---- refinement of one NER span ---------------------------------------------------------
    def _trim(self, doc: Doc, start: int, end: int) -> tuple[int, int]:
        # A name never runs across a line break (a heading and the line after it).
        for i in range(start, end):
            if doc[i].is_space and "\n" in doc[i].text:
                end = i
                break
        while end > start and doc[end - 1].is_space:
            end -= 1
        while end > start and (doc[end - 1].text in POSSESSIVE or doc[end - 1].is_punct and doc[end - 1].text not in (".",)
                               or doc[end - 1].lower_ in TRAILING_FUNCTION_WORDS and doc[end - 1].is_lower):
            # a closing bracket stays when the name opened it: "Radnicki ( N )"
            opening = BRACKETS.get(doc[end - 1].text)
            if opening and any(t.text == opening for t in doc[start:end - 1]):
                break
            end -= 1
        # lowercase determiners only: "The Hague" keeps its article
        while start < end and (doc[start].text in DETERMINERS or doc[start].is_punct) and end - start > 1:
            start += 1
        return start, end

    @staticmethod
    def _function_word(tok) -> bool:
        """A stop word the tagger reads as a function word or modifier (ADP, ADJ, ADV, DET, ...),
        not as a name: "Beyond", "Much" at a sentence start; "May" (PROPN) stays a name."""
        return tok.is_stop and tok.pos_ not in NAME_POS and tok.doc.has_annotation("POS")

    def _demonym_at(self, doc: Doc, i: int, end: int) -> int:
        """Length of the longest demonym starting at token i and ending before ``end``."""
        for n in (3, 2, 1):
            if i + n <= end and doc[i:i + n].text in self.gz.demonyms:
                return n
        return 0

    @staticmethod
    def _merge_possessive_splits(doc: Doc) -> list[tuple]:
        """NER spans as tuples; "National People's" + "Congress" (same label, the first span
        ending in its own possessive) become one span - the model put the 's inside the name."""
        out: list[tuple] = []
        for ent in doc.ents:
            item = (ent.start, ent.end, ent.label_, ent._.confidence, ent._.stage or "ner")
            if out:
                s0, e0, lab0, c0, st0 = out[-1]
                if e0 == ent.start and lab0 == ent.label_ and doc[e0 - 1].text in POSSESSIVE and e0 - s0 > 1:
                    confs = [c for c in (c0, ent._.confidence) if c is not None]
                    # neither part's confidence is about the merged span: use their mean
                    out[-1] = (s0, ent.end, lab0, sum(confs) / len(confs) if confs else None, st0)
                    continue
            out.append(item)
        return out

    def _harmonize_labels(self, doc: Doc, mentions: list[Mention]) -> list[Mention]:
        """One sense per discourse: a name keeps one reading within an article.

        * A name that ends a longer PERSON name of the article is that person whatever
          its label: "Suu Kyi" after "Aung San Suu Kyi", "Washington" after "MaliVai
          Washington", "Hollioake" after "A. Hollioake".
        * Otherwise a single word that opens a longer ORG name of the article is that
          organisation ("Magna" after "Magna International Inc"), unless it is a
          known place or demonym ("Korea" of "Korea Herald").
        * Otherwise a multi-word name keeps the label with the larger summed
          confidence ("Xi Jinping" tagged ORG in a headline and PERSON three times
          in the body is a PERSON).

        Returns the mentions whose label changed.
        """
        keys = [name_key(doc[m.start:m.end].text) for m in mentions]
        votes: dict[str, dict[str, float]] = {}
        for m, key in zip(mentions, keys):
            if m.end - m.start >= 2 and m.label in HARMONIZED_LABELS:
                label_votes = votes.setdefault(key, {})
                label_votes[m.label] = label_votes.get(m.label, 0.0) + (m.confidence or 0.5)

        def voted(m: Mention, key: str) -> str:
            label_votes = votes.get(key)
            return max(sorted(label_votes), key=lambda label: label_votes[label]) if label_votes else m.label

        person_tails: set = set()
        person_words: set = set()
        org_heads: set = set()
        # only names more likely right than wrong are evidence for the others
        multi = [(m, key) for m, key in zip(mentions, keys)
                 if m.end - m.start >= 2 and (m.confidence is None or m.confidence >= 0.5)]
        for m, key in multi:
            words = key.split()
            if voted(m, key) == "PERSON" and len(words) >= 2:
                person_tails.update(" ".join(words[k:]) for k in range(1, len(words)))
                person_words.update((words[0], words[-1]))
        for m, key in multi:
            words = key.split()
            if (voted(m, key) == "ORG" and len(words) >= 2 and key not in person_tails
                    and words[0] not in person_words and not self._known(doc[m.start].text)):
                org_heads.add(words[0])
        changed = []
        for m, key in zip(mentions, keys):
            if m.label not in HARMONIZED_LABELS and m.label not in ("GPE", "LOC"):
                continue
            before = m.label
            # a place the gazetteer adds on its own is never a surname ("Lebed Chechnya" tagged as
            # one name leaves "Chechnya" a place); ambiguous ones (rule_ok = 0: "Washington") can be
            if key in person_tails and not self._rule_ok_place(doc[m.start:m.end].text):
                if m.label != "PERSON":
                    m.label, m.country = "PERSON", None
            elif m.end - m.start == 1 and key in org_heads and m.label != "ORG" \
                    and not self._known(doc[m.start].text):
                m.label, m.country, m.title = "ORG", None, None
            elif m.end - m.start >= 2 and m.label in HARMONIZED_LABELS:
                m.label = voted(m, key)
            if m.label != before:
                changed.append(m)
        return changed

    def _drop_heading_only_names(self, doc: Doc, mentions: list[Mention]) -> list[Mention]:
        """Drop NER names inside title-case headings that the body never uses (see DEFAULT_CONFIG).

        Only title-case headings of three or more words fool the NER this way;
        short lines such as bylines ("Peter Blackburn") or datelines are left alone.
        """
        headings = sorted(h for h in doc._.headings if is_title_case_heading(doc_text(doc)[h[0]:h[1]]))
        if not headings:
            return mentions
        body_parts, pos = [], 0
        for start, end in headings:
            body_parts.append(doc_text(doc)[pos:start])
            pos = end
        body_parts.append(doc_text(doc)[pos:])
        body = " ".join(body_parts)

        def in_heading(m: Mention) -> bool:
            char = doc[m.start].idx
            return any(start <= char < end for start, end in headings)

        kept = []
        for m in mentions:
            text = doc[m.start:m.end].text
            known = self.gz.place(text) is not None or text in self.gz.demonyms
            if m.stage == "ner" and not known and in_heading(m) and text not in body:
                continue
            kept.append(m)
        return kept

    def _truncate_to_known_names(self, doc: Doc, mentions: list[Mention]) -> list[Mention]:
        """A PERSON span that starts with another PERSON mention's full name and runs on
        ("Lee Jae Myung Visits Beijing" in a headline) is cut back to that name."""
        names = {tuple(t.text for t in doc[m.start:m.end]) for m in mentions
                 if m.label == "PERSON" and m.end - m.start >= 2}
        for m in mentions:
            if m.label != "PERSON" or m.end - m.start < 3:
                continue
            words = tuple(t.text for t in doc[m.start:m.end])
            prefixes = [n for n in names if len(n) < len(words) and words[:len(n)] == n]
            if prefixes:
                m.end = m.start + max(len(n) for n in prefixes)
        return mentions

    def _refine(self, doc: Doc, start: int, end: int, raw: str, conf, stage: str) -> list[Mention]:
        if raw in self.drop:
            return []
        coarse = RAW_TO_COARSE.get(raw)
        start, end = self._trim(doc, start, end)
        if start >= end:
            return []
        if end - start == 1 and self._function_word(doc[start]):
            return []  # "Beyond security, the leaders ...": a capitalised preposition, not a name
        # "Wi Sung-" + "lac": extend over a hyphen glued to both neighbours
        # ("Tripoli-" + "based" is a place and an adjective ending: not extended)
        if self._hyphen_continues_name(doc, end):
            end += 2
        # "Korean" + "Peninsula": the NER stopped before a place cue word; the
        # name includes it (and the cue then makes it a LOC).
        if end < len(doc) and doc[end].text in self.gz.loc_last_cues and coarse in ("MISC", "LOC", "GPE"):
            end += 1
        if coarse is None:  # WORK_OF_ART, LANGUAGE, custom labels: pass through
            return [Mention(start, end, raw, conf, stage)]
        text = doc[start:end].text
        out: list[Mention] = []
        if coarse in ("PER", "ORG") and all(
                self.gz.is_title_word(t.lower_) or t.lower_ in self.gz.honorifics for t in doc[start:end]):
            if coarse == "PER":
                return []  # "Chairman" alone: a title, not a name
        elif coarse == "ORG":
            new_start, title, country, prefix = self._split_person(doc, start, end, conf, stage)
            rest = doc[new_start:end]
            run_len = new_start - start - sum(p.end - p.start for p in prefix)
            if (title and 1 <= len(rest) <= 4 and (run_len >= 2 or len(rest) >= 2)
                    and all(t.is_title and t.is_alpha for t in rest)
                    and self._cue_label(doc, new_start, end, "PER") is None
                    and self._cue_label(doc, start, end, "PER") is None
                    and self.gz.place(rest.text) is None):
                # "National Security Adviser Wi Sung Lac" tagged ORG: a titled person.
                # ("General Motors": one-word title and one-word rest -> stays ORG)
                coarse = "PER"
        if coarse == "PER":
            start, title, country, prefix = self._split_person(doc, start, end, conf, stage)
            out.extend(prefix)
            text = doc[start:end].text
            place = self.gz.place(text)
            if not title and place and self._rule_ok_place(text):
                out.append(Mention(start, end, "GPE", conf, stage, country=place[1]))
            elif not title and text in self.gz.demonyms:
                dem = self.gz.demonyms[text]
                out.append(Mention(start, end, "NORP", conf, stage, country=dem[1]))
            else:
                label = self._cue_label(doc, start, end, "PER") or "PERSON"
                out.append(Mention(start, end, label, conf, stage, title=title, country=country))
            return out
        if coarse == "ORG":
            split = self._split_compound(doc, start, end, conf, stage)
            if split:  # "Seoul-Beijing" tagged ORG
                return split
            label = self._cue_label(doc, start, end, "ORG") or "ORG"
            return [Mention(start, end, label, conf, stage)]
        if coarse in ("FAC", "EVENT", "LAW", "PRODUCT"):
            return [Mention(start, end, coarse, conf, stage)]
        if coarse == "NORP":
            dem = self.gz.demonym(text)
            return [Mention(start, end, "NORP", conf, stage, country=dem[1] if dem else None)]
        # LOC / GPE / MISC
        start, end = self._extend_to_gazetteer(doc, start, end)
        text = doc[start:end].text
        split = self._split_compound(doc, start, end, conf, stage)
        if split:
            return split
        dem = self.gz.demonym(text)
        if dem is not None:
            return [Mention(start, end, "NORP", conf, stage, country=dem[1])]
        cue = self._cue_label(doc, start, end, coarse)
        if cue:
            return [Mention(start, end, cue, conf, stage)]
        place = self.gz.place(text)
        if place is not None:
            return [Mention(start, end, "GPE", conf, stage, country=place[1])]
        if coarse == "GPE":
            return [Mention(start, end, "GPE", conf, stage)]
        if coarse == "LOC":
            return [Mention(start, end, self.cfg["unknown_loc_label"], conf, stage)]
        # MISC starting with a demonym followed by a title word is a mis-segmented "Chinese President"
        n = self._demonym_at(doc, start, end)
        if n and end - start > n and doc[start + n].lower_ in self.gz.title_heads:
            dem = self.gz.demonyms[doc[start:start + n].text]
            return [Mention(start, start + n, "NORP", conf, stage, country=dem[1])]
        return [Mention(start, end, "MISC", conf, stage)]

    def _known(self, text: str) -> bool:
        return text in self.gz.demonyms or self.gz.place(text) is not None

    def _extend_to_gazetteer(self, doc: Doc, start: int, end: int) -> tuple[int, int]:
        """"South" + "Korean" -> "South Korean" when the NER cut a gazetteer name short."""
        if self._known(doc[start:end].text):
            return start, end
        for n in (1, 2):
            if end + n <= len(doc) and all(t.is_title for t in doc[end:end + n]) \
                    and self._known(doc[start:end + n].text):
                return start, end + n
            if start - n >= 0 and all(t.is_title for t in doc[start - n:start]) \
                    and self._known(doc[start - n:end].text):
                return start - n, end
        return start, end

    def _rule_ok_place(self, text: str) -> bool:
        return text in self.gz.rule_gpe_surfaces

    def _cue_label(self, doc: Doc, start: int, end: int, coarse: str) -> Optional[str]:
        index = self._cue_index.get(coarse)
        if not index:
            return None
        words = tuple(t.text for t in doc[start:end])
        size = len(words)
        best: Optional[tuple[int, str]] = None
        for (where, n), table in index.items():
            if where == "name":
                hit = table.get(words) if size == n else None
            elif where == "last":
                hit = table.get(words[-n:]) if size > n else None
            elif where == "first":
                hit = table.get(words[:n]) if size > n else None
            elif where == "any":
                hits = [table[words[i:i + n]] for i in range(size - n + 1) if words[i:i + n] in table]
                hit = min(hits) if hits else None
            elif where == "left":
                # the words just before the span, lower-cased: "state broadcaster CCTV"
                hit = table.get(tuple(t.lower_ for t in doc[start - n:start])) if start >= n else None
            else:
                hit = None
            if hit is not None and (best is None or hit < best):
                best = hit
        return best[1] if best else None

    def _split_compound(self, doc, start, end, conf, stage) -> list[Mention]:
        """'South Korea-China' / 'Seoul-Beijing' tagged as one span -> one mention per part."""
        dashes = [i for i in range(start, end) if doc[i].text in ("-", "–", "—", "/")]
        if not dashes:
            return []
        bounds = [start] + [d + 1 for d in dashes]
        ends = dashes + [end]
        parts = []
        for s, e in zip(bounds, ends):
            if s >= e:
                return []
            text = doc[s:e].text
            place = self.gz.place(text)
            dem = self.gz.demonym(text)
            if place is not None:
                parts.append(Mention(s, e, "GPE", conf, stage, country=place[1]))
            elif dem is not None:
                parts.append(Mention(s, e, "NORP", conf, stage, country=dem[1]))
            else:
                return []
        return parts

    def _leading_demonym(self, doc: Doc, i: int, n: int, end: int) -> bool:
        """Whether the demonym of ``n`` tokens at ``i`` opens a PERSON span rather than being part
        of the name: a title follows ("Chinese leader Xi"), or a nationality precedes a full name
        ("Russian Yevgeny Kafelnikov"); "Christian Cullen", "German Villa" are names."""
        after = i + n
        if after < end and (self.gz.is_title_token(doc[after]) or doc[after].lower_ in self.gz.honorifics
                            or doc[after].lower_ in self.gz.title_qualifiers):
            return True
        has_country = self.gz.demonyms[doc[i:after].text][1] is not None
        return has_country and sum(1 for t in doc[after:end] if t.is_alpha) >= 2

    def _split_person(self, doc: Doc, start: int, end: int, conf, stage):
        """Strip leading demonyms, titles, qualifiers and honorifics from a PERSON span."""
        prefix: list[Mention] = []
        title_tokens: list[int] = []
        country = None
        i = start
        while i < end - 1:
            n = self._demonym_at(doc, i, end - 1)
            if n and not title_tokens and self._leading_demonym(doc, i, n, end):
                dem = self.gz.demonyms[doc[i:i + n].text]
                prefix.append(Mention(i, i + n, "NORP", conf, stage, country=dem[1]))
                country = dem[1] or country
                i += n
                continue
            lower = doc[i].lower_
            if lower in self.gz.honorifics or lower in self.gz.title_qualifiers:
                i += 1
                continue
            if self.gz.is_title_token(doc[i]) and (doc[i].is_title or doc[i].is_upper or doc[i].is_lower):
                # only a title if a head word follows within the title run
                j = i
                while j < end - 1 and self.gz.is_title_token(doc[j]):
                    j += 1
                run = [k for k in range(i, j) if doc[k].lower_ not in self.gz.title_qualifiers]
                if run and self.gz.is_head(doc[run[-1]]):
                    title_tokens.extend(run)
                    i = j
                    continue
            break
        # the rest must still look like a name
        if i >= end or not any(t.is_alpha and (t.is_title or t.is_upper) for t in doc[i:end]):
            return start, None, None, []
        title = doc[title_tokens[0]:title_tokens[-1] + 1].text if title_tokens else None
        return i, title, country, prefix

    # ---- overlaps ----------------------------------------------------------------------------
    @staticmethod
    def _resolve_overlaps(mentions: list[Mention]) -> list[Mention]:
        """Keep non-overlapping mentions: NER before rule, then longer first, then earlier."""
        order = sorted(mentions, key=lambda m: (m.stage == "rule", -(m.end - m.start), m.start))
        taken: set = set()
        kept = []
        for m in order:
            cells = set(range(m.start, m.end))
            if cells & taken:
                continue
            taken |= cells
            kept.append(m)
        return sorted(kept, key=lambda m: m.start)

    # ---- rule additions ----------------------------------------------------------------------
    def _is_sentence_start(self, doc: Doc, i: int) -> bool:
        if i == 0:
            return True
        if doc.has_annotation("SENT_START") and doc[i].is_sent_start:
            return True
        prev = doc[i - 1]
        return prev.text in (".", "!", "?", ":", '"', "“", "(", "\n") or "\n" in prev.text or prev.is_space

    def _context_blocks(self, doc: Doc, start: int, end: int, covered: set, label: str) -> bool:
        """True when a gazetteer hit looks like part of a longer name the NER missed.

        A neighbouring capitalised word that is not a title/gazetteer word suggests a longer name
        ("China Daily"); with a tagger, only a PROPN neighbour counts (headline case is common)."""
        tagged = doc.has_annotation("TAG")

        def name_like(tok) -> bool:
            return tok.is_title and (not tagged or tok.pos_ == "PROPN")

        if end < len(doc):
            nxt = doc[end]
            if (name_like(nxt) and nxt.i not in covered and nxt.lower_ not in self.gz.title_heads
                    and nxt.lower_ not in self.gz.title_modifiers and nxt.lower_ not in self.gz.honorifics
                    and self.gz.place(nxt.text) is None and nxt.text not in self.gz.demonyms):
                return True  # "China Daily", "Korea Herald"
        if start > 0:
            prev = doc[start - 1]
            if (name_like(prev) and prev.i not in covered and not self._is_sentence_start(doc, start - 1)
                    and not self.gz.is_title_word(prev.lower_) and prev.lower_ not in self.gz.honorifics):
                return True  # "East Asian", "Air China"
            if prev.lower_ in ("of", "de", "for") and start > 1 and name_like(doc[start - 2]) \
                    and doc[start - 2].i not in covered:
                return True  # "Bank of Korea", "University of Tokyo"
        return False

    def _add_gazetteer_mentions(self, doc: Doc, mentions: list[Mention]) -> list[Mention]:
        added = [m for m, _ in self.gazetteer_candidates(doc, mentions)]
        return sorted(mentions + added, key=lambda m: m.start)

    def gazetteer_candidates(self, doc: Doc, mentions: list[Mention]) -> list[tuple[Mention, str]]:
        """Rule mentions (with their source: country, capital, ...) not overlapping ``mentions``."""
        covered = {i for m in mentions for i in range(m.start, m.end)}
        candidates = []
        for s, e in self._loc_phrases(doc):
            candidates.append((s, e, "LOC", "loc_phrase", None))
        for match_id, s, e in self.phrase_matcher(doc):
            label, source, a2 = self.rule_info[doc.vocab.strings[match_id]]
            candidates.append((s, e, label, source, a2))
        # longest first; a LOC phrase beats a demonym inside it ("Korean Peninsula")
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
        added = []
        for s, e, label, source, a2 in candidates:
            if any(i in covered for i in range(s, e)):
                continue
            if label == "LOC" and self.gz.place(doc[s:e].text) is not None:
                continue
            if self._context_blocks(doc, s, e, covered, label):
                continue
            added.append((Mention(s, e, label, self.gz.priors.get(source), "rule", country=a2), source))
            covered.update(range(s, e))
        return added

    def _loc_phrases(self, doc: Doc) -> list[tuple[int, int]]:
        """(start, end) of every LOC phrase: the one- and the two-word name before each cue word."""
        phrases = []
        for cue in token_indices(doc, ORTH, self._loc_cue_ids):
            for start in (cue - 1, cue - 2):
                if start < 0 or not (doc[start].is_title and doc[start].orth not in self._loc_name_excluded):
                    break
                phrases.append((start, cue + 1))
        return phrases

    def _add_alias_mentions(self, doc: Doc, mentions: list[Mention]) -> list[Mention]:
        """Add bare first/last tokens of full PERSON names that the NER missed ("Lee's")."""
        source_conf: dict = {}
        for m in mentions:
            if m.label == "PERSON" and m.end - m.start >= 2:
                toks = [t for t in doc[m.start:m.end] if t.is_alpha]
                if len(toks) >= 2:
                    conf = m.confidence if m.confidence is not None else self.gz.priors.get("ner_default", 0.85)
                    for word in (toks[0].text, toks[-1].text):
                        source_conf[word] = max(source_conf.get(word, 0.0), conf)
        names = set(source_conf)
        names = {n for n in names if len(n) > 1 and n[0].isupper() and n.lower() not in self.gz.title_heads
                 and self.gz.place(n) is None and n not in self.gz.demonyms}
        if not names:
            return mentions
        covered = {i for m in mentions for i in range(m.start, m.end)}
        added = []
        # the tokens spelled like one of the names, found from the ORTH array (exact text ids)
        for i in token_indices(doc, ORTH, [doc.vocab.strings.add(n) for n in names]):
            tok = doc[i]
            if tok.i in covered:
                continue
            s, e = tok.i, tok.i + 1
            if e < len(doc) and doc[e].is_title and e not in covered:
                continue  # part of a different, longer name
            if (s > 0 and doc[s - 1].text in HYPHENS and not doc[s - 1].whitespace_
                    or e < len(doc) and doc[e].text in HYPHENS and not tok.whitespace_):
                continue  # part of a hyphenated word ("Mercedes-Benz")
            if s > 0 and doc[s - 1].is_title and s - 1 not in covered and not self._is_sentence_start(doc, s - 1) \
                    and not self.gz.is_title_word(doc[s - 1].lower_) and doc[s - 1].lower_ not in self.gz.honorifics:
                continue
            # the measured precision of alias additions, never above the name it copies
            prior = self.gz.priors.get("name_alias", self.gz.priors.get("rule_default", 0.5))
            added.append(Mention(s, e, "PERSON", min(prior, source_conf[tok.text]), "rule"))
            covered.add(s)
        return sorted(mentions + added, key=lambda m: m.start)

    def _hyphen_continues_name(self, doc: Doc, i: int) -> bool:
        """Whether token ``i`` is a hyphen glued to the word before it and to a word after it that
        continues the name ("Wi Sung-lac"), not a combining form that makes it an adjective
        ("Tripoli-based")."""
        return (0 < i and i + 1 < len(doc) and doc[i].text in HYPHENS and not doc[i - 1].whitespace_
                and not doc[i].whitespace_ and doc[i + 1].is_alpha and not self.gz.is_combining_form(doc[i + 1]))

    def _name_run(self, doc: Doc, start: int) -> int:
        """End of the run of capitalised name tokens from ``start`` ("Yoon Suk Yeol", "Wi Sung-lac");
        ``start`` if there is none. Title words, honorifics and "The" end the run."""
        i = start
        while i < len(doc):
            tok = doc[i]
            if (tok.is_alpha and tok.text[0].isupper() and not self.gz.is_title_word(tok.lower_)
                    and tok.lower_ not in self.gz.honorifics and tok.lower_ not in DETERMINERS):
                i += 1
            elif i > start and self._hyphen_continues_name(doc, i):
                i += 2  # "Sung-lac"
            else:
                break
        return i

    def _role_name_blocked(self, doc: Doc, start: int, end: int) -> bool:
        """A run after a role noun that starts with a place or demonym ("the minister, China's ...")
        or carries a non-person cue ("his predecessor, Ministry of Finance") is not a person."""
        if any(self._known(doc[start:start + n].text) for n in (1, 2, 3) if start + n <= end):
            return True
        return self._cue_label(doc, start, end, "PER") is not None

    def role_person_candidates(self, doc: Doc, mentions: list[Mention]) -> list[tuple[Mention, list[Mention]]]:
        """PERSON mentions for capitalised names next to a lower-case person-role noun (``role`` rows
        of titles.tsv), each with the ``mentions`` it replaces.

        "spokesman John Smith said" (directly after) or "his predecessor, Yoon Suk Yeol, who" (in
        apposition: licensed like a left appositive title, closed like a right one). A model span
        inside the name is replaced when it is a PERSON cut short or has another label with a
        confidence below ``role_person_override_below``; a model span running past the name, a
        confident non-PERSON span, a place/demonym or an ORG-like cue leave the text alone. A
        single word the model did not tag at all is not enough ("a spokesman Monday said")."""
        ends = {m.end for m in mentions}
        covered = {i for m in mentions for i in range(m.start, m.end)}
        below = self.cfg["role_person_override_below"]
        ner_default = self.gz.priors.get("ner_default", 0.8)
        out: list[tuple[Mention, list[Mention]]] = []
        taken: set = set()
        # the role nouns found from token attribute arrays: a Python Token per word costs more
        roles = [i for i in token_indices(doc, LOWER, self._role_ids) if doc[i].is_lower]
        for i in roles:
            tok = doc[i]
            if tok.i in covered:
                continue
            start = tok.i + 1
            appositive = start < len(doc) and doc[start].text == ","
            if appositive:
                title_start = self._title_run_left(doc, tok.i + 1, 0)[0]
                if not self._left_appositive_ok(doc, title_start, ends):
                    continue
                start += 1
            end = self._name_run(doc, start)
            if end == start or any(i in taken for i in range(start, end)):
                continue
            after = doc[end] if end < len(doc) else None
            closed = (after is None or after.lower_ in APPOSITIVE_END or after.is_punct or after.is_space
                      or not appositive and (after.is_lower or after.text in POSSESSIVE))
            if not closed or self._role_name_blocked(doc, start, end):
                continue
            inside = [m for m in mentions if m.start < end and m.end > start]
            if any(m.start < start or m.end > end for m in inside):
                continue
            if any(m.label == "PERSON" and (m.start, m.end) == (start, end) for m in inside):
                continue  # the model got it right; _find_titles records the role
            if any(m.label != "PERSON" and (ner_default if m.confidence is None else m.confidence) >= below
                   for m in inside):
                continue
            if not inside and end - start < 2:
                continue
            prior = self.gz.priors.get("person_role", self.gz.priors.get("rule_default", 0.5))
            out.append((Mention(start, end, "PERSON", prior, "rule"), inside))
            taken.update(range(start, end))
        return out

    def _add_role_person_mentions(self, doc: Doc, mentions: list[Mention]) -> list[Mention]:
        candidates = self.role_person_candidates(doc, mentions)
        if not candidates:
            return mentions
        replaced = {id(m) for _, inside in candidates for m in inside}
        kept = [m for m in mentions if id(m) not in replaced]
        return sorted(kept + [m for m, _ in candidates], key=lambda m: m.start)

    # ---- titles ------------------------------------------------------------------------------
    def _title_run_left(self, doc: Doc, end: int, stop: int) -> Optional[tuple[int, int]]:
        """Title phrase ending at token ``end - 1`` (a head word), extended left; (start, end)."""
        if end <= stop or not self.gz.is_head(doc[end - 1]):
            return None
        j = end - 1
        while j - 1 >= stop and self.gz.is_title_word(doc[j - 1].lower_) and doc[j - 1].lower_ not in self.gz.title_qualifiers:
            j -= 1
        return j, end

    def _left_appositive_ok(self, doc: Doc, title_start: int, ends: dict) -> bool:
        """A title phrase starting at ``title_start`` and followed by a comma stands in apposition
        to the name after the comma when a possessive, determiner, pronoun ("his predecessor,"),
        a mention ("Lee's security chief,") or the sentence start precedes it."""
        before = title_start - 1
        return (before < 0 or doc[before].text in POSSESSIVE or doc[before].lower_ in DETERMINERS
                or doc[before].lower_ in POSSESSIVE_PRONOUNS or before + 1 in ends
                or self._is_sentence_start(doc, title_start))

    def _find_titles(self, doc: Doc, mentions: list[Mention]) -> None:
        ends = {m.end: m for m in mentions}
        starts = {m.start: m for m in mentions}
        covered = {i for m in mentions for i in range(m.start, m.end)}
        # Mentions are sorted and non-overlapping: the nearest end on the left is
        # a running maximum (a nested loop here was quadratic on long documents).
        stop = 0
        for m in mentions:
            left_stop, stop = stop, max(stop, m.end)
            if m.label != "PERSON":
                continue
            title_span = None
            # 1. immediately left: "Chinese leader Xi", "President Lee"
            run = self._title_run_left(doc, m.start, left_stop)
            if run and not any(i in covered for i in range(*run)):
                title_span = run
            # 2. left appositive: "Lee's security chief, Wi Sung-lac"
            if title_span is None and m.start >= 2 and doc[m.start - 1].text == ",":
                run = self._title_run_left(doc, m.start - 1, left_stop)
                if run and self._left_appositive_ok(doc, run[0], ends):
                    title_span = run
            # 3. right appositive: "Zhao Leji, Chairman of the National People's Congress"
            if title_span is None:
                title_span = self._appositive_right(doc, m, starts)
            if title_span and not m.title:
                s, e = title_span
                while s < e and doc[s].lower_ in self.gz.title_qualifiers:
                    s += 1
                if s < e:
                    m.title = doc[s:e].text
            # country from "Chinese leader Xi" / "China's President Xi"
            if m.country is None and title_span and title_span[0] <= m.start:
                left = title_span[0]
                if left in ends and ends[left].label in ("NORP", "GPE") and ends[left].country:
                    m.country = ends[left].country
                elif left - 1 in ends and doc[left - 1].text in POSSESSIVE and ends[left - 1].label == "GPE":
                    m.country = ends[left - 1].country

    def _appositive_right(self, doc: Doc, m: Mention, starts: dict) -> Optional[tuple[int, int]]:
        i = m.end
        if i < len(doc) and doc[i].text == ",":
            j = i + 1
            if j < len(doc) and doc[j].lower_ in DETERMINERS:
                j += 1
            k = j
            while k < len(doc) and self.gz.is_title_token(doc[k]) and k not in starts:
                k += 1
            # last word of the run must be a head; what follows must end the phrase
            while k > j and not self.gz.is_head(doc[k - 1]):
                k -= 1
            if k > j:
                after = doc[k] if k < len(doc) else None
                if after is None or after.lower_ in APPOSITIVE_END or after.is_punct:
                    return j, k
        if doc.has_annotation("DEP"):
            root = doc[m.start:m.end].root
            for child in root.children:
                if child.dep_ == "appos" and self.gz.is_head(child) and child.i >= m.end \
                        and child.i not in starts:
                    s = child.i
                    while s - 1 > m.end and self.gz.is_title_token(doc[s - 1]):
                        s -= 1
                    return s, child.i + 1
        return None

    # ---- clustering --------------------------------------------------------------------------
    def _cluster_key(self, doc: Doc, m: Mention) -> str:
        text = doc[m.start:m.end].text
        if m.label == "GPE":
            place = self.gz.place(text)
            if place is not None:
                return f"GPE|{lookup_key(place[0])}"
        if m.label == "NORP":
            dem = self.gz.demonym(text)
            if dem is not None:
                return f"NORP|{dem[0]}"
        return f"{m.label}|{name_key(text)}"

    def _cluster(self, doc: Doc, mentions: list[Mention]) -> None:
        keys: list[str] = [""] * len(mentions)
        full_last_pos: dict = {}  # person key -> list of mention positions
        counts: dict = {}
        person_tokens: dict = {}  # person key -> (first token, last token)
        # first pass: full names
        for idx, m in enumerate(mentions):
            if m.label == "PERSON":
                words = [w for w in name_key(doc[m.start:m.end].text).split() if w]
                if len(words) >= 2:
                    key = "PERSON|" + " ".join(words)
                    keys[idx] = key
                    person_tokens[key] = (words[0], words[-1])
                    full_last_pos.setdefault(key, []).append(m.start)
                    continue
            keys[idx] = self._cluster_key(doc, m)
        # second pass: bare surnames / first names
        for idx, m in enumerate(mentions):
            if m.label != "PERSON" or keys[idx].count(" ") >= 1:
                continue
            word = keys[idx].split("|", 1)[1]
            cands = [k for k, (first, last) in person_tokens.items() if word in (first, last)]
            if not cands:
                continue
            if len(cands) > 1:
                def recent(k):
                    before = [p for p in full_last_pos[k] if p < m.start]
                    return (1, max(before)) if before else (0, -min(full_last_pos[k]))
                if self.cfg["surname_policy"] == "frequent":
                    cands.sort(key=lambda k: (counts.get(k, 0) + len(full_last_pos[k]), recent(k)), reverse=True)
                else:
                    cands.sort(key=recent, reverse=True)
            keys[idx] = cands[0]
            counts[cands[0]] = counts.get(cands[0], 0) + 1
        # propagate a PERSON's country within its cluster; number clusters by first appearance
        ids: dict = {}
        country: dict = {}
        for key, m in zip(keys, mentions):
            ids.setdefault(key, len(ids))
            if m.label == "PERSON" and m.country and key not in country:
                country[key] = m.country
        for key in person_tokens:  # full names known from the Phoenix leader lists
            if key not in country and key.split("|", 1)[1] in self.gz.leaders:
                country[key] = self.gz.leaders[key.split("|", 1)[1]]
        for key, m in zip(keys, mentions):
            m.key = ids[key]
            if m.label == "PERSON" and m.country is None:
                m.country = country.get(key)


@Language.factory("newsie_entities", default_config={"config": {}})
def make_newsie_entities(nlp: Language, name: str, config: dict) -> EntityRefiner:
    return EntityRefiner(nlp, name, config)
