"""Array operations newsie's models run on (inference speed on CPU).

thinc's ``NumpyOps`` multiplies matrices with the BLIS build bundled with the
``blis`` package and builds convolution windows (``seq2col``) with a loop per
token. On the CPUs newsie runs on, numpy's own BLAS (OpenBLAS in the numpy
wheels) is about three times as fast for the tok2vec and NER/parser feature
matrices, and a vectorized ``seq2col`` five times as fast; together they are
most of the model's time. ``NewsieOps`` uses both and changes nothing else.

Parallelism in newsie is one process per worker (``run.workers``); newsie's own
processes run BLAS on one thread (``limit_blas_threads``), so that two workers on
two cores do not fight over them and a words-per-second figure is a one-core figure,
and keep the memory of freed arrays for the next batch (``keep_array_memory``).
"""
from __future__ import annotations

import ctypes
from typing import Optional

import numpy
from thinc.api import NumpyOps, get_current_ops, set_current_ops

BLAS_THREADS = 1
# glibc mallopt parameters (malloc.h) and the largest mmap threshold glibc accepts on 64-bit systems
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
TRIM_THRESHOLD = 1 << 30


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


def keep_array_memory() -> bool:
    """Let this process reuse the memory of freed arrays instead of handing it back to the system.

    The model allocates and frees arrays of a few MB per layer and batch. glibc maps every
    allocation above its mmap threshold afresh and unmaps it when freed, and numpy asks for
    transparent huge pages on large arrays, so each batch page-faulted its memory in again
    (15,000 faults per batch of tok2vec on CoNLL dev) and the first huge-page faults stalled on
    compaction (1-2 s at the start of a run). Raising glibc's mmap and trim thresholds keeps freed
    arrays on the heap for the next batch; huge pages are not requested, since with the memory
    reused they no longer save faults but still cost the compaction. Returns False (and changes
    nothing in the C library) where ``mallopt`` is unavailable. The memory is not given back until
    the process ends; peak RSS of bench/speed.py grew 478 -> 485 MB (+1.5%)."""
    set_hugepage = getattr(getattr(numpy, "_core", numpy).multiarray, "_set_madvise_hugepage", None)
    if set_hugepage is not None:
        set_hugepage(False)
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; a fixed mmap threshold also stops glibc from adjusting it
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def configure_worker_process() -> None:
    """How newsie's own processes that run the model are set up (run workers, ``newsie evaluate``,
    the benchmarks): BLAS on one thread and freed array memory kept for reuse. A program that
    uses newsie as a library keeps its own settings."""
    limit_blas_threads()
    keep_array_memory()
