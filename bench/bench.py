"""newsie benchmark: throughput, scaling, memory and incremental cost.

Builds corpora of N documents from the sentences in ../shared/data (CoNLL++ and
GUM regrouped into documents of 8 sentences), then measures, each in a
fresh process so peak RSS is that run's own:

* a bare ``nlp.pipe`` pass of the configured model over the same texts, on one CPU,
* ``newsie run`` end to end with 1 worker on one CPU and 2 workers on two CPUs
  (``sched_setaffinity``: the main process shares the workers' CPUs, so the ratio to
  the bare pass and the 2-worker speedup compare like with like),
* peak RSS at two corpus sizes,
* adding one article to an already processed corpus.

Usage: python bench/bench.py [--sizes 1000,10000] [--data ../shared/data] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import os
import tempfile
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
SENTENCES_PER_DOC = 8


def conll_sentences(path: Path):
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                yield " ".join(words)
                words = []
            continue
        words.append(line.split()[0])
    if words:
        yield " ".join(words)


def conllu_sentences(folder: Path):
    for path in sorted(folder.glob("*.conllu")):
        if "reddit" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# text = "):
                yield line[len("# text = "):]


def sentences(data: Path) -> list[str]:
    out = list(conllu_sentences(data / "parser" / "gum" / "train"))
    out += list(conll_sentences(data / "ner" / "conllpp" / "conllpp_train.txt"))
    return [s for s in out if len(s.split()) >= 4]


def build_corpus(folder: Path, n_docs: int, pool: list[str]) -> int:
    """Write ``n_docs`` documents; return the number of words."""
    folder.mkdir(parents=True, exist_ok=True)
    words = 0
    for i in range(n_docs):
        start = (i * SENTENCES_PER_DOC) % len(pool)
        chunk = [pool[(start + j) % len(pool)] for j in range(SENTENCES_PER_DOC)]
        # Paragraphs of four sentences, as articles have.
        text = "\n".join(" ".join(chunk[k:k + 4]) for k in range(0, len(chunk), 4)) + "\n"
        words += len(text.split())
        (folder / f"doc{i:06d}.txt").write_text(text, encoding="utf-8")
    return words


def timed(cmd: list[str], cpus: Optional[set[int]] = None) -> tuple[float, float]:
    """Run ``cmd`` (on ``cpus`` only, when given); return (seconds, peak RSS in MB of its process
    tree's largest member)."""
    code = (
        "import os, resource, subprocess, sys, time, json;"
        f"cpus = {sorted(cpus) if cpus else None!r};"
        "pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None;"
        "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], preexec_fn=pin);"
        "dt = time.perf_counter() - t;"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
        "print(json.dumps([r.returncode, dt, rss]))"
    )
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, check=True)
    rc, seconds, rss = json.loads(out.stdout.strip().splitlines()[-1])
    if rc != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return seconds, rss


BARE = r"""
import os, sys, time
from pathlib import Path
from pipeline.nlp import load_model
from pipeline.config import load_config
if len(sys.argv) > 2:
    os.sched_setaffinity(0, {int(c) for c in sys.argv[2].split(",")})
nlp = load_model(load_config().model)
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
t = time.perf_counter()
for _ in nlp.pipe(texts, batch_size=32):
    pass
print(time.perf_counter() - t)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes (documents), comma-separated")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temp dir)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsie-bench-"))
    pool = sentences(args.data)
    available = sorted(os.sched_getaffinity(0))
    one_cpu, two_cpus = set(available[:1]), set(available[:2])
    newsie = [sys.executable, "-m", "pipeline", "run", "--quiet"]
    results: dict = {"sizes": {}}
    for n in sizes:
        corpus = work / f"corpus{n}"
        shutil.rmtree(corpus, ignore_errors=True)
        words = build_corpus(corpus, n, pool)
        row: dict = {"documents": n, "words": words}
        bare = subprocess.run([sys.executable, "-c", BARE, str(corpus), ",".join(map(str, one_cpu))],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        row["bare_seconds"] = float(bare.stdout.strip().splitlines()[-1])
        for workers in (1, 2):
            out = work / f"out{n}_w{workers}"
            shutil.rmtree(out, ignore_errors=True)
            # N workers on N CPUs: the main process (reading, storing, writing) shares them, so
            # "1 worker" is one core's worth of work, as is the bare pass.
            seconds, rss = timed([*newsie, str(corpus), "--out", str(out), "--workers", str(workers)],
                                 cpus=one_cpu if workers == 1 else two_cpus)
            row[f"w{workers}_seconds"] = seconds
            row[f"w{workers}_peak_rss_mb"] = rss
        (corpus / "added.txt").write_text(pool[0] + " " + pool[1] + "\n", encoding="utf-8")
        row["add_one_seconds"], _ = timed([*newsie, str(corpus), "--out", str(work / f"out{n}_w2"), "--workers", "2"])
        row["docs_per_s_w1"] = n / row["w1_seconds"]
        row["words_per_s_w1"] = words / row["w1_seconds"]
        row["words_per_s_bare"] = words / row["bare_seconds"]
        row["ratio_to_bare_w1"] = row["bare_seconds"] / row["w1_seconds"]
        row["speedup_w2"] = row["w1_seconds"] / row["w2_seconds"]
        results["sizes"][n] = row
        print(json.dumps(row, indent=1), flush=True)
    if len(sizes) >= 2:
        small, large = results["sizes"][sizes[0]], results["sizes"][sizes[-1]]
        results["rss_growth"] = large["w1_peak_rss_mb"] / small["w1_peak_rss_mb"] - 1
    print()
    print(f"{'docs':>7} {'words/s bare':>13} {'words/s w1':>11} {'ratio':>6} {'w2 speedup':>10} "
          f"{'peak RSS MB':>11} {'add 1 doc s':>11}")
    for n, r in results["sizes"].items():
        print(f"{n:>7} {r['words_per_s_bare']:>13.0f} {r['words_per_s_w1']:>11.0f} {r['ratio_to_bare_w1']:>6.2f} "
              f"{r['speedup_w2']:>10.2f} {r['w1_peak_rss_mb']:>11.0f} {r['add_one_seconds']:>11.1f}")
    if "rss_growth" in results:
        print(f"peak RSS growth from {sizes[0]} to {sizes[-1]} documents: {results['rss_growth']:+.1%}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
