"""Reading a corpus folder into source documents.

Every file becomes one or more ``SourceDocument`` records, each either with
decoded text ready for the pipeline (``status == "ok"``) or with the reason it
cannot be processed (``status`` "error" or "skipped"). Reading never raises for
a bad file: bad input is data.
"""
from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

log = logging.getLogger("newsie.reader")

META_SUFFIX = ".meta.json"
META_FIELDS = ("title", "published", "source", "url", "language")
HTML_SUFFIXES = (".html", ".htm")
# Share of control characters (other than whitespace) above which text is binary.
BINARY_CONTROL_RATIO = 0.05
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f]")  # C0 controls but whitespace
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
# Language identification is trusted only above these (see detect_language).
MIN_LANGUAGE_PROBABILITY = 0.80
MIN_LATIN_LETTERS = 60
ENGLISH_FUNCTION_WORD_SHARE = 0.15
MIN_LOWERCASE_WORD_SHARE = 0.4


@dataclass(frozen=True)
class SourceDocument:
    doc_id: str
    path: str  # relative to the corpus root, POSIX separators
    text: str = ""
    title: Optional[str] = None
    source: Optional[str] = None
    url: Optional[str] = None
    published: Optional[str] = None  # from metadata, ISO 8601
    language: Optional[str] = None
    encoding: Optional[str] = None
    sha256: str = ""  # of the decoded text plus metadata
    status: str = "ok"  # ok | error | skipped
    error: Optional[str] = None
    errors: tuple = field(default_factory=tuple)  # extra (stage, message) problems, non-fatal


def _fail(doc_id: str, path: str, message: str, *, status: str = "error", **kw) -> SourceDocument:
    log.warning("%s: %s", path, message)
    return SourceDocument(doc_id=doc_id, path=path, status=status, error=message, **kw)


def scan(root: Path, extensions: tuple[str, ...]) -> list[Path]:
    """All candidate files below ``root``, sorted, following no symlink loops."""
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=None):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:  # a symlink loop or a second link to the same folder
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or name.endswith(META_SUFFIX):
                continue
            if name.lower().endswith(tuple(extensions)):
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def meta_path_for(path: str, suffix: str) -> str:
    """The metadata sidecar of the file at ``path`` with extension ``suffix``
    (``NAME.meta.json`` beside ``NAME.txt``). Strings, not Paths: the signature check
    runs it for every file of the corpus on every run."""
    return path[: len(path) - len(suffix)] + META_SUFFIX


def file_signature(path: Path) -> Optional[str]:
    """Size, modification time and inode of a file and of its metadata sidecar.

    An unchanged signature means the file need not be read again to know its
    documents (the rule make and git use); None when the file cannot be stat'ed.
    """
    parts = []
    name = str(path)
    for p in (name, meta_path_for(name, path.suffix)):
        try:
            st = os.stat(p)
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return None
        parts.append(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    if parts[0] == "-":  # the file itself is gone
        return None
    return "|".join(parts)


def doc_id_for(rel_path: str) -> str:
    """Path relative to the corpus root without its extension."""
    stem, dot, _ext = rel_path.rpartition(".")
    return stem if dot and "/" not in _ext else rel_path


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes to text; return (text, encoding). Raises UnicodeError if hopeless."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16"), "utf-16"
    # UTF-16 without BOM: many NULs at alternating positions (also valid UTF-8, so first).
    if len(data) >= 4 and data.count(0) > len(data) // 4:
        even_nuls = data[0::2].count(0)
        odd_nuls = data[1::2].count(0)
        for enc, nuls in (("utf-16-le", odd_nuls), ("utf-16-be", even_nuls)):
            if nuls > len(data) // 4:
                try:
                    return data.decode(enc), enc
                except UnicodeDecodeError:
                    pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise UnicodeError("no text encoding fits the bytes")
    best = matches[0]
    # Ties are common for short Western text (cp1250 and cp1252 decode it equally
    # cleanly); Western European encodings are by far the likeliest for news in
    # Latin script, so they win a tie.
    for match in matches:
        if match.encoding in WESTERN_ENCODINGS and match.chaos <= best.chaos:
            best = match
            break
    return str(best), best.encoding


# Signatures of binary formats that turn up in document folders.
MAGIC_NUMBERS = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x7fELF", "ELF executable"), (b"\x1f\x8b", "gzip archive"), (b"MZ", "Windows executable"),
    (b"\xd0\xcf\x11\xe0", "OLE document (old Office format)"), (b"RIFF", "RIFF media file"),
)


def binary_kind(data: bytes) -> Optional[str]:
    """The binary format ``data`` starts with, if it is a known one."""
    for magic, kind in MAGIC_NUMBERS:
        if data.startswith(magic):
            return kind
    return None


def looks_binary(data: bytes, text: Optional[str] = None) -> bool:
    head = data[:8192]
    if b"\x00" in head and not (
        head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(0) > len(head) // 4
    ):
        return True
    sample = (text if text is not None else "")[:8192]
    if sample:
        return len(CONTROL_CHARACTERS.findall(sample)) / len(sample) > BINARY_CONTROL_RATIO
    return False


def html_to_text(html: str) -> str:
    """Main text of an HTML page, boilerplate (navigation, scripts, footers) dropped."""
    import trafilatura

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True, deduplicate=True
    )
    if not text:
        # Pages too short for main-content detection: fall back to all visible text.
        from lxml import html as lxml_html

        try:
            tree = lxml_html.fromstring(html)
        except Exception:  # lxml raises several types on garbage
            return ""
        for bad in tree.xpath("//script|//style|//noscript|//template"):
            bad.drop_tree()
        text = "\n".join(t.strip() for t in tree.itertext() if t.strip())
    return text


def html_title(html: str) -> Optional[str]:
    import trafilatura

    meta = trafilatura.extract_metadata(html)
    return meta.title if meta is not None and meta.title else None


def normalize_published(value: object) -> str:
    """Validate an ISO 8601 date or datetime from metadata; return it normalized."""
    if not isinstance(value, str):
        raise ValueError(f"published must be an ISO 8601 string, got {type(value).__name__}")
    s = value.strip()
    try:
        if len(s) == 10:
            return dt.date.fromisoformat(s).isoformat()
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise ValueError(f"published is not an ISO 8601 date: {value!r}") from None


def read_metadata(raw: dict, where: str) -> tuple[dict, list[str]]:
    """Known metadata fields from ``raw``; problems are returned, not raised."""
    meta: dict = {}
    problems: list[str] = []
    for key in META_FIELDS:
        if key not in raw or raw[key] is None:
            continue
        value = raw[key]
        if key == "published":
            try:
                meta[key] = normalize_published(value)
            except ValueError as exc:
                problems.append(f"{where}: {exc}; ignored")
            continue
        if not isinstance(value, str):
            problems.append(f"{where}: field '{key}' must be a string, got {type(value).__name__}; ignored")
            continue
        meta[key] = value
    return meta, problems


def fingerprint(text: str, meta: dict) -> str:
    h = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    h.update(json.dumps(meta, sort_keys=True).encode())
    return h.hexdigest()


def _finish(doc: SourceDocument, max_chars: int) -> SourceDocument:
    """Checks on decoded text shared by every input format."""
    if not doc.text.strip():
        return _fail(doc.doc_id, doc.path, "empty document (no text)", status="skipped",
                     encoding=doc.encoding, title=doc.title, source=doc.source, url=doc.url,
                     published=doc.published, sha256=doc.sha256)
    if len(doc.text) > max_chars:
        return _fail(doc.doc_id, doc.path,
                     f"document too large: {len(doc.text)} characters > input.max_chars={max_chars}",
                     encoding=doc.encoding, sha256=doc.sha256)
    if not any(ch.isalpha() for ch in doc.text):
        return _fail(doc.doc_id, doc.path, "no words in document (only punctuation, digits or symbols)",
                     status="skipped", encoding=doc.encoding, sha256=doc.sha256)
    return doc


def _document(doc_id: str, rel: str, text: str, encoding: str, meta: dict, problems: list[str],
              max_chars: int) -> SourceDocument:
    """A decoded document with its metadata; metadata problems are logged and kept."""
    for p in problems:
        log.warning("%s: %s", rel, p)
    doc = SourceDocument(
        doc_id=doc_id, path=rel, text=text, encoding=encoding,
        sha256=fingerprint(text, meta), errors=tuple(("read", p) for p in problems),
        **{k: meta.get(k) for k in META_FIELDS},
    )
    return _finish(doc, max_chars)


def read_file(root: Path, path: Path, *, max_chars: int, max_bytes: int) -> Iterator[SourceDocument]:
    """Yield the documents held by one file."""
    rel = path.relative_to(root).as_posix()
    doc_id = doc_id_for(rel)
    suffix = path.suffix.lower()
    try:
        if path.is_symlink() and not path.exists():
            yield _fail(doc_id, rel, "cannot read file: broken symbolic link")
            return
        if not path.is_file():  # FIFOs, sockets, devices would block or make no sense
            yield _fail(doc_id, rel, "not a regular file")
            return
        size = path.stat().st_size
        if size > max_bytes:
            yield _fail(doc_id, rel, f"file too large: {size} bytes > input.max_bytes={max_bytes}")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield _fail(doc_id, rel, f"cannot read file: {exc.strerror or exc}")
        return
    if not data:
        yield _fail(doc_id, rel, "empty file (0 bytes)", status="skipped")
        return
    kind = binary_kind(data)
    if kind or looks_binary(data):
        yield _fail(doc_id, rel, f"binary file ({kind}), not text" if kind else "binary file, not text")
        return
    try:
        text, encoding = decode(data)
    except (UnicodeError, LookupError) as exc:
        yield _fail(doc_id, rel, f"cannot decode text (binary or unknown encoding): {exc}")
        return
    if looks_binary(data, text):
        yield _fail(doc_id, rel, "binary file, not text", encoding=encoding)
        return

    if suffix == ".jsonl":
        yield from _read_jsonl(rel, doc_id, text, encoding, max_chars)
        return

    meta: dict = {}
    problems: list[str] = []
    meta_path = Path(meta_path_for(str(path), path.suffix))
    if meta_path.exists():
        try:
            raw = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("top level must be a JSON object")
            meta, problems = read_metadata(raw, meta_path.name)
        except (OSError, ValueError) as exc:
            problems.append(f"{meta_path.name}: unreadable metadata ({exc}); ignored")
    if suffix in HTML_SUFFIXES:
        meta.setdefault("title", html_title(text))
        text = html_to_text(text)
    yield _document(doc_id, rel, text, encoding, meta, problems, max_chars)


def _read_jsonl(rel: str, stem: str, text: str, encoding: str, max_chars: int) -> Iterator[SourceDocument]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        doc_id = f"{stem}#{lineno}"
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            yield _fail(doc_id, rel, f"line {lineno}: invalid JSON ({exc})")
            continue
        if not isinstance(raw, dict):
            yield _fail(doc_id, rel, f"line {lineno}: expected a JSON object")
            continue
        body = raw.get("text")
        if not isinstance(body, str):
            yield _fail(doc_id, rel, f"line {lineno}: field 'text' missing or not a string")
            continue
        meta, problems = read_metadata(raw, f"line {lineno}")
        yield _document(doc_id, rel, body, encoding, meta, problems, max_chars)


@lru_cache(maxsize=1)
def english_function_words() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "data" / "input" / "english_function_words.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def looks_english(text: str, n_words: int = 400) -> bool:
    """A cheap, reliable yes for ordinary English prose (the statistical detector costs ~6 ms a document)."""
    words = [w.strip(".,;:!?\"'()[]").lower() for w in text[:20_000].split()[:n_words]]
    words = [w for w in words if w]
    if len(words) < 20:
        return False
    function = english_function_words()
    return sum(w in function for w in words) / len(words) >= ENGLISH_FUNCTION_WORD_SHARE


def detect_language(text: str) -> Optional[str]:
    """ISO 639-1 code of the text's language (deterministic), or None when unsure.

    Detection on a handful of Latin-script words is a coin toss ("Xi met Lee."
    comes out Dutch), so short Latin-script texts and uncertain guesses give
    None, and such documents are processed rather than skipped.
    """
    if looks_english(text):
        return "en"
    sample = text[:5000]
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return None
    latin = sum(1 for ch in letters if ch < "\u0250")
    if latin / len(letters) > 0.5 and len(letters) < MIN_LATIN_LETTERS:
        return None
    # Results tables and name lists ("Anthony Hill ( Australia ) beat Dan Jenson")
    # carry no evidence of a language; only prose, mostly lower-case words, does.
    # Both tests are decided before loading the detector's profiles (~0.5 s a process).
    cased = [w for w in sample.split() if any(ch.isupper() or ch.islower() for ch in w)]
    if cased and sum(w.islower() for w in cased) / len(cased) < MIN_LOWERCASE_WORD_SHARE:
        return None
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        langs = detect_langs(sample)
    except LangDetectException:
        return None
    if not langs or langs[0].prob < MIN_LANGUAGE_PROBABILITY:
        return None
    return langs[0].lang


def with_language(doc: SourceDocument, languages: list[str], other: str) -> SourceDocument:
    """Record the document's language; mark it skipped if not processed."""
    if doc.status != "ok":
        return doc
    lang = doc.language or detect_language(doc.text)
    if lang and lang.startswith("zh"):
        lang = "zh"
    doc = replace(doc, language=lang)
    if lang is not None and lang not in languages and other == "skip":
        message = f"language '{lang}' is not processed (input.languages={languages})"
        log.warning("%s: %s", doc.path, message)
        return replace(doc, status="skipped", error=message)
    return doc


def read_corpus(root: Path, *, extensions: tuple[str, ...], max_chars: int, max_bytes: int,
                languages: list[str], other_languages: str) -> Iterator[SourceDocument]:
    for path in scan(root, extensions):
        for doc in read_file(root, path, max_chars=max_chars, max_bytes=max_bytes):
            yield with_language(doc, languages, other_languages)
