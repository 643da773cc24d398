"""NewsieOps computes what thinc's NumpyOps computes; models newsie loads run on it."""
import json
import subprocess
import sys

import numpy
import pytest
from thinc.api import NumpyOps

from pipeline.nlp import load_model, pipe_batch_size
from pipeline.ops import BLAS_THREADS, NewsieOps

THINC = NumpyOps()


@pytest.mark.parametrize("n_window", [1, 2, 3])
@pytest.mark.parametrize("lengths", [None, [5], [1, 4, 0, 2, 7], [0, 3], [2, 2, 2, 2, 2, 1]])
def test_seq2col_gives_the_same_windows_as_thinc_at_every_sequence_boundary(n_window, lengths):
    rows = 5 if lengths is None else sum(lengths)
    seq = numpy.random.default_rng(7).random((rows, 4), dtype="float32")
    arg = None if lengths is None else numpy.array(lengths, dtype="int32")
    expected = THINC.seq2col(seq, n_window, lengths=arg)
    got = NewsieOps().seq2col(seq, n_window, lengths=arg)
    assert got.dtype == expected.dtype
    assert numpy.array_equal(got, expected)


def test_seq2col_of_an_empty_batch_is_empty():
    got = NewsieOps().seq2col(numpy.zeros((0, 4), dtype="float32"), 1, lengths=numpy.array([], dtype="int32"))
    assert got.shape == (0, 12)


def test_seq2col_rejects_lengths_that_do_not_cover_the_sequence_like_thinc():
    seq = numpy.ones((4, 2), dtype="float32")
    with pytest.raises((AssertionError, ValueError)):
        NewsieOps().seq2col(seq, 1, lengths=numpy.array([1, 1], dtype="int32"))


@pytest.mark.parametrize("trans1,trans2", [(False, False), (False, True), (True, False), (True, True)])
def test_gemm_multiplies_like_thinc(trans1, trans2):
    rng = numpy.random.default_rng(3)
    x = rng.random((6, 5) if not trans1 else (5, 6), dtype="float32")
    y = rng.random((5, 7) if not trans2 else (7, 5), dtype="float32")
    expected = THINC.gemm(x, y, trans1=trans1, trans2=trans2)
    numpy.testing.assert_allclose(NewsieOps().gemm(x, y, trans1=trans1, trans2=trans2), expected, rtol=1e-5)
    out = numpy.empty((6, 7), dtype="float32")
    NewsieOps().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
    numpy.testing.assert_allclose(out, expected, rtol=1e-5)


def test_the_shipped_model_runs_on_newsie_ops():
    nlp = load_model("newsie_en_core")
    # the layers whose matrix products are batched: the encoders and the parsers' feature layers
    # (the parsers' per-step output layer runs inside spaCy's Cython loop, on its own BLAS calls)
    layers = [nlp.get_pipe("tok2vec").model] + [
        nlp.get_pipe(name).model.get_ref(ref) for name in ("ner", "parser") for ref in ("tok2vec", "lower")]
    for layer in layers:
        assert all(isinstance(node.ops, NewsieOps) for node in layer.walk()), layer.name
    doc = nlp("President Lee Jae Myung met Xi Jinping in Beijing.")
    assert {e.text for e in doc.ents} >= {"Lee Jae Myung", "Xi Jinping", "Beijing"}


def blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_a_run_worker_runs_blas_on_one_thread_and_loading_a_model_leaves_the_setting_alone():
    from threadpoolctl import threadpool_limits

    from pipeline.config import load_config
    from pipeline import runner

    with threadpool_limits(limits=2, user_api="blas"):
        load_model("newsie_en_core")  # a library user's process: their BLAS setting stays
        assert blas_threads() == {2}
        config = load_config(overrides={"run": {"model_batch_chars": 12_345}})  # not the cached config
        runner._init_worker(config.data)
        assert blas_threads() == {BLAS_THREADS}
        assert not numpy._core.multiarray._get_madvise_hugepage()  # keep_array_memory ran too


# Allocate and free a 16 MB array 20 times after one warm-up; count the page faults.
FAULTS_OF_REPEATED_ARRAYS = """
import json, resource, sys, numpy
from pipeline.ops import keep_array_memory
kept = keep_array_memory() if sys.argv[1] == "keep" else None
numpy.ones(4_000_000, dtype="float32").sum()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    numpy.ones(4_000_000, dtype="float32").sum()
print(json.dumps([kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before]))
"""


def faults_of_repeated_arrays(mode: str) -> tuple:
    out = subprocess.run([sys.executable, "-c", FAULTS_OF_REPEATED_ARRAYS, mode],
                         capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))


def test_a_worker_process_reuses_the_memory_of_freed_arrays_instead_of_faulting_it_in_again():
    _, faults_by_default = faults_of_repeated_arrays("default")
    kept, faults_kept = faults_of_repeated_arrays("keep")
    assert kept is True
    assert faults_by_default >= 20 * 8  # each array mapped afresh (8 huge pages or 4,000 small ones)
    assert faults_kept < 20  # the same heap memory each time


@pytest.mark.parametrize("lengths,budget,expected", [
    ([1000] * 10, 5000, 5),     # five documents fill the budget
    ([1000] * 10, 500, 1),      # a document larger than the budget goes alone
    ([1000] * 3, 100_000, 3),   # never more than there are documents
    ([], 5000, 1),
    ([0, 0], 5000, 2),          # empty texts
])
def test_pipe_batch_size_fills_a_batch_up_to_the_character_budget(lengths, budget, expected):
    assert pipe_batch_size(lengths, budget) == expected
