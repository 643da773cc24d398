"""Python API: ``load`` the tables of a run, ``extract`` the tables of one text.

Both return ``{table name: pandas.DataFrame}`` with the columns of
``pipeline.schema.TABLES`` and pandas dtypes that keep missing values honest:
``Int64`` for integers, ``string`` for strings, ``boolean`` for booleans,
``float64`` for confidences, and Python lists (object dtype) for list columns.

Importing this module is light; spaCy is only loaded by ``extract``.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .schema import TABLES


class OutputsError(ValueError):
    """An outputs folder or one of its tables is missing or unreadable."""


ConfigLike = Union[None, str, Path, dict, Any]

# Built spaCy pipelines, one per distinct configuration.
_NLP_CACHE: dict[str, Any] = {}


# ---------------------------------------------------------------- tables -> pandas

def is_missing(value: Any) -> bool:
    """None, NaN, ``pd.NA`` or ``NaT``; lists, arrays and strings never are."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def frame_rows(df: pd.DataFrame) -> list[dict]:
    """A frame's rows as dicts of Python values, None for missing ones."""
    return [{k: (None if is_missing(v) else v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _types_mapper(arrow_type: pa.DataType):
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None  # float64 stays numpy float64 (missing = NaN); lists handled below


def arrow_to_pandas(table: str, arrow: pa.Table) -> pd.DataFrame:
    """An Arrow table of ``table``'s schema as a DataFrame with newsie's dtypes."""
    schema = TABLES[table]
    arrow = arrow.select(schema.names).cast(schema)
    df = arrow.to_pandas(types_mapper=_types_mapper)
    for field in schema:
        if pa.types.is_list(field.type):
            df[field.name] = pd.Series(
                [None if v is None else [str(x) for x in v] for v in arrow.column(field.name).to_pylist()],
                index=df.index, dtype=object,
            )
        elif pa.types.is_floating(field.type):
            df[field.name] = df[field.name].astype("float64")
    return df


def _read_csv(table: str, path: Path) -> pa.Table:
    """A table's CSV file (``pipeline.store.write_csv``'s convention) with its declared schema."""
    from .store import read_csv

    schema = TABLES[table]
    with open(path, "rb") as fh:
        header = fh.readline().decode("utf-8", "replace").rstrip("\r\n")
    if next(csv.reader([header]), None) != schema.names:
        raise OutputsError(f"{path} does not have the columns of table '{table}'")
    try:
        return read_csv(path, schema)
    except pa.ArrowInvalid as exc:
        raise OutputsError(f"{path} is not a valid '{table}' table: {exc}") from None


def table_paths(out_dir: Path) -> dict[str, Path]:
    """Table name -> its file in ``out_dir`` (Parquet preferred, else CSV)."""
    found: dict[str, Path] = {}
    for table in TABLES:
        for ext in ("parquet", "csv"):
            path = out_dir / f"{table}.{ext}"
            if path.is_file():
                found[table] = path
                break
    return found


def check_outputs_dir(out_dir: Union[str, Path]) -> Path:
    out_dir = Path(out_dir)
    if not out_dir.exists():
        raise OutputsError(f"outputs folder not found: {out_dir} (run `newsie run CORPUS --out {out_dir}` first)")
    if not out_dir.is_dir():
        raise OutputsError(f"outputs path is not a folder: {out_dir}")
    return out_dir


def read_table(out_dir: Union[str, Path], table: str, *, doc_id: Optional[str] = None) -> pd.DataFrame:
    """One table of ``out_dir`` as a DataFrame (optionally only ``doc_id``'s rows)."""
    out_dir = check_outputs_dir(out_dir)
    if table not in TABLES:
        raise OutputsError(f"unknown table '{table}'; tables: {', '.join(TABLES)}")
    path = table_paths(out_dir).get(table)
    if path is None:
        raise OutputsError(f"table '{table}' is missing in {out_dir} (no {table}.parquet or {table}.csv)")
    try:
        if path.suffix == ".parquet":
            filters = [("doc_id", "==", doc_id)] if doc_id is not None else None
            arrow = pq.read_table(path, filters=filters, schema=TABLES[table])
        else:
            arrow = _read_csv(table, path)
            if doc_id is not None:
                arrow = arrow.filter(pc.equal(arrow.column("doc_id"), doc_id))
    except OutputsError:
        raise
    except Exception as exc:  # noqa: BLE001  corrupt or foreign file
        raise OutputsError(f"cannot read {path}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    return arrow_to_pandas(table, arrow)


def load(outputs_dir: Union[str, Path], tables: Optional[Sequence[str]] = None) -> dict[str, pd.DataFrame]:
    """Every table written by ``newsie run`` into ``outputs_dir``, as DataFrames.

    Reads ``NAME.parquet`` (or ``NAME.csv`` when only CSV was written). Raises
    ``OutputsError`` (a ``ValueError``) for a missing folder or table.
    """
    out_dir = check_outputs_dir(outputs_dir)
    names = list(tables) if tables is not None else list(TABLES)
    present = table_paths(out_dir)
    missing = [t for t in names if t not in present]
    if missing and not present:
        raise OutputsError(f"no newsie tables in {out_dir} (run `newsie run CORPUS --out {out_dir}` first)")
    if missing:
        raise OutputsError(f"table(s) missing in {out_dir}: {', '.join(missing)}")
    return {t: read_table(out_dir, t) for t in names}


# ---------------------------------------------------------------- one text -> tables

def _resolve_config(config: ConfigLike):
    from .config import Config, load_config

    if config is None:
        return load_config()
    if isinstance(config, Config):
        return config
    if isinstance(config, (str, Path)):
        return load_config(config)
    if isinstance(config, dict):
        return load_config(overrides=config)
    raise TypeError(f"config must be None, a Config, a TOML path or a dict of overrides, not {type(config).__name__}")


def get_nlp(config: ConfigLike = None):
    """The pipeline for ``config``, built once per distinct configuration."""
    from .nlp import build_nlp

    cfg = _resolve_config(config)
    key = json.dumps(cfg.data, sort_keys=True, default=str)
    nlp = _NLP_CACHE.get(key)
    if nlp is None:
        nlp = _NLP_CACHE[key] = build_nlp(cfg)
    return nlp


def extract(text: str, published: Optional[str] = None, *, config: ConfigLike = None,
            doc_id: str = "text", title: Optional[str] = None) -> dict[str, pd.DataFrame]:
    """Run the pipeline on one text; return the same tables as ``load`` would.

    ``published`` is an ISO 8601 date or datetime (``ValueError`` otherwise); without
    it the article's date is inferred from the text, as in ``newsie run``.
    ``config`` is a ``Config``, a TOML file overriding the defaults, or a dict of
    overrides (e.g. ``{"model": {"name": "en_core_web_sm"}}``).
    """
    from .reader import SourceDocument, _finish, fingerprint, normalize_published, with_language

    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    meta: dict = {}
    if published is not None:
        meta["published"] = normalize_published(published)
    cfg = _resolve_config(config)

    from .corpus import build_corpus_tables
    from .records import doc_rows, failed_document_rows

    if title is not None:
        meta["title"] = title
    src = SourceDocument(doc_id=doc_id, path=doc_id, text=text, encoding="utf-8",
                         sha256=fingerprint(text, meta), **meta)
    inp = cfg["input"]
    src = _finish(src, inp["max_chars"])
    if src.status == "ok":
        src = with_language(src, inp["languages"], inp["other_languages"])
    if src.status == "ok":
        from .runner import make_doc

        nlp = get_nlp(cfg)
        rows = doc_rows(src, nlp(make_doc(nlp, src)))
    else:
        rows = failed_document_rows(src)
    tables = build_corpus_tables({t: list(rows.get(t, [])) for t in rows},
                                 min_confidence=float(cfg["output"]["min_confidence"]))
    return {t: arrow_to_pandas(t, tables[t]) for t in TABLES}


__all__ = ["OutputsError", "load", "extract", "read_table", "get_nlp"]
