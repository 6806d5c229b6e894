"""The producer statement as a spreadsheet: empty cells stay empty, a product name cannot run as a formula."""

from __future__ import annotations

import csv
import datetime
import io

from app.clock import period_containing
from app.csv import csv_text
from app.models import Cooperative
from orders.sales import LineSum
from producers.models import Producer
from producers.services import statement_csv_rows
from producers.services.settlements import Statement


def _rows() -> list[list[str]]:
    statement = Statement(
        cooperative=Cooperative(name="Koperasi Desa Uji", slug="uji", timezone="Asia/Makassar"),
        producer=Producer(business_name="=HYPERLINK(\"x\")"),
        period=period_containing("month", datetime.date(2026, 10, 5)),
        lines=[LineSum(1, "-Amplang", "bungkus", 3, 30_000, 24_000)],
        cancelled=[],
        settlement=None,
        overlapping=[],
        received_units=0,
        received_value=0,
    )
    text = csv_text(None, statement_csv_rows(statement))
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_empty_cells_stay_empty_and_formulas_stay_text() -> None:
    rows = _rows()
    assert [] in rows and "'" not in [cell for row in rows for cell in row]
    assert rows[1] == ["Produsen", "'=HYPERLINK(\"x\")"]
    assert ["'-Amplang", "bungkus", "3", "30000", "24000"] in rows
    assert ["Jumlah", "", "3", "30000", "24000"] in rows
    assert rows[-1] == ["Sisa yang harus dibayar (Rp)", "", "", "", "24000"]
