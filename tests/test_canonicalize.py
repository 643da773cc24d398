"""Specifications of corpus-level entity canonicalization."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pipeline.corpus.canonicalize as C

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["doc_id", "mention_id", "start_char", "end_char", "text", "label", "confidence", "stage",
           "title", "local_entity", "country"]


def frame(rows):
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["entity_id"] = None
    return df


def entity_of(mentions, doc_id, text):
    rows = mentions[(mentions.doc_id == doc_id) & (mentions.text == text)]
    assert len(rows), (doc_id, text)
    return rows.entity_id.iloc[0]


ROWS = [
    ("d1", "d1-1", 0, 13, "Lee Jae Myung", "PERSON", 0.9, "ner", "President", 0, "KR"),
    ("d1", "d1-2", 40, 43, "Lee", "PERSON", 0.7, "rule", None, 0, None),
    ("d1", "d1-3", 60, 71, "Wi Sung Lac", "PERSON", 0.8, "ner", "National Security Adviser", 1, None),
    ("d1", "d1-4", 80, 87, "S.Korea", "GPE", 0.6, "rule", None, 2, "KR"),
    ("d1", "d1-5", 90, 102, "South Korean", "NORP", 0.8, "rule", None, 3, "KR"),
    ("d1", "d1-6", 110, 121, "Wi", "PERSON", 0.75, "ner", "Adviser", 1, None),
    ("d2", "d2-1", 0, 11, "WI SUNG-LAC", "PERSON", 0.85, "ner", "security chief", 0, None),
    ("d2", "d2-2", 20, 31, "South Korea", "GPE", 0.9, "ner", None, 1, "KR"),
    ("d2", "d2-3", 40, 51, "Lee Kun-hee", "PERSON", 0.9, "ner", "Chairman", 2, "KR"),
    ("d2", "d2-4", 60, 65, "Lee's", "PERSON", 0.6, "ner", None, 2, None),
    ("d2", "d2-5", 70, 83, "Lee Jae-myung", "PERSON", 0.95, "ner", "President", 3, "KR"),
    ("d3", "d3-1", 0, 3, "Lee", "PERSON", 0.5, "ner", None, 0, None),
    ("d3", "d3-2", 5, 18, "South Koreans", "NORP", 0.5, "ner", None, 1, "KR"),
    ("d3", "d3-3", 20, 31, "Wí Sung Lac", "PERSON", 0.3, "ner", None, 2, None),
]


@pytest.fixture(scope="module")
def result():
    return C.canonicalize_entities(frame(ROWS))


def test_spelling_variants_merge_across_documents(result):
    m, e = result
    wi = {entity_of(m, "d1", "Wi Sung Lac"), entity_of(m, "d2", "WI SUNG-LAC"), entity_of(m, "d3", "Wí Sung Lac")}
    assert len(wi) == 1
    row = e.set_index("entity_id").loc[wi.pop()]
    assert row["name"] == "Wi Sung Lac" and row["n_docs"] == 3 and row["n_mentions"] == 4


def test_surname_mention_joined_locally_counts_for_the_full_name(result):
    m, e = result
    assert entity_of(m, "d1", "Lee") == entity_of(m, "d1", "Lee Jae Myung") == entity_of(m, "d2", "Lee Jae-myung")
    lee = e.set_index("entity_id").loc[entity_of(m, "d1", "Lee Jae Myung")]
    assert lee["title"] == "President" and lee["country"] == "KR"
    assert lee["n_mentions"] == 3 and lee["n_docs"] == 2
    assert "Lee" in lee["aliases"] and lee["name"] not in lee["aliases"]


def test_different_people_sharing_a_surname_stay_apart(result):
    m, _ = result
    jae = entity_of(m, "d1", "Lee Jae Myung")
    kun = entity_of(m, "d2", "Lee Kun-hee")
    bare = entity_of(m, "d3", "Lee")  # a document with only a bare "Lee": nobody's full name
    assert len({jae, kun, bare}) == 3
    assert entity_of(m, "d2", "Lee's") == kun  # possessive and local cluster


def test_country_aliases_and_demonym_plurals_merge(result):
    m, e = result
    assert entity_of(m, "d1", "S.Korea") == entity_of(m, "d2", "South Korea")
    assert entity_of(m, "d1", "South Korean") == entity_of(m, "d3", "South Koreans")
    ents = e.set_index("entity_id")
    assert ents.loc[entity_of(m, "d1", "S.Korea"), "name"] == "South Korea"
    assert entity_of(m, "d2", "South Korea") != entity_of(m, "d1", "South Korean")


def test_entity_ids_do_not_depend_on_row_order(result):
    m, e = result
    for seed in range(3):
        shuffled = frame(ROWS).sample(frac=1.0, random_state=seed).reset_index(drop=True)
        m2, e2 = C.canonicalize_entities(shuffled)

        def by_mention(df):  # rows keep their input order; compare them mention by mention
            return df.sort_values("mention_id").reset_index(drop=True)

        pd.testing.assert_frame_equal(by_mention(m2), by_mention(m))
        pd.testing.assert_frame_equal(e2, e)


def test_entity_ids_are_stable_across_incremental_runs(result):
    m, _ = result
    only_d2 = [r for r in ROWS if r[0] == "d2"]
    m2, _ = C.canonicalize_entities(frame(only_d2))
    for mid, eid in zip(m2.mention_id, m2.entity_id):
        assert m.set_index("mention_id").loc[mid, "entity_id"] == eid
    assert entity_of(m, "d1", "Lee Jae Myung").startswith("E") and len(entity_of(m, "d1", "Lee Jae Myung")) == 13


def test_output_is_sorted_and_complete(result):
    m, e = result
    assert list(e.columns) == C.ENTITY_COLUMNS
    assert list(e.entity_id) == sorted(e.entity_id)
    assert list(zip(m.doc_id, m.start_char)) == sorted(zip(m.doc_id, m.start_char))
    assert m.entity_id.notna().all() and set(m.entity_id) == set(e.entity_id)
    assert e.n_mentions.sum() == len(m)
    assert all(a == sorted(a) for a in e.aliases)


def test_entity_confidence_is_bounded_by_best_mention_not_noisy_or():
    rows = [(f"d{i}", f"m{i}", 0, 7, "Reuters", "PERSON", 0.5, "ner", None, 0, None) for i in range(10)]
    _, e = C.canonicalize_entities(frame(rows))
    assert e.confidence.iloc[0] == pytest.approx(0.5)  # noisy-OR would say 0.999


def test_empty_input_gives_empty_tables():
    m, e = C.canonicalize_entities(frame([]))
    assert len(m) == 0 and len(e) == 0 and list(e.columns) == C.ENTITY_COLUMNS


def test_scales_to_many_mentions():
    n = 200_000
    rng = np.random.default_rng(0)
    surnames = np.array(["Lee", "Kim", "Park", "Xi", "Smith"])
    given = np.array([f"Given{i}" for i in range(2000)])
    text = pd.Series(rng.choice(surnames, n)) + " " + pd.Series(rng.choice(given, n))
    df = pd.DataFrame({"doc_id": rng.integers(0, 20_000, n).astype(str), "mention_id": np.arange(n).astype(str),
                       "start_char": rng.integers(0, 5000, n), "end_char": 0, "text": text, "label": "PERSON",
                       "confidence": rng.random(n), "stage": "ner", "title": None,
                       "local_entity": rng.integers(0, 30, n), "country": None})
    df["entity_id"] = None
    t = time.perf_counter()
    m, e = C.canonicalize_entities(df)
    assert time.perf_counter() - t < 15
    assert len(m) == n and e.n_mentions.sum() == n
