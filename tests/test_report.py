"""`newsie report`: one self-contained, escaped, deterministic HTML page of a run's tables."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.report import CAMEO_COLOURS, parse_day, write_report
from test_api import TEXT_A, XSS_ATTR, XSS_IMG, XSS_SCRIPT, sample_rows, write_sample_outputs

from conftest import ROOT


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, str]:
    out = write_sample_outputs(tmp_path / "out")
    path = write_report(out)
    return path, path.read_text(encoding="utf-8")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def parsed_tags(page: str) -> list[tuple[str, list]]:
    """(tag, attributes) of every element, as a browser's tokenizer sees them."""
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def marks(page: str, text: str) -> list[str]:
    """Opening tags of the <mark> elements whose text starts with ``text``."""
    return re.findall(r'(<mark [^>]*>)' + re.escape(html.escape(text)), page)


def test_report_is_written_to_the_outputs_folder_or_the_given_path(tmp_path):
    out = write_sample_outputs(tmp_path / "out")
    assert write_report(out) == out / "report.html"
    custom = write_report(out, tmp_path / "elsewhere" / "r.html")
    assert custom.read_bytes() == (out / "report.html").read_bytes()


def test_report_is_self_contained_without_any_network_reference(report):
    _, page = report
    assert page.count("<script") == 1 and "<script>" in page  # the one inline script
    tags = parsed_tags(page)
    assert not {t for t, _ in tags} & {"link", "iframe", "img", "object", "embed", "frame", "base"}
    assert not [a for _, attrs in tags for a, _ in attrs if a == "src"]
    # The only web addresses are the articles' own URLs, as links the reader may click.
    assert re.findall(r'<a href="https?://[^"]*"[^>]*>', page) == [
        '<a href="https://example.org/a?x=1&amp;y=2" rel="noopener noreferrer">']
    assert "@import" not in page and "url(" not in page
    (csp,) = [dict(a)["content"] for t, a in tags if t == "meta" and dict(a).get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp  # nothing fetched; only our script runs


def test_article_text_and_every_extracted_string_are_html_escaped(report):
    _, page = report
    tags = parsed_tags(page)
    assert [t for t, _ in tags].count("script") == 1
    assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")]  # no event handler attribute
    for hostile in (XSS_SCRIPT, XSS_IMG, "<script>alert(4)</script>", "<b>bad bytes</b>", "<i>sic</i>"):
        assert hostile not in page
    assert html.escape(XSS_SCRIPT) in page and html.escape(XSS_IMG) in page
    assert 'onmouseover="' not in page and "onerror=" not in page.replace("onerror=&quot;", "")
    assert html.escape(XSS_ATTR) in page  # the quote cannot close an attribute
    assert 'href="javascript:' not in page  # a javascript: URL is shown as text, never linked


def test_entities_are_highlighted_by_label_with_canonical_name_and_confidence_on_hover(report):
    _, page = report
    (lee,) = marks(page, "Lee Jae Myung")[:1]
    assert 'class="ent e-PERSON"' in lee and 'data-conf="0.930"' in lee
    title = html.unescape(re.search(r'title="([^"]*)"', lee).group(1))
    assert title.splitlines()[0] == "PERSON"
    assert "entity: Lee Jae Myung (e_lee)" in title and "confidence: 0.93" in title
    assert 'class="ent e-GPE"' in marks(page, "Beijing")[0]
    assert "mark.e-PERSON{background:#aa9cfc}" in page  # displaCy colours per label


def test_dates_are_highlighted_with_their_normalized_timex_value(report):
    _, page = report
    (date,) = marks(page, "Monday 5 January 2026")
    assert 'class="tx t-DATE"' in date and "DATE 2026-01-05" in html.unescape(date)
    assert 'Monday 5 January 2026<span class="lbl">2026-01-05</span></mark>' in page


def test_headings_keep_their_marks_and_offsets_cover_the_whole_text(report):
    _, page = report
    body = re.search(r'<details class="article st-ok" id="doc-0" open>.*?<div class="text">(.*?)</div>', page, re.S)
    visible = re.sub(r'<span class="lbl">.*?</span>', "", body.group(1))
    assert html.unescape(re.sub(r"<[^>]+>", "", visible)) == TEXT_A
    assert body.group(1).startswith('<strong class="heading"><mark class="ent e-PERSON low"')


def test_low_confidence_marks_and_rows_are_flagged_and_filtered_by_the_slider_threshold(tmp_path):
    out = write_sample_outputs(tmp_path / "out")
    page = write_report(out, min_confidence=0.5).read_text(encoding="utf-8")
    assert '<input type="range" id="conf" min="0" max="1" step="0.05" value="0.50">' in page
    assert 'class="ent e-PERSON low" data-conf="0.300"' in marks(page, "Lee")[0]  # "Lee" in the headline
    assert re.search(r'<tr id="cl-1" class="low" data-conf="0.450">', page)  # the 0.45 cluster
    assert "g.low circle{stroke-dasharray" in page and "tr.hid,g.hid{display:none}" in page
    relaxed = write_report(out, tmp_path / "r.html", min_confidence=0.2).read_text(encoding="utf-8")
    assert 'value="0.20"' in relaxed and 'class="ent e-PERSON" data-conf="0.300"' in marks(relaxed, "Lee")[0]


def test_timeline_plots_dated_clusters_by_day_coloured_by_cameo_root_and_sized_by_documents(report):
    _, page = report
    svg = re.search(r'<svg id="timeline-svg".*?</svg>', page, re.S).group(0)
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" fill="(#\w+)"><title>([^<]*)', svg)
    assert len(circles) == 2  # c3 has no date
    (x1, y1, r1, fill1, tip1), (x2, y2, r2, fill2, tip2) = circles
    assert "2026-01-05" in tip1 and "2026-01-06" in tip2
    assert float(x1) < float(x2) and float(y1) < float(y2)  # later day to the right, one row per cluster
    assert fill1 == CAMEO_COLOURS["04"] and fill2 == CAMEO_COLOURS["13"]
    assert float(r1) > float(r2)  # c1 is reported by 2 documents, c2 by 1
    assert "1 event cluster(s) without a usable date are not plotted" in page


def test_entity_table_is_sortable_and_lists_aliases_and_mention_counts(report):
    _, page = report
    table = re.search(r'<table class="sortable" id="entity-table">.*?</table>', page, re.S).group(0)
    heads = re.findall(r'<th data-type="(\w+)" tabindex="0">([^<]*)</th>', table)
    assert ("num", "mentions") in heads and ("text", "name") in heads
    lee = re.search(r"<tr[^>]*><td>Lee Jae Myung</td>.*?</tr>", table).group(0)
    assert "<td>Lee, Lee Jae Myung</td>" in lee and '<td class="num">3</td>' in lee
    assert 'th.addEventListener("click", sort)' in page


def test_event_clusters_link_their_source_documents_and_show_conflicts(report):
    _, page = report
    row = re.search(r'<tr id="cl-0".*?</tr>', page, re.S).group(0)
    assert '<a href="#doc-0">a/korea</a>, <a href="#doc-2">c/talks</a>' in row
    assert ("<ul><li>date: 2026-01-05 (a/korea) vs 2026-W01 (c/talks) &lt;i&gt;sic&lt;/i&gt;</li>"
            "<li>target: Xi Jinping (a/korea) vs Lee Jae Myung (c/talks)</li></ul>") in row
    assert row.startswith('<tr id="cl-0" class="conflict"')
    assert re.search(r'<tr id="cl-1"[^>]*>', page).group(0) == '<tr id="cl-1" class="low" data-conf="0.450">'
    assert 'id="doc-0"' in page and 'id="doc-2"' in page


def test_corpus_summary_counts_documents_by_status_and_lists_failures_with_reasons(report):
    _, page = report
    for ident, value in (("n-documents", 5), ("n-ok", 3), ("n-failed", 1), ("n-skipped", 1)):
        assert f'<dd id="{ident}">{value}</dd>' in page
    failures = re.search(r'<table id="failures">.*?</table>', page, re.S).group(0)
    assert "cannot decode text: &lt;b&gt;bad bytes&lt;/b&gt;" in failures and "empty file (0 bytes)" in failures


def test_same_tables_give_byte_identical_reports(tmp_path):
    a = write_report(write_sample_outputs(tmp_path / "a"))
    b = write_report(write_sample_outputs(tmp_path / "b"))
    assert a.read_bytes() == b.read_bytes()
    assert write_report(tmp_path / "a").read_bytes() == a.read_bytes()


def test_report_of_a_missing_outputs_folder_is_a_one_line_value_error(tmp_path):
    with pytest.raises(ValueError, match="outputs folder not found") as exc:
        write_report(tmp_path / "missing")
    assert "\n" not in str(exc.value)


def test_timex_values_are_parsed_to_a_day_for_the_timeline():
    assert str(parse_day("2026-01-05")) == "2026-01-05"
    assert str(parse_day("2026-01-05T10:30")) == "2026-01-05"
    assert str(parse_day("2026-01")) == "2026-01-01"
    assert str(parse_day("2026-W02")) == "2026-01-05"
    assert str(parse_day("2026")) == "2026-01-01"
    assert parse_day("PRESENT_REF") is None and parse_day("XXXX-01-05") is None and parse_day(None) is None
    assert parse_day("2026-13-40") is None


def test_empty_outputs_still_give_a_report(tmp_path):
    rows = {name: [] for name in sample_rows()}
    from pipeline.store import write_table

    out = tmp_path / "out"
    out.mkdir()
    for name, r in rows.items():
        write_table(out, name, r, ["parquet"])
    page = write_report(out).read_text(encoding="utf-8")
    assert '<dd id="n-documents">0</dd>' in page and "No dated events." in page


# ---------------------------------------------------------------- in a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--enable-logging=stderr", "--v=0"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium chromium-driver)")
def test_report_renders_in_headless_chromium_without_running_injected_code(tmp_path):
    path = write_report(write_sample_outputs(tmp_path / "out"))
    url = path.resolve().as_uri()
    run = chromium(tmp_path, "--dump-dom", url)
    dom = run.stdout
    assert run.returncode == 0, run.stderr[-2000:]
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-ready="1"' in body and 'data-threshold="0.50"' in body  # the page's own script ran
    assert "data-pwned" not in body and "data-pwned2" not in body  # the article's script and onerror did not
    assert re.search(r"<title>([^<]*)</title>", dom).group(1) == "newsie report"
    assert "<img" not in dom  # the injected tag stayed text
    assert 'class="ent e-PERSON low hid" data-conf="0.300"' in dom  # slider at 0.50 hides the 0.30 mark
    assert re.search(r'<span id="conf-count" class="muted">[1-9]\d* of \d+ scored items hidden</span>', dom)
    assert dom.count("<circle") == 2 and 'id="entity-table"' in dom and 'id="cluster-table"' in dom
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    assert console == []  # no script error, no CSP violation

    shot = ROOT / "outputs" / "report.png"
    shot.parent.mkdir(exist_ok=True)
    run = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
