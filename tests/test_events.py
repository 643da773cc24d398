"""Specifications of newsie_events (CAMEO coding), on hand-built parsed Docs."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from spacy.tokens import Doc, Span

from conftest import BLANK_EN as NLP, parsed_doc
from pipeline.components.events import DATA_DIR, EventCoder
from pipeline.extensions import Timex

ROOT = Path(__file__).resolve().parent.parent


def make_doc(rows: str, ents=(), timexes=()) -> Doc:
    """``parsed_doc`` plus timexes: (start_token, end_token, type, value)."""
    doc = parsed_doc(rows, ents)
    txs = []
    for s, e, typ, value in timexes:
        span = doc[s:e]
        txs.append(Timex(span.start_char, span.end_char, span.text, typ, value, None, None, "day", None, None, 0.9))
    doc._.timexes = txs
    return doc


def run(doc: Doc, **config) -> list:
    return EventCoder(None, "newsie_events", config)(doc)._.events


def actors(doc: Doc, event, role: str) -> list[str]:
    return [doc.text[a.start_char:a.end_char] for a in event.actors if a.role == role]


VISIT = """
Lee 2 nsubj PROPN NNP Lee
visited 0 root VERB VBD visit
China 2 obj PROPN NNP China
on 5 case ADP IN on
Sunday 2 obl PROPN NNP Sunday
. 2 punct PUNCT . .
"""


def test_visit_verb_codes_cameo_042_with_destination():
    doc = make_doc(VISIT, ents=[(0, 1, "PERSON"), (2, 3, "GPE")], timexes=[(4, 5, "DATE", "2026-01-04")])
    events = run(doc)
    assert len(events) == 1
    ev = events[0]
    assert (ev.trigger, ev.event_type, ev.event_label) == ("visited", "042", "Make a visit")
    assert actors(doc, ev, "source") == ["Lee"] and actors(doc, ev, "target") == ["China"]
    assert doc.text[ev.location_start:ev.location_end] == "China"
    assert ev.date == "2026-01-04" and doc.text[ev.date_start:ev.date_end] == "Sunday"
    assert 0.0 < ev.confidence < 1.0


TRIP = """
It 5 nsubj PRON PRP it
is 5 cop AUX VBZ be
Lee 5 nmod:poss PROPN NNP Lee
's 3 case PART POS 's
trip 0 root NOUN NN trip
to 7 case ADP IN to
China 5 nmod PROPN NNP China
since 11 mark SCONJ IN since
he 11 nsubj PRON PRP he
first 11 advmod ADV RB first
served 5 advcl VERB VBD serve
in 13 case ADP IN in
June 11 obl PROPN NNP June
. 5 punct PUNCT . .
"""


def test_trip_noun_codes_visit_by_possessor_to_destination():
    doc = make_doc(TRIP, ents=[(2, 3, "PERSON"), (6, 7, "GPE")], timexes=[(12, 13, "DATE", "2025-06")])
    events = run(doc)
    assert [(e.event_type, e.trigger) for e in events] == [("042", "trip")]
    assert actors(doc, events[0], "source") == ["Lee"] and actors(doc, events[0], "target") == ["China"]


def test_date_inside_a_since_clause_is_not_the_event_date():
    doc = make_doc(TRIP, ents=[(2, 3, "PERSON"), (6, 7, "GPE")], timexes=[(12, 13, "DATE", "2025-06")])
    assert run(doc)[0].date is None


SUMMIT = """
Lee 3 nsubj:pass PROPN NNP Lee
is 3 aux:pass AUX VBZ be
scheduled 0 root VERB VBN schedule
to 5 mark PART TO to
hold 3 xcomp VERB VB hold
a 7 det DET DT a
summit 5 obj NOUN NN summit
with 9 case ADP IN with
Xi 7 nmod PROPN NNP Xi
on 11 case ADP IN on
Monday 5 obl PROPN NNP Monday
. 3 punct PUNCT . .
"""


def test_summit_noun_codes_consult_between_leaders_with_date():
    doc = make_doc(SUMMIT, ents=[(0, 1, "PERSON"), (8, 9, "PERSON")], timexes=[(10, 11, "DATE", "2026-01-05")])
    events = run(doc)
    assert len(events) == 1
    ev = events[0]
    assert ev.event_type == "040" and ev.event_type.startswith("04")
    assert actors(doc, ev, "source") == ["Lee"] and actors(doc, ev, "target") == ["Xi"]
    assert ev.date == "2026-01-05"


def test_planned_event_has_lower_confidence_than_reported_one():
    planned = run(make_doc(SUMMIT, ents=[(0, 1, "PERSON"), (8, 9, "PERSON")]))[0]
    held = run(make_doc("""
Lee 2 nsubj PROPN NNP Lee
held 0 root VERB VBD hold
a 4 det DET DT a
summit 2 obj NOUN NN summit
with 6 case ADP IN with
Xi 4 nmod PROPN NNP Xi
. 2 punct PUNCT . .
""", ents=[(0, 1, "PERSON"), (5, 6, "PERSON")]))[0]
    assert planned.event_type == held.event_type == "040"
    assert planned.confidence < held.confidence


SANCTION = """
The 2 det DET DT the
sale 3 nsubj NOUN NN sale
prompted 0 root VERB VBD prompt
China 3 obj PROPN NNP China
to 6 mark PART TO to
sanction 3 xcomp VERB VB sanction
20 9 nummod NUM CD 20
American 9 amod ADJ JJ american
companies 6 obj NOUN NNS company
. 3 punct PUNCT . .
"""


def test_sanction_codes_163_with_object_controlled_source():
    doc = make_doc(SANCTION, ents=[(3, 4, "GPE"), (7, 8, "NORP")])
    events = run(doc)
    assert [e.event_type for e in events] == ["163"]
    assert actors(doc, events[0], "source") == ["China"]
    assert actors(doc, events[0], "target") == ["American"]
    assert events[0].event_label == "Impose embargo, boycott, or sanctions"


NEGATED = """
China 4 nsubj PROPN NNP China
did 4 aux AUX VBD do
not 4 advmod PART RB not
sanction 0 root VERB VB sanction
American 6 amod ADJ JJ american
companies 4 obj NOUN NNS company
. 4 punct PUNCT . .
"""


def test_negated_event_is_skipped_by_default():
    doc = make_doc(NEGATED, ents=[(0, 1, "GPE"), (4, 5, "NORP")])
    assert run(doc) == []


def test_negated_event_kept_on_request_has_low_confidence():
    doc = make_doc(NEGATED, ents=[(0, 1, "GPE"), (4, 5, "NORP")])
    kept = run(doc, negation="keep")
    assert [e.event_type for e in kept] == ["163"]
    assert kept[0].confidence < 0.5


LAUNCH = """
North 2 compound PROPN NNP North
Korea 3 nsubj PROPN NNP Korea
conducted 0 root VERB VBD conduct
a 7 det DET DT a
ballistic 6 amod ADJ JJ ballistic
missile 7 compound NOUN NN missile
launch 3 obj NOUN NN launch
. 3 punct PUNCT . .
"""


def test_missile_launch_codes_force_posture_without_target():
    doc = make_doc(LAUNCH, ents=[(0, 2, "GPE")])
    events = run(doc)
    assert [(e.event_type, e.trigger) for e in events] == [("150", "launch")]
    assert actors(doc, events[0], "source") == ["North Korea"] and actors(doc, events[0], "target") == []


def test_launch_without_weapon_modifier_is_not_an_event():
    doc = make_doc(LAUNCH.replace("missile 7 compound NOUN NN missile", "product 7 compound NOUN NN product")
                   .replace("ballistic 6 amod ADJ JJ ballistic", "new 6 amod ADJ JJ new"), ents=[(0, 2, "GPE")])
    assert run(doc) == []


APPEAL = """
Seoul 3 nsubj PROPN NNP Seoul
will 3 aux AUX MD will
request 0 root VERB VB request
China 5 nsubj PROPN NNP China
play 3 ccomp VERB VB play
a 7 det DET DT a
role 5 obj NOUN NN role
. 3 punct PUNCT . .
"""


def test_request_codes_appeal_with_complement_subject_as_target():
    doc = make_doc(APPEAL, ents=[(0, 1, "GPE"), (3, 4, "GPE")])
    events = run(doc)
    assert [e.event_type[:2] for e in events] == ["02"]
    assert actors(doc, events[0], "source") == ["Seoul"] and actors(doc, events[0], "target") == ["China"]


def test_statement_verb_codes_010_without_target():
    doc = make_doc("""
Lee 2 nsubj PROPN NNP Lee
stated 0 root VERB VBD state
that 5 mark SCONJ IN that
ties 5 nsubj NOUN NNS tie
improved 2 ccomp VERB VBD improve
. 2 punct PUNCT . .
""", ents=[(0, 1, "PERSON")])
    events = run(doc)
    assert [(e.event_type, e.trigger) for e in events] == [("010", "stated")]


def test_event_without_entity_actors_is_not_coded():
    doc = make_doc(VISIT, ents=[])
    assert run(doc) == []


def test_actor_and_location_offsets_are_entity_offsets():
    doc = make_doc(VISIT, ents=[(0, 1, "PERSON"), (2, 3, "GPE")], timexes=[(4, 5, "DATE", "2026-01-04")])
    spans = {(e.start_char, e.end_char) for e in doc.ents}
    for ev in run(doc):
        assert all((a.start_char, a.end_char) in spans for a in ev.actors)
        assert (ev.location_start, ev.location_end) in spans
        assert doc.text[ev.start_char:ev.end_char] == ev.trigger


def test_unknown_config_key_is_rejected():
    with pytest.raises(ValueError):
        EventCoder(None, "newsie_events", {"negate": "skip"})


def test_generated_tables_are_in_the_package_and_small():
    total = sum(p.stat().st_size for p in DATA_DIR.glob("*.tsv"))
    assert total < 2_000_000
    assert (DATA_DIR / "LICENSE").read_text().count("MIT") >= 1
    verbs = (DATA_DIR / "verbs.tsv").read_text().splitlines()
    assert any(line.startswith("visit\t\t042\t") and "CAMEO.2.0" in line for line in verbs)


def test_converter_reproduces_shipped_verb_table(tmp_path):
    source = ROOT.parent / "shared" / "data" / "cameo" / "CAMEO.2.0.txt"
    if not source.exists():
        pytest.skip("PETRARCH2 dictionary not available")
    from pipeline import events_data

    assert events_data.main(["--cameo", str(source), "--out", str(tmp_path)]) == 0
    for name in ("verbs.tsv", "patterns.tsv", "codes.tsv"):
        assert (tmp_path / name).read_text() == (DATA_DIR / name).read_text(), name


MODEL_DIR = ROOT / "pipeline" / "models" / "newsie_en_core"


@pytest.mark.skipif(not (MODEL_DIR / "meta.json").exists(), reason="newsie_en_core model not built yet")
def test_sample_articles_with_the_model_code_a_visit_to_china():
    from pipeline.nlp import build_nlp

    try:
        nlp = build_nlp()
    except Exception as exc:  # other stages may not be installed yet
        pytest.skip(f"pipeline not buildable: {exc}")
    texts = [p.read_text() for p in sorted((ROOT / "corpus").glob("*.txt"))]
    found = False
    for doc in nlp.pipe(texts):
        spans = {(e.start_char, e.end_char) for e in doc.ents}
        for ev in doc._.events:
            assert all((a.start_char, a.end_char) in spans for a in ev.actors)
            if ev.event_type == "042" and any("China" in doc.text[a.start_char:a.end_char] or
                                              "Beijing" in doc.text[a.start_char:a.end_char] for a in ev.actors):
                found = True
    assert found


EXERCISES = """
The 2 det DET DT the
trip 3 nsubj NOUN NN trip
follows 0 root VERB VBZ follow
major 7 amod ADJ JJ major
Chinese 6 amod ADJ JJ chinese
military 7 amod ADJ JJ military
exercises 3 obj NOUN NNS exercise
around 9 case ADP IN around
Taiwan 7 nmod PROPN NNP Taiwan
. 3 punct PUNCT . .
"""


def test_military_exercises_code_force_posture_by_their_demonym_around_a_place():
    doc = make_doc(EXERCISES, ents=[(4, 5, "NORP"), (8, 9, "GPE")])
    events = run(doc)
    assert [(e.event_type, e.trigger) for e in events] == [("150", "exercises")]
    assert actors(doc, events[0], "source") == ["Chinese"]
    assert doc.text[events[0].location_start:events[0].location_end] == "Taiwan"


def test_coded_verb_without_an_agent_is_not_an_event():
    # "China is suspected ." : passive, no agent -> PETRARCH needs a source actor
    doc = make_doc("""
China 3 nsubj:pass PROPN NNP China
is 3 aux:pass AUX VBZ be
attacked 0 root VERB VBN attack
. 3 punct PUNCT . .
""", ents=[(0, 1, "GPE")])
    assert run(doc) == []


def test_doc_without_a_parse_gets_empty_lists():
    from pipeline.components.relations import RelationExtractor

    doc = NLP("Lee visited China on Sunday.")
    assert run(doc) == [] and RelationExtractor()(doc)._.relations == []


def test_long_documents_are_processed_in_linear_time():
    from pipeline.components.relations import RelationExtractor

    rows = [line.split() for line in VISIT.strip().splitlines()]
    n = 3000  # 18,000 tokens, 6,000 mentions
    words, heads, deps, pos, tags, lemmas, ents = [], [], [], [], [], [], []
    for k in range(n):
        base = len(words)
        for i, r in enumerate(rows):
            for col, value in zip((words, None, deps, pos, tags, lemmas), r):
                if col is not None:
                    col.append(value)
            heads.append(base + int(r[1]) - 1 if int(r[1]) else base + i)
        ents += [(base, base + 1, "PERSON"), (base + 2, base + 3, "GPE")]
    doc = Doc(NLP.vocab, words=words, heads=heads, deps=deps, pos=pos, tags=tags, lemmas=lemmas)
    doc.ents = [Span(doc, s, e, label=lab) for s, e, lab in ents]
    doc._.timexes = []
    t0 = time.perf_counter()
    assert len(run(doc)) == n
    assert len(RelationExtractor()(doc)._.relations) == n
    assert time.perf_counter() - t0 < 10
