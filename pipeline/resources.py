"""Reading newsie's data tables (rules as data) and the name keys they are indexed by.

Kept free of spaCy so corpus-level steps and scripts can use it cheaply.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Optional

DASHES = ("-", "‐", "‑", "–", "—")


def read_tsv(path: Path, columns: Optional[list[str]] = None) -> list[dict]:
    """Rows of a TSV table as dicts; blank lines and ``#`` lines are skipped.

    Without ``columns`` the first row is the header. Missing trailing cells
    are empty strings; cells are stripped of surrounding spaces.
    """
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [line.rstrip("\r\n") for line in fh if line.strip() and not line.startswith("#")]
    if columns is None:
        if not lines:
            return []
        columns, lines = lines[0].split("\t"), lines[1:]
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.split("\t")]
        cells += [""] * (len(columns) - len(cells))
        rows.append(dict(zip(columns, cells)))
    return rows


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to strip; most names, and a per-character loop saved
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def lookup_key(text: str) -> str:
    """Key for gazetteer look-ups: case, accents, periods, hyphens, apostrophe style ignored."""
    text = strip_accents(text).replace("’", "'").replace("‘", "'").casefold()
    text = text.replace(".", "")
    for dash in DASHES:
        text = text.replace(dash, " ")
    return " ".join(text.split())


def name_key(text: str) -> str:
    """Key for person/organisation names: lookup_key without a trailing possessive."""
    key = lookup_key(text)
    if key.endswith(" 's") or key.endswith("'s"):
        key = key[:-2].rstrip()
    elif key.endswith("'"):
        key = key[:-1].rstrip()
    return key.replace("'", "")
