"""Array operations newsie's models run on (inference speed on CPU).

thinc's ``NumpyOps`` multiplies matrices with the BLIS build bundled with the
``blis`` package and builds convolution windows (``seq2col``) with a loop per
token. On the CPUs newsie runs on, numpy's own BLAS (OpenBLAS in the numpy
wheels) is about three times as fast for the tok2vec and NER/parser feature
matrices, and a vectorized ``seq2col`` five times as fast; together they are
most of the model's time. ``NewsieOps`` uses both and changes nothing else.

Parallelism in newsie is one process per worker (``run.workers``); newsie's own
processes run BLAS on one thread (``limit_blas_threads``), so that two workers on
two cores do not fight over them and a words-per-second figure is a one-core figure.
"""
from __future__ import annotations

from typing import Optional

import numpy
from thinc.api import NumpyOps, get_current_ops, set_current_ops

BLAS_THREADS = 1


class NewsieOps(NumpyOps):
    """``NumpyOps`` with numpy's BLAS for ``gemm`` and a vectorized ``seq2col``."""

    name = "newsie"

    def __init__(self, device_type: str = "cpu", device_id: int = -1, **kwargs) -> None:
        # use_blis=False: thinc's base Ops.gemm (numpy.dot) instead of blis.py.gemm
        super().__init__(device_type, device_id, use_blis=False, **kwargs)

    def seq2col(self, seq: numpy.ndarray, nW: int, *, lengths: Optional[numpy.ndarray] = None) -> numpy.ndarray:
        """(M, N) -> (M, N*(2nW+1)): each row with its nW neighbours on both sides,
        zeros beyond the ends of each sequence (``lengths`` sums to M)."""
        if seq.ndim != 2 or seq.dtype not in (numpy.float32, numpy.float64):
            return super().seq2col(seq, nW, lengths=lengths)
        B, I = seq.shape
        if lengths is None:
            lengths = numpy.array([B], dtype="int32")
        lengths = numpy.asarray(lengths)
        if int(lengths.sum()) != B or (lengths < 0).any():
            return super().seq2col(seq, nW, lengths=lengths)  # raises thinc's error
        cols = numpy.zeros((B, 2 * nW + 1, I), dtype=seq.dtype)
        cols[:, nW] = seq
        if B == 0:
            return cols.reshape(B, (2 * nW + 1) * I)
        ends = numpy.cumsum(lengths)
        sequence_start = numpy.repeat(ends - lengths, lengths)
        sequence_end = numpy.repeat(ends, lengths)
        position = numpy.arange(B)
        for k in range(1, nW + 1):
            if k >= B:
                break
            # left neighbour k back, unless it lies before this sequence's start
            cols[k:, nW - k] = seq[:-k]
            cols[position - k < sequence_start, nW - k] = 0
            # right neighbour k ahead, unless it lies past this sequence's end
            cols[:-k, nW + k] = seq[k:]
            cols[position + k >= sequence_end, nW + k] = 0
        return cols.reshape(B, (2 * nW + 1) * I)


def use_newsie_ops() -> None:
    """Make ``NewsieOps`` the current ops: models built afterwards use them."""
    if not isinstance(get_current_ops(), NewsieOps):
        set_current_ops(NewsieOps())


def limit_blas_threads(threads: int = BLAS_THREADS) -> None:
    """Run the BLAS libraries loaded in this process (numpy's) on ``threads`` threads.

    For newsie's own processes (the command line, run workers), which parallelize by process; a
    program that uses newsie as a library keeps its own BLAS settings."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
