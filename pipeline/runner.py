"""``newsie run``: a corpus folder in, tables out, incrementally.

Documents stream through in batches: read → (reuse stored rows | process with
spaCy in worker processes) → store. Then the segments (per-document tables kept
as Arrow files, ``pipeline.segments``) are updated where documents changed, the
corpus-level steps run on them and every table is rewritten atomically.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import logging
import os
import signal
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import pyarrow as pa

from . import __version__
from .config import PACKAGE_DIR, Config
from .nlp import pipe_batch_size
from .reader import SourceDocument, file_signature, read_file, scan, with_language
from .records import Rows, doc_rows, failed_document_rows
from .schema import TABLES
from .store import STATE_DIR, ResultStore, TableWriter, pack_tables, remove_stale_temporaries

log = logging.getLogger("newsie.run")


BACKENDS = ("local", "dask")
# Documents above this many characters are processed one at a time.
LARGE_DOCUMENT_CHARS = 100_000


class RunError(RuntimeError):
    """The run cannot start (missing corpus, locked output folder, bad model)."""


class DocumentTimeout(Exception):
    pass


@dataclass
class RunSummary:
    documents: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    processed: int = 0  # run through the pipeline in this run
    reused: int = 0  # taken from the result store
    removed: int = 0  # documents gone from the corpus since the last run
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    out_dir: str = ""

    def lines(self) -> list[str]:
        table_counts = ", ".join(f"{t} {n}" for t, n in self.rows.items())
        return [
            f"documents: {self.documents} ({self.ok} ok, {self.failed} failed, {self.skipped} skipped); "
            f"processed {self.processed}, reused {self.reused}, removed {self.removed}",
            f"rows: {table_counts}",
            f"outputs: {self.out_dir}  ({self.seconds:.1f} s)",
        ]


# Package code that cannot change a document's stored rows (commands, corpus-level steps
# that rerun on every run, evaluation and training); everything else is in the version,
# so a new module counts unless listed here.
NOT_PER_DOCUMENT_CODE = ("cli.py", "__main__.py", "report.py", "query.py", "api.py", "store.py",
                         "segments.py", "corpus/", "evaluate/", "training/")


def _hash_tree(h: "hashlib._Hash", root: Path, patterns: tuple[str, ...], skip: tuple[str, ...] = ()) -> None:
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if "__pycache__" in path.parts or ".newsie" in path.parts:
                continue
            rel = path.relative_to(root).as_posix()
            if rel.startswith(skip):
                continue
            h.update(rel.encode())
            h.update(path.read_bytes())


def pipeline_version(config: Config) -> str:
    """Changes whenever per-document results could change: code, data, config, model."""
    from .nlp import resolve_model_path

    h = hashlib.sha256(__version__.encode())
    h.update(config.fingerprint().encode())
    _hash_tree(h, PACKAGE_DIR, ("*.py",), skip=NOT_PER_DOCUMENT_CODE)
    _hash_tree(h, PACKAGE_DIR / "data", ("*.*",))
    model = resolve_model_path(config.model)
    if isinstance(model, Path):
        for name in ("meta.json", "config.cfg"):  # the model's identity and its pipeline definition
            if (model / name).exists():
                h.update((model / name).read_bytes())
    else:
        h.update(str(model).encode())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- worker side

_NLP = None
_NLP_CONFIG: Optional[dict] = None


def _init_worker(config_data: dict) -> None:
    """Build the pipeline once per process (and again only if the config changes)."""
    global _NLP, _NLP_CONFIG
    if _NLP is not None and _NLP_CONFIG == config_data:
        return
    from .nlp import build_nlp
    from .ops import configure_worker_process

    configure_worker_process()  # a worker is one CPU's worth of work
    _NLP = build_nlp(Config(data=config_data))
    _NLP_CONFIG = config_data


def _exit_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """Exit this worker process once the run that started it is gone (killed with SIGKILL, say):
    an idle pool worker otherwise waits for work forever, holding the model's memory."""
    while True:
        time.sleep(interval)
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_pool_worker(config_data: dict, parent_pid: int) -> None:
    import threading

    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True, name="newsie-parent-watch").start()
    _init_worker(config_data)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise DocumentTimeout after ``seconds`` (main thread only, else no limit)."""
    def on_alarm(signum, frame):  # noqa: ARG001
        raise DocumentTimeout()

    try:
        previous = signal.signal(signal.SIGALRM, on_alarm)
    except ValueError:  # not in the main thread: cannot use alarms
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def make_doc(nlp, src: SourceDocument):
    """A Doc for ``src`` with the inputs the stages read (doc_id, published) set."""
    from .extensions import remember_text  # imports spaCy: only where a pipeline runs

    doc = nlp.make_doc(src.text)
    remember_text(doc, src.text)
    doc._.doc_id = src.doc_id
    doc._.published = src.published
    return doc


def _process_one(nlp, src: SourceDocument, timeout: float) -> Rows:
    try:
        with _time_limit(timeout):
            doc = nlp(make_doc(nlp, src))
        return doc_rows(src, doc)
    except DocumentTimeout:
        message = f"processing took longer than run.doc_timeout={timeout:g} s"
    except Exception as exc:  # a failing document must not stop the corpus
        log.debug("pipeline failure on %s\n%s", src.path, traceback.format_exc())
        message = f"pipeline error: {type(exc).__name__}: {exc}"
    log.warning("%s: %s", src.path, message)
    failed = replace(src, status="error", error=message)
    rows = failed_document_rows(failed)
    rows["errors"][-1]["stage"] = "pipeline"
    return rows


def process_batch(batch: list[SourceDocument], timeout: float) -> list[tuple[str, Optional[str], dict[str, bytes]]]:
    """Run the pipeline over a batch; (doc_id, sha256, packed rows) per document.

    One slow or failing document fails alone: ordinary documents go through
    ``nlp.pipe`` together (faster); large ones alone, each under its own time
    limit, so one huge document cannot use up the time of a whole batch. Rows
    come back packed for the store (see ``pack_tables``).
    """
    nlp = _NLP
    # Language identification is CPU work (and its profiles memory): done here, not in
    # the process that reads and stores.
    inp = _NLP_CONFIG["input"]
    batch = [with_language(s, inp["languages"], inp["other_languages"]) for s in batch]
    small = [s for s in batch if s.status == "ok" and len(s.text) <= LARGE_DOCUMENT_CHARS]
    results: dict[str, Rows] = {s.doc_id: failed_document_rows(s) for s in batch if s.status != "ok"}
    try:
        with _time_limit(timeout * len(small)):
            batch_size = pipe_batch_size([len(s.text) for s in small], _NLP_CONFIG["run"]["model_batch_chars"])
            docs = list(nlp.pipe((make_doc(nlp, s) for s in small), batch_size=batch_size))
        results.update((s.doc_id, doc_rows(s, d)) for s, d in zip(small, docs))
    except Exception:  # noqa: BLE001  (includes DocumentTimeout) retry one by one
        for s in small:
            results.pop(s.doc_id, None)
    return [(s.doc_id, s.sha256, pack_tables(results.get(s.doc_id) or _process_one(nlp, s, timeout)))
            for s in batch]


# ---------------------------------------------------------------- corpus side

def _batches(items: Iterable[SourceDocument], size: int) -> Iterator[list[SourceDocument]]:
    batch: list[SourceDocument] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    lock_path = out_dir / ".newsie" / "lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(f"another newsie run is writing to {out_dir}") from None
        yield


def _worker_count(requested: Optional[int], config: Config) -> int:
    n = config["run"]["workers"] if requested is None else requested
    return n if n > 0 else (os.cpu_count() or 1)


def run(corpus: Path, out_dir: Path, config: Config, *, workers: Optional[int] = None,
        full: bool = False, formats: Optional[list[str]] = None, backend: str = "local",
        scheduler: Optional[str] = None,
        progress: Optional[Callable[[int], None]] = None, total_callback=None) -> RunSummary:
    """Process ``corpus`` into tables in ``out_dir``; see the module docstring."""
    started = time.perf_counter()
    corpus = Path(corpus)
    if not corpus.exists():
        raise RunError(f"corpus path does not exist: {corpus}")
    if not corpus.is_dir():
        raise RunError(f"corpus path is not a folder: {corpus}")
    if backend not in BACKENDS:
        raise RunError(f"unknown backend '{backend}'; choose one of {', '.join(BACKENDS)}")
    formats = formats or config.formats
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_workers = _worker_count(workers, config)
    version = pipeline_version(config)
    timeout = float(config["run"]["doc_timeout"])
    batch_size = int(config["run"]["batch_size"])
    summary = RunSummary(out_dir=str(out_dir))

    with _locked(out_dir):
        remove_stale_temporaries(out_dir)
        store = ResultStore(out_dir)
        try:
            stored = {} if full else store.fingerprints()
            paths = scan(corpus, tuple(config["input"]["extensions"]))
            if total_callback is not None:
                total_callback(len(paths))
            seen: set[str] = set()
            inp = config["input"]

            known_files = {} if full else store.file_signatures()
            file_entries: list[tuple[str, str, list[tuple[str, str]]]] = []

            def unchanged(rel: str, signature: Optional[str]) -> Optional[list[tuple[str, str]]]:
                """The documents of a file not touched since the last run, all stored by
                this pipeline version; None when the file must be read."""
                known = known_files.get(rel)
                if signature is None or known is None or known[0] != signature:
                    return None
                docs = known[1]
                if any(stored.get(d) != (sha, version) or d in seen for d, sha in docs):
                    return None
                return docs

            def pending() -> Iterator[SourceDocument]:
                """Documents that need the pipeline; others are stored or reused here."""
                failed_batch: list = []
                root = str(corpus).rstrip("/") + "/"
                for path in paths:
                    if progress is not None:
                        progress(1)
                    name = str(path)
                    rel = name[len(root):] if name.startswith(root) else path.relative_to(corpus).as_posix()
                    signature = file_signature(path)
                    docs = unchanged(rel, signature)
                    if docs is not None:  # not even read
                        seen.update(d for d, _ in docs)
                        summary.reused += len(docs)
                        file_entries.append((rel, signature, docs))
                        continue
                    read: list[tuple[str, str]] = []
                    cacheable = signature is not None
                    for src in read_file(corpus, path, max_chars=inp["max_chars"], max_bytes=inp["max_bytes"]):
                        if src.doc_id in seen:
                            src = replace(src, doc_id=f"{src.doc_id}~{src.path}", status="error",
                                          error=f"duplicate doc_id '{src.doc_id}' (another file has the same name)")
                        seen.add(src.doc_id)
                        cacheable = cacheable and src.status == "ok"
                        read.append((src.doc_id, src.sha256))
                        if src.status == "ok" and stored.get(src.doc_id) == (src.sha256, version):
                            summary.reused += 1  # includes documents skipped for their language
                            continue
                        if src.status != "ok":
                            failed_batch.append((src.doc_id, src.sha256 or None, version,
                                                 pack_tables(failed_document_rows(src))))
                            if len(failed_batch) >= batch_size:
                                store.put_many(failed_batch)
                                failed_batch = []
                            continue
                        yield src
                    if cacheable:
                        file_entries.append((rel, signature, read))
                if failed_batch:
                    store.put_many(failed_batch)

            def save(results: list[tuple[str, Optional[str], dict[str, bytes]]]) -> None:
                store.put_many([(d, s, version, r) for d, s, r in results])
                summary.processed += len(results)

            batches = _batches(pending(), batch_size)
            # Starting worker processes (each loads the model) only pays off when
            # there is more than one batch of work: look two batches ahead. Past
            # that the model runs in worker processes even for --workers 1, so this
            # process (reading, storing, the corpus steps) never holds the model's
            # memory and the corpus steps' memory at once.
            ahead = list(itertools.islice(batches, 2))
            batches = itertools.chain(ahead, batches)
            one_batch = len(ahead) < 2
            if backend == "dask":
                _run_dask(batches, 1 if one_batch else n_workers, scheduler, config, timeout, save)
            elif one_batch:
                for batch in batches:
                    _init_worker(config.data)  # loads the model on first use only
                    save(process_batch(batch, timeout))
            else:
                _run_pool(batches, n_workers, config, timeout, save)

            summary.removed = store.delete_except(seen)
            store.set_file_signatures(file_entries)
            _write_tables(store, out_dir, formats, float(config["output"]["min_confidence"]),
                          int(config["run"]["segment_docs"]), summary)
        finally:
            store.close()
        _drop_stale_formats(out_dir, formats)

    summary.seconds = time.perf_counter() - started
    return summary


def _run_pool(batches: Iterator[list[SourceDocument]], n_workers: int, config: Config,
              timeout: float, save: Callable) -> None:
    ctx = get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=_init_pool_worker,
                             initargs=(config.data, os.getpid())) as pool:
        in_flight: set[Future] = set()
        for batch in batches:
            in_flight.add(pool.submit(process_batch, batch, timeout))
            # Bounded memory: never more than two batches per worker in flight.
            if len(in_flight) >= 2 * n_workers:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    save(fut.result())
        for fut in in_flight:
            save(fut.result())


def process_batch_on_worker(batch: list[SourceDocument], config_data: dict, timeout: float):
    """Dask task: build the pipeline once per worker process, then process."""
    _init_worker(config_data)
    return process_batch(batch, timeout)


def _run_dask(batches: Iterator[list[SourceDocument]], n_workers: int, scheduler: Optional[str],
              config: Config, timeout: float, save: Callable) -> None:
    """Per-document stages on a Dask cluster; a LocalCluster when no address is given.

    Results come back to this process and are stored exactly as with the local
    backend, so the tables are identical. Per-document time limits need the
    main thread, so on Dask workers only the batch as a whole is bounded.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RunError("the dask backend needs `pip install newsie[dask]`") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        window = as_completed()
        in_flight = 0
        for batch in batches:
            window.add(client.submit(process_batch_on_worker, batch, config.data, timeout, pure=False))
            in_flight += 1
            if in_flight >= 2 * max(n_workers, len(client.scheduler_info()["workers"])):
                save(next(window).result())
                in_flight -= 1
        for fut in window:
            save(fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _write_tables(store: ResultStore, out_dir: Path, formats: list[str], min_confidence: float,
                  segment_docs: int, summary: RunSummary) -> None:
    """Segments brought up to date with the store, then every table written from them.

    Per-document tables stream from the segments one segment at a time; the corpus
    steps read only the columns they need (mentions for ``entities``; events and
    documents for event merging).
    """
    from .corpus import AGGREGATE_INPUTS, confident, entities_table, event_tables
    from .segments import SegmentCache

    cache = SegmentCache(out_dir / STATE_DIR, segment_docs)
    cache.update(store)
    counts: dict[str, int] = {}

    def write(table: str, parts: Iterable[pa.Table]) -> None:
        names = TABLES[table].names
        with TableWriter(out_dir, table, formats) as writer:
            for part in parts:
                writer.write_arrow(confident(table, part.select(names), min_confidence))
        counts[table] = writer.count

    documents = cache.read_all("documents", ["doc_id", "published", "status"])
    events, clusters = event_tables(cache.read_all("events"), documents)
    write("events", [events])
    write("event_clusters", [clusters])
    del events, clusters
    write("entities", [entities_table(cache.read_all("mentions", AGGREGATE_INPUTS))])
    for table in TABLES:
        if table not in counts:
            write(table, cache.iter_table(table))
    summary.rows = {table: counts[table] for table in TABLES}
    status = documents.column("status").to_pylist()
    summary.documents = len(status)
    summary.ok = status.count("ok")
    summary.failed = status.count("error")
    summary.skipped = status.count("skipped")


def _drop_stale_formats(out_dir: Path, formats: list[str]) -> None:
    """A format no longer requested must not leave an outdated file behind."""
    for table in TABLES:
        for fmt in ("parquet", "csv"):
            path = out_dir / f"{table}.{fmt}"
            if fmt not in formats and path.exists():
                path.unlink()
