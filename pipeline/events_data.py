"""Build newsie's CAMEO event-coding tables from PETRARCH2's verb dictionary.

Run once, at build time, from the project root::

    python -m pipeline.events_data [--cameo ../shared/data/cameo/CAMEO.2.0.txt]

It reads ``CAMEO.2.0.txt`` (PETRARCH2, MIT licence, Open Event Data Alliance) and the
hand-written ``pipeline/data/cameo/overrides.tsv`` and ``cameo_labels.tsv``, and writes
(into ``pipeline/data/cameo/``, shipped with the package; the pipeline never reads
``../shared`` at run time):

``verbs.tsv``     lemma, pattern, code, rcode, label, block, source, forms
                  one row per (verb lemma, pattern); ``block`` links to patterns.tsv. ``pattern`` is "" (the verb's default
                  code), ``prt=X`` (phrasal verb / preposition X), ``obj=W`` (direct object
                  head lemma W) or ``prep=P:W`` / ``prep=P`` (prepositional dependent).
                  ``code`` is the CAMEO code for source -> target, "" when the pattern says
                  "do not code" (PETRARCH ``[---]``); ``rcode`` the code after the colon in
                  ``[x:y]`` (PETRARCH's code for the reversed dyad), used only when ``code``
                  is empty. ``forms`` are the irregular forms the dictionary lists.
``patterns.tsv``  block, pattern, code, rcode, label: PETRARCH's patterns of a verb block
                  (they apply to every verb of the block).
``codes.tsv``     code, label, root, root_label
``LICENSE``       the PETRARCH2 MIT licence note.

PETRARCH patterns that need constituents newsie does not model (subject-side words,
``$``/``+``/``^`` markers, several phrases, ``%`` compounds) are dropped: newsie keeps the
verb, its direct object head and one prepositional dependent, which is what a
dependency parse gives reliably.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from pipeline.resources import read_tsv

PACKAGE_DIR = Path(__file__).resolve().parent
OUT_DIR = PACKAGE_DIR / "data" / "cameo"
DEFAULT_SOURCE = PACKAGE_DIR.parent.parent / "shared" / "data" / "cameo" / "CAMEO.2.0.txt"

_BLOCK = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]\s+---")
_CODE = re.compile(r"\[([^\]]*)\]")
_SIMPLE_WORD = re.compile(r"^[A-Z][A-Z'\-]*$")

LICENSE_NOTE = """\
pipeline/data/cameo/verbs.tsv is derived from CAMEO.2.0.txt, the CAMEO verb pattern
dictionary distributed with PETRARCH2 (https://github.com/openeventdata/petrarch2),
by pipeline/events_data.py. codes.tsv lists the CAMEO codebook's code names.

The MIT License (MIT)

Copyright (c) 2015 Open Event Data Alliance

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

The newsie-written files beside it (overrides.tsv, nouns.tsv, confidence.tsv,
cameo_labels.tsv) are part of newsie.
"""


def parse_code(text: str) -> tuple[str, str]:
    """``"042:043"`` -> ("042", "043"); ``"---"`` -> ("", ""); ``":110"`` -> ("", "110")."""
    text = text.strip()
    if "---" in text and ":" not in text:
        return "", ""
    primary, _, reverse = text.partition(":")
    primary = "" if "-" in primary else primary.strip()
    reverse = "" if "-" in reverse else reverse.strip()
    return primary, reverse


def _word(token: str) -> str:
    return token.lstrip("+").rstrip("_").replace("_", " ").lower()


def read_dictionary(path: Path):
    """Return (synsets, blocks). blocks: list of dicts name/code/verbs/patterns."""
    synsets: dict[str, list[str]] = {}
    blocks: list[dict] = []
    current_set = None
    block = None
    in_verbs = False
    with open(path, encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            line = raw.split("#", 1)[0].rstrip()
            if raw.startswith("####### VERB PATTERNS"):
                in_verbs = True
                current_set = None
                continue
            if not line.strip():
                continue
            if not in_verbs:
                if line.startswith("&"):
                    current_set = line.strip()
                    synsets[current_set] = []
                elif line.startswith("+") and current_set:
                    synsets[current_set].append(_word(line.split()[0]))
                continue
            m = _BLOCK.match(line)
            if m:
                code, rcode = parse_code(m.group(2))
                block = {"name": m.group(1), "code": code, "rcode": rcode, "verbs": [], "patterns": []}
                blocks.append(block)
                continue
            if block is None:
                continue
            if line.startswith("-"):
                cm = _CODE.search(line)
                if not cm:
                    continue
                code, rcode = parse_code(cm.group(1))
                block["patterns"].append((line[1 : cm.start()].strip(), code, rcode))
                continue
            # a verb line: WORD {forms} [code]   or  +PHRASAL_VERB {forms} [code]
            cm = _CODE.search(line)
            vcode = parse_code(cm.group(1)) if cm else None
            body = line[: cm.start()] if cm else line
            forms = re.findall(r"\{([^}]*)\}", body)
            head = re.sub(r"\{[^}]*\}", "", body).split()
            if not head:
                continue
            block["verbs"].append(
                {
                    "word": head[0],
                    "forms": [_word(f) for f in (forms[0].split() if forms else [])],
                    "code": vcode,
                }
            )
    return synsets, blocks


def _expand(term: str, synsets: dict[str, list[str]]) -> list[str] | None:
    """A pattern term -> list of head lemmas (last word of each phrase), None if unusable."""
    term = term.strip()
    if term.startswith("{") and term.endswith("}"):
        inner = term[1:-1].split()
        if not inner:
            return None
        term = inner[-1]
    if term.startswith("&"):
        members = synsets.get(term)
        if not members:
            return None
        return sorted({m.split()[-1] for m in members if m})
    if _SIMPLE_WORD.match(term):
        return [term.lower()]
    return None


def convert_pattern(text: str, synsets) -> list[str] | None:
    """``* AID`` -> ["obj=aid"]; ``* (FOR TALKS)`` -> ["prep=for:talks"]; else None."""
    text = re.sub(r"\s+[$+^%]\s*$", "", text).strip()
    if not text.startswith("*"):
        return None  # subject-side constraints: not modelled
    rest = text[1:].strip()
    if not rest:
        return None
    m = re.fullmatch(r"\((\S+)(?:\s+(.+))?\)", rest)
    if m:
        prep = m.group(1).lower()
        if not re.fullmatch(r"[a-z]+", prep):
            return None
        if m.group(2) is None:
            return [f"prep={prep}"]
        heads = _expand(m.group(2), synsets)
        return [f"prep={prep}:{h}" for h in heads] if heads else None
    if " " in rest and not (rest.startswith("{") and rest.endswith("}")):
        return None
    heads = _expand(rest, synsets)
    return [f"obj={h}" for h in heads] if heads else None


def build_rows(blocks, synsets, overrides: list[dict], labels: dict[str, str]):
    """Return (verb rows, pattern rows). Patterns belong to a block and apply to every
    verb of the block, as in PETRARCH; newsie overrides are verb rows with a pattern."""
    verbs: dict[tuple[str, str], dict] = {}
    patterns: dict[tuple[str, str], dict] = {}

    def add_verb(lemma, pattern, code, rcode, block, source, forms=""):
        key = (lemma, pattern)
        old = verbs.get(key)
        if old is not None and (old["source"] == "newsie" or source != "newsie"):
            if source != "newsie" or old["source"] == "newsie":
                return  # first dictionary entry wins (PETRARCH reads top to bottom)
        if old is not None and source == "newsie":
            block, forms = old["block"], old["forms"]  # keep the block's patterns
        verbs[key] = dict(
            lemma=lemma, pattern=pattern, code=code, rcode=rcode,
            label=labels.get(code or rcode, ""), block=block, source=source, forms=forms,
        )

    for block in blocks:
        for verb in block["verbs"]:
            word = verb["word"]
            code, rcode = verb["code"] if verb["code"] else (block["code"], block["rcode"])
            if word.startswith("+"):
                parts = _word(word).split()
                if len(parts) != 2:
                    continue  # longer phrasal verbs: not modelled
                lemma, pattern = parts[0], f"prt={parts[1]}"
                forms = " ".join(f.split()[0] for f in verb["forms"] if f)
            else:
                lemma, pattern = _word(word), ""
                forms = " ".join(verb["forms"])
                if " " in lemma:
                    continue
            add_verb(lemma, pattern, code, rcode, block["name"], "CAMEO.2.0", forms)
        for ptext, pcode, prcode in block["patterns"]:
            for pat in convert_pattern(ptext, synsets) or []:
                key = (block["name"], pat)
                if key not in patterns:
                    patterns[key] = dict(
                        block=block["name"], pattern=pat, code=pcode, rcode=prcode,
                        label=labels.get(pcode or prcode, ""),
                    )
    for ov in overrides:
        add_verb(ov["lemma"], ov["pattern"], ov["code"], "", "newsie", "newsie")
    return (
        sorted(verbs.values(), key=lambda r: (r["lemma"], r["pattern"])),
        sorted(patterns.values(), key=lambda r: (r["block"], r["pattern"])),
    )


def _write(path: Path, cols: list[str], rows: list[dict], note: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"# {note}\n")
        w = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        w.writerow(cols)
        for r in rows:
            w.writerow([r[c] for c in cols])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cameo", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    labels = {r["code"]: r["label"] for r in read_tsv(OUT_DIR / "cameo_labels.tsv", ["code", "label"])}
    overrides = read_tsv(OUT_DIR / "overrides.tsv", ["lemma", "pattern", "code", "note"])
    synsets, blocks = read_dictionary(args.cameo)
    verbs, patterns = build_rows(blocks, synsets, overrides, labels)
    args.out.mkdir(parents=True, exist_ok=True)
    note = "generated by pipeline/events_data.py from PETRARCH2 CAMEO.2.0.txt (MIT, see LICENSE) + overrides.tsv"
    _write(args.out / "verbs.tsv", ["lemma", "pattern", "code", "rcode", "label", "block", "source", "forms"], verbs, note)
    _write(args.out / "patterns.tsv", ["block", "pattern", "code", "rcode", "label"], patterns, note)
    with open(args.out / "codes.tsv", "w", encoding="utf-8") as fh:
        fh.write("code\tlabel\troot\troot_label\n")
        for code in sorted(labels):
            if len(code) < 3:
                continue
            root = code[:2]
            fh.write(f"{code}\t{labels[code]}\t{root}\t{labels.get(root, '')}\n")
    (args.out / "LICENSE").write_text(LICENSE_NOTE, encoding="utf-8")
    print(f"{len(verbs)} verbs, {len(patterns)} patterns from {len(blocks)} blocks -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
