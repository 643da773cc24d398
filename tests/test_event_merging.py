"""Specifications of corpus-level event merging (pipeline.corpus.events.merge_events)."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from pipeline.corpus.events import merge_events, timex_interval

LEE, XI, LI, CHINA, BEIJING, PRK, USA = "e:lee", "e:xi", "e:li", "e:china", "e:beijing", "e:prk", "e:usa"


def event(doc, eid, code, source, target, date=None, location=None, confidence=0.7, label=None, start=0):
    actors = [a for a in (source, target) if a]
    return dict(doc_id=doc, event_id=eid, start_char=start, end_char=start + 5, trigger="x", event_type=code,
                event_label=label or f"label {code}", actors=actors, source_id=source, target_id=target,
                date=date, location_id=location, confidence=confidence)


def frames(rows, published=None):
    events = pd.DataFrame(rows)
    docs = sorted({r["doc_id"] for r in rows})
    documents = pd.DataFrame({"doc_id": docs, "published": [(published or {}).get(d) for d in docs]})
    return events, documents


def cluster_of(out: pd.DataFrame, doc: str, eid: str) -> str:
    return out.loc[(out.doc_id == doc) & (out.event_id == eid), "cluster_id"].item()


def test_reports_of_same_visit_from_two_outlets_merge():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01-05", CHINA),
        event("B", "1", "042", LEE, CHINA, "2026-01-05", CHINA),
    ])
    out, clusters = merge_events(ev, docs)
    assert cluster_of(out, "A", "1") == cluster_of(out, "B", "1")
    assert len(clusters) == 1
    c = clusters.iloc[0]
    assert (c.n_events, c.n_docs, c.doc_ids, c.event_type, c.date) == (2, 2, ["A", "B"], "042", "2026-01-05")
    assert c.conflicts == ""
    assert c.confidence > 0.7  # two independent reports


def test_conflicting_dates_are_surfaced():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01-04"),
        event("B", "1", "042", LEE, CHINA, "2026-01-05"),
        event("C", "1", "042", LEE, CHINA, "2026-01-05"),
    ])
    out, clusters = merge_events(ev, docs)
    assert len(clusters) == 1
    c = clusters.iloc[0]
    assert c.date == "2026-01-05"  # majority
    assert "date: 2026-01-05 (B, C) vs 2026-01-04 (A)" in c.conflicts


def test_month_date_contains_day_date_and_is_not_a_conflict():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01"),
        event("B", "1", "042", LEE, CHINA, "2026-01-05"),
    ])
    _, clusters = merge_events(ev, docs)
    assert len(clusters) == 1
    assert clusters.iloc[0].date == "2026-01-05" and clusters.iloc[0].conflicts == ""


def test_dates_further_apart_than_the_window_do_not_merge():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01-05"),
        event("B", "1", "042", LEE, CHINA, "2025-11-01"),
    ])
    _, clusters = merge_events(ev, docs)
    assert len(clusters) == 2


def test_window_is_a_config_value():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01-01"),
        event("B", "1", "042", LEE, CHINA, "2026-01-05"),
    ])
    assert len(merge_events(ev, docs)[1]) == 2
    assert len(merge_events(ev, docs, {"date_window_days": 5, "max_cluster_span_days": 5})[1]) == 1


def test_meetings_with_different_counterparts_do_not_merge():
    ev, docs = frames([
        event("A", "1", "040", LEE, XI, "2026-01-05"),
        event("B", "1", "040", LEE, LI, "2026-01-06"),
        event("B", "2", "040", XI, LEE, "2026-01-05"),  # same meeting, roles swapped
    ])
    out, clusters = merge_events(ev, docs)
    assert len(clusters) == 2
    assert cluster_of(out, "A", "1") == cluster_of(out, "B", "2") != cluster_of(out, "B", "1")
    merged = clusters[clusters.n_events == 2].iloc[0]
    assert merged.conflicts.startswith("source:") and "target:" in merged.conflicts


def test_different_cameo_root_codes_do_not_merge():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01-05"),
        event("B", "1", "163", LEE, CHINA, "2026-01-05"),
    ])
    assert len(merge_events(ev, docs)[1]) == 2


def test_same_root_different_subcode_merges_and_reports_the_disagreement():
    ev, docs = frames([
        event("A", "1", "040", LEE, XI, "2026-01-05", label="Consult"),
        event("B", "1", "040", LEE, XI, "2026-01-05", label="Consult"),
        event("C", "1", "046", LEE, XI, "2026-01-05", label="Engage in negotiation"),
    ])
    _, clusters = merge_events(ev, docs)
    assert len(clusters) == 1
    c = clusters.iloc[0]
    assert (c.event_type, c.event_label) == ("040", "Consult")
    assert "event_type: 040 (A, B) vs 046 (C)" in c.conflicts


def test_missing_target_joins_but_chains_cannot_join_different_targets():
    ev, docs = frames([
        event("A", "1", "042", LEE, CHINA, "2026-01-05"),
        event("B", "1", "042", LEE, None, "2026-01-05"),
        event("C", "1", "042", LEE, BEIJING, "2026-01-05"),
    ])
    out, clusters = merge_events(ev, docs)
    assert len(clusters) == 2
    assert cluster_of(out, "A", "1") != cluster_of(out, "C", "1")


def test_undated_events_use_the_publication_date():
    ev, docs = frames(
        [event("A", "1", "190", PRK, USA, None), event("B", "1", "190", PRK, USA, None),
         event("C", "1", "190", PRK, USA, None)],
        published={"A": "2026-01-04", "B": "2026-01-05T08:00:00Z", "C": "2024-03-01"},
    )
    out, clusters = merge_events(ev, docs)
    assert cluster_of(out, "A", "1") == cluster_of(out, "B", "1") != cluster_of(out, "C", "1")


def test_events_without_actors_stay_singletons():
    ev, docs = frames([event("A", "1", "010", None, None, "2026-01-05"),
                       event("B", "1", "010", None, None, "2026-01-05")])
    assert len(merge_events(ev, docs)[1]) == 2


def test_cluster_ids_do_not_depend_on_row_order():
    rows = [
        event("A", "1", "042", LEE, CHINA, "2026-01-05"),
        event("B", "1", "042", LEE, CHINA, "2026-01-04"),
        event("B", "2", "040", LEE, XI, "2026-01-05"),
        event("C", "7", "040", XI, LEE, "2026-01-05"),
        event("C", "8", "163", CHINA, USA, "2025-12"),
    ]
    ev, docs = frames(rows)
    out1, cl1 = merge_events(ev, docs)
    out2, cl2 = merge_events(ev.sample(frac=1.0, random_state=3).reset_index(drop=True),
                             docs.iloc[::-1].reset_index(drop=True))
    pd.testing.assert_frame_equal(out1, out2)
    pd.testing.assert_frame_equal(cl1, cl2)
    assert list(cl1.cluster_id) == sorted(cl1.cluster_id)
    assert all(c.startswith("evc_") for c in cl1.cluster_id)


def test_cluster_ids_are_stable_across_runs():
    ev, docs = frames([event("A", "1", "042", LEE, CHINA, "2026-01-05")])
    assert merge_events(ev, docs)[1].cluster_id.item() == merge_events(ev.copy(), docs.copy())[1].cluster_id.item()


def test_input_frames_are_not_modified_and_empty_input_works():
    ev, docs = frames([event("A", "1", "042", LEE, CHINA, "2026-01-05")])
    before = ev.copy()
    merge_events(ev, docs)
    pd.testing.assert_frame_equal(ev, before)
    out, clusters = merge_events(ev.iloc[0:0], docs.iloc[0:0])
    assert len(out) == 0 and len(clusters) == 0 and "cluster_id" in out.columns


def test_unknown_config_key_is_rejected():
    ev, docs = frames([event("A", "1", "042", LEE, CHINA, "2026-01-05")])
    with pytest.raises(ValueError):
        merge_events(ev, docs, {"window": 3})


def test_timex_values_map_to_day_intervals():
    assert timex_interval("2026-01")[:2] == (timex_interval("2026-01-01")[0], timex_interval("2026-01-31")[0])
    assert timex_interval("2026-W02")[1] - timex_interval("2026-W02")[0] == 6
    assert np.isnan(timex_interval("PRESENT_REF")[0]) and np.isnan(timex_interval("XXXX-01-06")[0])


def test_blocking_scales_to_many_events():
    rng = np.random.default_rng(0)
    n = 30_000
    actors = [f"e:{k}" for k in range(1_000)]
    src = rng.integers(0, len(actors), n)
    tgt = rng.integers(0, len(actors), n)
    day = rng.integers(1, 28, n)
    codes = rng.choice(["010", "042", "040", "163", "190"], n)
    ev = pd.DataFrame({
        "doc_id": [f"d{i // 5}" for i in range(n)], "event_id": [str(i % 5) for i in range(n)],
        "start_char": 0, "end_char": 1, "trigger": "x", "event_type": codes, "event_label": "l",
        "actors": [[actors[s], actors[t]] for s, t in zip(src, tgt)],
        "source_id": [actors[s] for s in src], "target_id": [actors[t] for t in tgt],
        "date": [f"2026-01-{d:02d}" for d in day], "location_id": None, "confidence": 0.5,
    })
    docs = pd.DataFrame({"doc_id": sorted(set(ev.doc_id)), "published": None})
    t0 = time.perf_counter()
    out, clusters = merge_events(ev, docs)
    assert time.perf_counter() - t0 < 20
    assert len(out) == n and clusters.n_events.sum() == n
