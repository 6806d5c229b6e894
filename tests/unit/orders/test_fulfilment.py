"""Pure pieces of fulfilment: board filters, order numbers from forms, the cooperative's business day."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from orders.fulfilment.board import parse_filters
from orders.fulfilment.common import clean_numbers


def test_board_filters_refuse_unknown_values() -> None:
    assert parse_filters(cara="delivery", bayar="unpaid").query() == "cara=delivery&bayar=unpaid"
    for bad in ({"cara": "drone"}, {"bayar": "gratis"}, {"status": "cancelled"}, {"tanggal": "2026-13-01"}):
        with pytest.raises(InvalidInput):
            parse_filters(**bad)


def test_order_numbers_from_forms_are_cleaned() -> None:
    assert clean_numbers(["lba-261127-k7q3", "LBA-261127-K7Q3", "<x>", "", 5]) == ["LBA-261127-K7Q3"]


