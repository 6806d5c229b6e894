"""The CSV writer: spreadsheet formulas stay text, empty cells stay empty, numbers stay numbers."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from app.csv import csv_response, csv_text


def _read(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_formulas_get_a_quote_and_nothing_else_changes() -> None:
    text = csv_text(
        ["nama", "jumlah", "catatan"],
        [
            ["=HYPERLINK(\"x\")", 15000, ""],
            ["+62812", -5, None],
            ["-2", 0, "@here"],
            ["\tTab", 1, "\rCR"],
            ["Gula aren", 12, "biasa, dengan koma"],
        ],
    )
    rows = _read(text)
    assert rows[0] == ["nama", "jumlah", "catatan"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "15000", ""]
    assert rows[2] == ["'+62812", "-5", ""]  # a negative number is a number, not a formula
    assert rows[3] == ["'-2", "0", "'@here"]
    assert rows[4] == ["'\tTab", "1", "'\rCR"]
    assert rows[5] == ["Gula aren", "12", "biasa, dengan koma"]
    assert text.endswith("\r\n")


def test_an_empty_cell_stays_empty() -> None:
    # The producer statement used to turn every empty cell into a lone quote.
    assert _read(csv_text(None, [["Total", "", 5000]])) == [["Total", "", "5000"]]


@given(st.lists(st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=5), max_size=5))
def test_every_cell_reads_back(rows: list[list[object]]) -> None:
    read = _read(csv_text(None, rows))
    for written, back in zip(rows, read, strict=True):
        for value, cell in zip(written, back, strict=True):
            expected = "" if value is None else str(value)
            if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                expected = "'" + value
            assert cell == expected


def test_response_is_a_named_download_never_cached() -> None:
    response = csv_response(csv_text(["a"], [[1]]), 'koperasi-"pesanan".csv')
    assert response.headers["Content-Disposition"] == 'attachment; filename="koperasi-pesanan.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.media_type == "text/csv; charset=utf-8"
