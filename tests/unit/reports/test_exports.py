"""CSV exports: formulas stay text, numbers stay numbers."""

from __future__ import annotations

from reports.exports import csv_text


def test_csv_keeps_formulas_as_text_but_numbers_as_numbers() -> None:
    text = csv_text(["Nama", "Perubahan"], [["=1+1", -2], ["@SUM(A1)", 3], ["Ibu -", 0]])
    assert text.startswith("\ufeffNama,Perubahan\r\n")
    assert "'=1+1,-2" in text and "'@SUM(A1),3" in text and "Ibu -,0" in text
