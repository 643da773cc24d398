"""Scale-out and crash safety: Dask backend, killed runs, worker counts."""
import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import load_config
from pipeline.runner import run

from conftest import CORPUS, ROOT

SMALL_BATCHES = {"run": {"batch_size": 2}}


def output_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def corpus_of_twelve(tmp_path_factory) -> Path:
    """The sample articles plus ten shorter articles cut from them, and thirty filler notes."""
    root = tmp_path_factory.mktemp("twelve") / "corpus"
    root.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for p in sorted(CORPUS.glob("*.txt")):
        (root / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    for i in range(10):
        lines = [line for line in texts[i % 2].splitlines() if line.strip()]
        (root / f"cut{i:02d}.txt").write_text("\n".join(lines[i % 5: i % 5 + 6]) + "\n", encoding="utf-8")
    # More batches, so that a killed run has work left at any moment.
    for i in range(30):
        line = [line for line in texts[i % 2].splitlines() if line.strip()][i % 9]
        (root / f"note{i:02d}.txt").write_text(line + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def reference(corpus_of_twelve, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    run(corpus_of_twelve, out, load_config(overrides=SMALL_BATCHES), workers=1)
    return out


def test_dask_local_cluster_writes_the_same_tables_as_local_processes(corpus_of_twelve, reference, tmp_path):
    pytest.importorskip("distributed")
    summary = run(corpus_of_twelve, tmp_path, load_config(overrides=SMALL_BATCHES), workers=2, backend="dask")
    assert summary.processed == 42
    assert output_bytes(tmp_path) == output_bytes(reference)


def test_worker_count_does_not_change_the_tables(corpus_of_twelve, reference, tmp_path):
    run(corpus_of_twelve, tmp_path, load_config(overrides=SMALL_BATCHES), workers=2)
    assert output_bytes(tmp_path) == output_bytes(reference)


def assert_outputs_are_whole(out: Path) -> None:
    """Every file under a table's name is complete: Parquet readable, CSV well-formed."""
    for path in out.glob("*.parquet"):
        pq.read_table(path)
    for path in out.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows and all(len(r) == len(rows[0]) for r in rows), path


def test_runs_killed_at_random_points_then_rerun_give_the_uninterrupted_result(corpus_of_twelve, reference, tmp_path):
    config = tmp_path / "small_batches.toml"
    config.write_text("[run]\nbatch_size = 2\nworkers = 1\n")
    out = tmp_path / "out"
    def newsie_run(out_dir: Path) -> list[str]:
        return [sys.executable, "-m", "pipeline", "run", str(corpus_of_twelve), "--out", str(out_dir),
                "--config", str(config), "--quiet"]

    command = newsie_run(out)
    # Kill points are spread over the time an uninterrupted run takes on this machine.
    started = time.perf_counter()
    subprocess.run(newsie_run(tmp_path / "timing"), cwd=ROOT, check=True, capture_output=True, timeout=600)
    duration = time.perf_counter() - started
    rng = random.Random(7)
    kills = 0
    for _attempt in range(5):
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.9) * duration)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        if out.exists():
            assert_outputs_are_whole(out)
    assert kills >= 2, "the runs finished before they could be killed; raise the delays"
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr
    assert output_bytes(out) == output_bytes(reference)


def children_of(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def test_worker_processes_of_a_killed_run_exit_too(corpus_of_twelve, tmp_path):
    config = tmp_path / "small_batches.toml"
    config.write_text("[run]\nbatch_size = 2\nworkers = 2\n")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(corpus_of_twelve), "--out",
                             str(tmp_path / "out"), "--config", str(config), "--quiet"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = [p for p in children_of(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        time.sleep(0.2)
    assert len(workers) == 2, "the run never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
        time.sleep(0.2)
    alive = [p for p in workers if Path(f"/proc/{p}").exists()]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    assert not alive, "worker processes outlived the killed run"


def test_replacing_a_documents_rows_in_the_store_uses_an_index_not_a_table_scan(tmp_path):
    # a scan per stored document made a corpus run quadratic in its size
    from pipeline.store import ResultStore

    store = ResultStore(tmp_path)
    for sql in ("DELETE FROM rows WHERE doc_id = ?",
                "SELECT doc_id, blob FROM rows WHERE tbl = ? AND doc_id BETWEEN ? AND ? ORDER BY doc_id"):
        plan = " ".join(str(r[-1]) for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", ("x",) * sql.count("?")))
        assert "INDEX" in plan and "SCAN rows" not in plan.replace("USING", ""), (sql, plan)
    store.close()
