"""`newsie query` / `newsie show`: SQL over the tables, one article in the terminal."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.query import QueryError, UnknownDocumentError, format_table, query, show_document, write_csv
from pipeline.schema import TABLES
from pipeline.store import write_table
from test_api import sample_rows, write_sample_outputs


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return write_sample_outputs(tmp_path / "out")


def test_every_table_is_a_view_by_its_name(out):
    rows = sample_rows()
    for name in TABLES:
        assert query(f"SELECT count(*) AS n FROM {name}", out)["n"].tolist() == [len(rows[name])], name


def test_query_joins_tables_and_returns_a_dataframe(out):
    df = query("""SELECT e.name, count(*) AS n FROM mentions m JOIN entities e USING (entity_id)
                  GROUP BY e.name ORDER BY n DESC, e.name LIMIT 2""", out)
    assert isinstance(df, pd.DataFrame)
    assert df.to_dict("list") == {"name": ["Xi Jinping", "Beijing"], "n": [4, 3]}


def test_list_columns_come_back_as_python_lists_and_can_be_unnested(out):
    assert query("SELECT aliases FROM entities WHERE entity_id = 'e_lee'", out)["aliases"][0] == ["Lee", "Lee Jae Myung"]
    df = query("SELECT unnest(doc_ids) AS doc_id FROM event_clusters WHERE cluster_id = 'c1' ORDER BY 1", out)
    assert df["doc_id"].tolist() == ["a/korea", "c/talks"]


def test_query_works_when_only_csv_was_written(tmp_path):
    csv_out = write_sample_outputs(tmp_path / "csv", formats=("csv",))
    df = query("SELECT doc_id, n_chars FROM documents WHERE status = 'ok' ORDER BY doc_id", csv_out)
    assert df["doc_id"].tolist() == ["a/korea", "b/xss", "c/talks"]
    assert query("SELECT aliases FROM entities WHERE entity_id = 'e_lee'", csv_out)["aliases"][0] == [
        "Lee", "Lee Jae Myung"]


@pytest.mark.parametrize("sql", ["SELEC * FROM documents", "SELECT nope FROM documents", "SELECT * FROM documents WHERE", ""])
def test_bad_sql_is_a_one_line_query_error(out, sql):
    with pytest.raises(QueryError) as exc:
        query(sql, out)
    assert isinstance(exc.value, ValueError) and "\n" not in str(exc.value)


def test_a_missing_outputs_folder_or_table_is_a_query_error(tmp_path, out):
    with pytest.raises(QueryError, match="outputs folder not found"):
        query("SELECT 1", tmp_path / "missing")
    (out / "relations.parquet").unlink()
    (out / "relations.csv").unlink()
    with pytest.raises(QueryError, match=r"table 'relations' is missing") as exc:
        query("SELECT * FROM relations", out)
    assert "\n" not in str(exc.value)
    assert query("SELECT count(*) AS n FROM documents", out)["n"][0] == 5


def test_query_results_are_written_as_csv_in_the_tables_convention(out, tmp_path):
    df = query("SELECT entity_id, aliases, title, n_mentions, confidence FROM entities ORDER BY entity_id LIMIT 2", out)
    lines = write_csv(df, tmp_path / "q.csv").read_text(encoding="utf-8").splitlines()
    # strings quoted, NULL an empty cell, numbers bare, lists as JSON arrays
    assert lines == ['"entity_id","aliases","title","n_mentions","confidence"',
                     '"e_beijing","[""Beijing""]",,3,0.95',
                     '"e_img","[""<img src=x onerror=\\""document.body.setAttribute(\'data-pwned2\',\'1\')\\"">"", '
                     '""\\"" onmouseover=\\""alert(2)""]",,1,0.35']


def test_format_table_aligns_columns_shows_nulls_and_counts_rows():
    df = pd.DataFrame({"name": pd.array(["Lee Jae Myung", None], dtype="string"),
                       "n": pd.array([3, 12], dtype="Int64"), "aliases": [["Lee"], []]})
    lines = format_table(df).splitlines()
    assert lines[0].split() == ["name", "n", "aliases"]
    assert lines[2].split() == ["Lee", "Jae", "Myung", "3", '["Lee"]']
    assert lines[3].startswith("NULL") and lines[-1] == "(2 rows)"
    assert lines[2].index("3") == lines[3].index("12") + 1  # numbers right-aligned


def test_format_table_truncates_long_cells_and_neutralises_newlines_and_terminal_escapes():
    df = pd.DataFrame({"text": ["x" * 100, "evil\x1b]0;pwned\x07\nline"]})
    text = format_table(df, max_width=20)
    assert "x" * 19 + "…" in text and "x" * 21 not in text
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
    assert len(text.splitlines()) == 5
    assert format_table(df, max_rows=1).splitlines()[-1] == "(2 rows, first 1 shown)"


def test_show_document_marks_entities_and_dates_inline_then_lists_its_extractions(out):
    text = show_document("a/korea", out, color=False)
    assert "[Lee Jae Myung|PERSON] met Chinese leader [Xi Jinping|PERSON] in [Beijing|GPE]" in text
    assert "on [Monday 5 January 2026|DATE=2026-01-05]." in text
    assert "\x1b" not in text
    entities = text.split("Entities (4)\n")[1].split("Dates")[0]
    assert "  Lee Jae Myung  PERSON  ×2" in entities  # canonical name, mentions in this document
    assert "Monday 5 January 2026 → DATE 2026-01-05" in text
    assert "Lee Jae Myung —met→ Xi Jinping" in text and "—holds_title→ President" in text
    assert "2026-01-05  040 Consult: Lee Jae Myung → Xi Jinping in Beijing" in text


def test_show_document_flags_rows_below_the_confidence_threshold(out):
    text = show_document("a/korea", out, color=False, min_confidence=0.5)
    assert text.splitlines()[3] == "[Lee|PERSON?] Visits [Beijing|GPE]"


def test_show_document_with_color_uses_ansi_colours_instead_of_brackets(out):
    text = show_document("a/korea", out, color=True)
    assert "\x1b[1;35mLee Jae Myung\x1b[0m" in text and "[Lee Jae Myung|PERSON]" not in text
    assert "\x1b[4;32mMonday 5 January 2026\x1b[0m" in text


def test_show_document_of_an_unknown_doc_id_is_a_one_line_error_with_suggestions(out):
    with pytest.raises(UnknownDocumentError, match=r"unknown doc_id 'a/kore'.*did you mean a/korea") as exc:
        show_document("a/kore", out, color=False)
    assert isinstance(exc.value, ValueError) and "\n" not in str(exc.value)
    with pytest.raises(QueryError, match="outputs folder not found"):
        show_document("a/korea", out / "nope", color=False)


def test_show_document_of_a_failed_document_gives_the_reason(out):
    text = show_document("d/broken", out, color=False)
    assert "status error" in text and "not processed: cannot decode text: <b>bad bytes</b>" in text


def test_show_document_neutralises_terminal_escapes_in_the_article(tmp_path):
    rows = sample_rows()
    for row in rows["texts"]:
        if row["doc_id"] == "c/talks":
            row["text"] += "\x1b]0;pwned\x07\x1b[2J"
    out = tmp_path / "out"
    out.mkdir()
    for name, r in rows.items():
        write_table(out, name, r, ["parquet"])
    for color in (False, True):
        text = show_document("c/talks", out, color=color)
        assert "\x07" not in text and "\x1b]" not in text and "\x1b[2J" not in text
        assert "\\x1b]0;pwned\\x07\\x1b[2J" in text


def test_query_output_piped_into_a_reader_that_stops_early_is_not_an_error(out):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "query", "SELECT range AS n FROM range(100000)",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()  # like `| head -1`: read one line, then hang up
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert first.split() == [b"n"] and "Traceback" not in stderr
