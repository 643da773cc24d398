"""The ``newsie`` command line (also ``python -m pipeline``)."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .config import ConfigError, load_config

log = logging.getLogger("newsie")

DEFAULT_DATA_DIR = Path("../shared/data")


def _formats(value: str) -> list[str]:
    formats = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("parquet", "csv")]
    if bad or not formats:
        raise argparse.ArgumentTypeError(f"--format takes parquet and/or csv, comma-separated (got {value!r})")
    return formats


def _workers(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError("--workers must be >= 0 (0 = all cores)")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsie",
        description="News information extraction: entities, dates, relations and events from a folder of articles.",
    )
    parser.add_argument("--version", action="version", version=f"newsie {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="process a corpus folder into tables",
                         description="Process every article under PATH (.txt, .md, .html, .htm, .jsonl) "
                                     "and write the tables to --out. Only new or changed documents are "
                                     "processed again unless --full is given.")
    run.add_argument("path", type=Path, help="corpus folder (scanned recursively)")
    run.add_argument("--out", type=Path, default=Path("outputs"), help="output folder (default: outputs/)")
    run.add_argument("--config", type=Path, default=None, help="TOML file overriding configs/default.toml")
    run.add_argument("--format", type=_formats, default=None, dest="formats",
                     help="output formats, comma-separated: parquet,csv (default from config)")
    run.add_argument("--workers", type=_workers, default=None,
                     help="worker processes (0 = all cores; default from config)")
    run.add_argument("--full", action="store_true", help="reprocess every document, ignoring stored results")
    run.add_argument("--backend", choices=("local", "dask"), default="local",
                     help="where per-document stages run: local processes or a Dask cluster")
    run.add_argument("--scheduler", default=None,
                     help="Dask scheduler address (tcp://host:8786); default: a LocalCluster")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only warnings")

    train = sub.add_parser("train", help="train the shipped spaCy model from ../shared/data",
                           description="Reproduce newsie's English model (tagger, lemmatizer, parser, NER) "
                                       "from the annotated corpora in the data folder.")
    train.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="data folder (default ../shared/data)")
    train.add_argument("--output", type=Path, default=None,
                       help="where to write the pipeline (default: the package's shipped model folder)")
    train.add_argument("--quick", action="store_true", help="a short run on a few sentences (smoke test)")
    train.add_argument("--seed", type=int, default=0)

    evaluate = sub.add_parser("evaluate", help="score a stage against gold data")
    esub = evaluate.add_subparsers(dest="what", metavar="WHAT")
    esub.required = True
    for name, help_text, gold_help in (
        ("ner", "entity mentions against a CoNLL-2003 format file", "CoNLL file"),
        ("parser", "tagger and parser against CoNLL-U", "CoNLL-U file or folder"),
        ("timex", "temporal expressions against TimeML .tml files", "folder of .tml files"),
    ):
        p = esub.add_parser(name, help=help_text)
        p.add_argument("--gold", type=Path, required=True, help=gold_help)
        p.add_argument("--config", type=Path, default=None, help="TOML config (model and stages)")
        if name == "timex":
            p.add_argument("--errors", type=Path, default=None,
                           help="also write every error (wrong value, spurious, missed) as CSV rows to this file")
    report = sub.add_parser("report", help="write a self-contained HTML report of the outputs",
                            description="One report.html (no network needed): corpus summary, articles with "
                                        "entities and dates highlighted, event timeline, entities, event clusters.")
    report.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs/)")
    report.add_argument("--output", type=Path, default=None, help="report file (default: OUT/report.html)")
    report.add_argument("--min-confidence", type=float, default=0.5,
                        help="initial confidence threshold of the report's filter (default 0.5)")

    query = sub.add_parser("query", help="run SQL (DuckDB) over the output tables",
                           description="Each table (documents, mentions, entities, timexes, relations, events, "
                                       "event_clusters, ...) is a view by its name.")
    query.add_argument("sql", help='e.g. "SELECT name, n_docs FROM entities ORDER BY n_mentions DESC LIMIT 10"')
    query.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs/)")
    query.add_argument("--csv", type=Path, default=None, help="write the result to this CSV file instead")

    show = sub.add_parser("show", help="print one article with its entities, dates, relations and events")
    show.add_argument("doc_id", help="a documents.doc_id")
    show.add_argument("--out", type=Path, default=Path("outputs"), help="outputs folder (default: outputs/)")
    return parser


def _setup_logging(verbose: bool, quiet: bool = False) -> None:
    level = logging.DEBUG if verbose else (logging.WARNING if quiet else logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import RunError, run

    config = load_config(args.config)
    show_progress = not args.quiet and sys.stderr.isatty()
    bar = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(unit="file", desc="newsie", file=sys.stderr)

    def set_total(n: int) -> None:
        if bar is not None:
            bar.total = n
            bar.refresh()

    try:
        summary = run(args.path, args.out, config, workers=args.workers, full=args.full,
                      formats=args.formats, backend=args.backend, scheduler=args.scheduler, progress=bar.update if bar else None, total_callback=set_total)
    except RunError as exc:
        print(f"newsie: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    for line in summary.lines():
        print(line)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from .nlp import SHIPPED_MODEL, SHIPPED_MODELS_DIR
    from .training.train import train_model

    output = args.output or SHIPPED_MODELS_DIR / SHIPPED_MODEL
    if not args.data.exists():
        print(f"newsie: error: data folder not found: {args.data}", file=sys.stderr)
        return 2
    path = train_model(output, args.data, quick=args.quick, seed=args.seed)
    print(f"model written to {path}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if not args.gold.exists():
        print(f"newsie: error: gold data not found: {args.gold}", file=sys.stderr)
        return 2
    config = load_config(args.config) if args.config else None
    if args.what == "ner":
        from .evaluate.ner import evaluate_ner as evaluate
    elif args.what == "parser":
        from .evaluate.parser import evaluate_parser as evaluate
    else:
        from .evaluate.timex import evaluate_timex as evaluate
    options = {"errors_csv": args.errors} if args.what == "timex" else {}
    evaluate(args.gold, config, **options)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    print(write_report(args.out, args.output, min_confidence=args.min_confidence))
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from .query import format_table, query, write_csv

    df = query(args.sql, args.out)
    if args.csv:
        print(write_csv(df, args.csv))
    else:
        print(format_table(df))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from .query import show_document

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    print(show_document(args.doc_id, args.out, color=color), end="")
    return 0


COMMANDS = {"run": _cmd_run, "train": _cmd_train, "evaluate": _cmd_evaluate,
            "report": _cmd_report, "query": _cmd_query, "show": _cmd_show}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, getattr(args, "quiet", False))
    if args.command == "evaluate":
        from .ops import configure_worker_process

        configure_worker_process()  # set up as a run worker is (``newsie run`` does it in _init_worker)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, ValueError) as exc:  # config, query and outputs errors are ValueErrors
        print(f"newsie: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`newsie query ... | head`): not an error. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
