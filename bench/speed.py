"""Where the pipeline's time goes: words per second of the whole per-document pipeline on one CPU,
and each component's share.

Runs the configured pipeline (``build_nlp``: the model and newsie's stages) over the texts of a
CoNLL-2003 file (default: ``conllpp_dev.txt``, 216 Reuters documents, 51k words) the way
``nlp.pipe`` does (components chained as generators, batches of ``run.model_batch_chars``), pinned
to one CPU, several passes in one process. The first pass meets every word for the first time
(vocabulary entries, lemma cache, the process's memory growing); later passes show the
steady state a long run reaches. Each component's time excludes the components before it.

Usage: python bench/speed.py [--gold FILE] [--passes 3] [--config FILE] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT.parent / "shared" / "data" / "ner" / "conllpp" / "conllpp_dev.txt"


class TimedStream:
    """An iterator that adds up the time spent producing its items (upstream work included)."""

    def __init__(self, items: Iterable) -> None:
        self.items = iter(items)
        self.seconds = 0.0

    def __iter__(self) -> Iterator:
        return self

    def __next__(self):
        start = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - start


def timed_pass(nlp, texts: list[str], batch_size: int) -> tuple[float, dict[str, float]]:
    """One pass over ``texts``; returns (seconds, seconds per component excluding upstream)."""
    stages = [("tokenizer", TimedStream(nlp.make_doc(t) for t in texts))]
    for name, proc in nlp.pipeline:
        upstream = stages[-1][1]
        docs = proc.pipe(upstream, batch_size=batch_size) if hasattr(proc, "pipe") else map(proc, upstream)
        stages.append((name, TimedStream(docs)))
    start = time.perf_counter()
    for _ in stages[-1][1]:
        pass
    total = time.perf_counter() - start
    shares, before = {}, 0.0
    for name, stream in stages:
        shares[name] = stream.seconds - before
        before = stream.seconds
    return total, shares


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="CoNLL-2003 file whose texts are run")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    from pipeline.config import load_config
    from pipeline.nlp import build_nlp, model_batch_chars, pipe_batch_size
    from pipeline.ops import configure_worker_process
    from pipeline.training.convert import conll_document_text, read_conll

    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    configure_worker_process()  # as in a run worker: BLAS on one thread, array memory reused
    config = load_config(args.config)
    nlp = build_nlp(config)
    documents = read_conll(args.gold)
    texts = [conll_document_text(d)[0] for d in documents]
    words = sum(len(s.words) for d in documents for s in d.sentences)
    batch_size = pipe_batch_size([len(t) for t in texts], model_batch_chars(config))
    print(f"{len(texts)} documents, {words} words, {batch_size} documents per batch, CPU {cpu}")
    passes = []
    for i in range(args.passes):
        total, shares = timed_pass(nlp, texts, batch_size)
        passes.append({"seconds": round(total, 3), "words_per_second": round(words / total),
                       "components": {k: round(v, 3) for k, v in shares.items()}})
        label = "first pass (new words)" if i == 0 else f"pass {i + 1}"
        print(f"{label:24s} {words / total:8,.0f} words/s  {total:6.2f} s  "
              + "  ".join(f"{k.removeprefix('newsie_')} {v:.2f}" for k, v in shares.items()))
    result = {"documents": len(texts), "words": words, "batch_size": batch_size, "passes": passes}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
