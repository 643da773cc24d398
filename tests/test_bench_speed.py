"""bench/speed.py: a timed pass runs every component like nlp.pipe and splits the time among them."""
import importlib.util

import spacy

from conftest import ROOT


def load_speed_module():
    spec = importlib.util.spec_from_file_location("bench_speed", ROOT / "bench" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_timed_pass_runs_each_component_once_per_document_and_its_shares_add_up_to_the_total():
    speed = load_speed_module()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    calls = []

    @spacy.Language.component("count_calls_for_speed_test")
    def count(doc):
        calls.append(doc.text)
        return doc

    nlp.add_pipe("count_calls_for_speed_test")
    texts = [f"Sentence number {i}. Another one." for i in range(25)]
    total, shares = speed.timed_pass(nlp, texts, batch_size=4)
    assert calls == texts
    assert list(shares) == ["tokenizer", "sentencizer", "count_calls_for_speed_test"]
    assert all(v >= 0 for v in shares.values())
    assert abs(sum(shares.values()) - total) < 0.05 * total + 1e-3
