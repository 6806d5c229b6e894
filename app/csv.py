"""CSV files for spreadsheets: one writer with the formula guard, and the download response."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from litestar import Response

# A cell typed as "=HYPERLINK(...)" must stay text in a spreadsheet (CSV formula injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv; charset=utf-8"


def cell(value: object) -> object:
    """One cell: text that a spreadsheet would run as a formula gets a leading quote; the rest is as is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(headers: Sequence[object] | None, rows: Iterable[Sequence[object]]) -> str:
    """UTF-8 CSV text with a byte-order mark, so spreadsheet programs read Indonesian text correctly.

    Empty cells stay empty and numbers stay numbers; `headers` may be None when the rows carry their own.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if headers is not None:
        writer.writerow([cell(v) for v in headers])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def _safe_filename(filename: str) -> str:
    # A quote or line break in a header value would end it early; slugs and dates never need them.
    cleaned = "".join(c for c in filename if c.isascii() and c.isprintable() and c not in '"\\;')
    return cleaned or "data.csv"


def csv_response(text: str, filename: str) -> Response[str]:
    """A download of `text` named `filename`; never cached, since exports hold people's data."""
    return Response(
        content=text,
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{_safe_filename(filename)}"',
            "Cache-Control": "no-store",
        },
    )
