"""Checkout input rules and order numbers, without a database."""

from __future__ import annotations

import datetime
import re

import pytest

from app.errors import InvalidInput
from orders.services import (
    CheckoutRequest,
    LineRequest,
    check_idempotency_key,
    make_order_number,
    validate_checkout,
)


def request(**overrides: object) -> CheckoutRequest:
    base: dict[str, object] = {
        "name": "Ibu Rahmah",
        "phone": "081234567890",
        "fulfilment": "pickup",
        "lines": [LineRequest(1, 2)],
    }
    base.update(overrides)
    return CheckoutRequest(**base)  # type: ignore[arg-type]


def test_valid_pickup_normalises_phone_and_merges_lines() -> None:
    valid = validate_checkout(request(lines=[LineRequest(1, 2), LineRequest(1, 3), LineRequest(7, 1)]))
    assert valid.phone == "+6281234567890"
    assert valid.quantities == {1: 5, 7: 1}
    assert valid.dusun is None


def test_delivery_requires_dusun_and_keeps_address() -> None:
    with pytest.raises(InvalidInput) as info:
        validate_checkout(request(fulfilment="delivery"))
    assert "dusun" in info.value.field_errors
    valid = validate_checkout(
        request(fulfilment="delivery", dusun="Dusun II", rt="004", rw="002", landmark="dekat langgar")
    )
    assert (valid.dusun, valid.rt, valid.rw, valid.landmark) == ("Dusun II", "004", "002", "dekat langgar")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 5000}, "name"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"phone": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": None}, "phone"),
        ({"fulfilment": "drone"}, "fulfilment"),
        ({"payment_method": "kredit"}, "payment_method"),
        ({"lines": []}, "lines"),
        ({"lines": [LineRequest(1, 0)]}, "lines[0].quantity"),
        ({"lines": [LineRequest(1, -1)]}, "lines[0].quantity"),
        ({"lines": [LineRequest(1, 10**12)]}, "lines[0].quantity"),
        ({"lines": [LineRequest(1, "dua")]}, "lines[0].quantity"),
        ({"lines": [LineRequest("abc", 1)]}, "lines[0].product_id"),
        ({"fulfilment": "delivery", "dusun": "A", "rt": "x1"}, "rt"),
        ({"note": "<b>cepat</b>"}, "note"),
    ],
)
def test_bad_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_checkout(request(**overrides))
    assert field in info.value.field_errors
    assert info.value.field_errors[field]
    assert info.value.status_code == 422


def test_order_number_format_is_readable() -> None:
    number = make_order_number("lba", datetime.datetime(2026, 11, 27, tzinfo=datetime.UTC))
    assert re.fullmatch(r"LBA-261127-[ACDEFGHJKMNPQRTUVWXY34679]{4}", number)


def test_order_numbers_vary() -> None:
    assert len({make_order_number("LBA") for _ in range(200)}) > 150


@pytest.mark.parametrize("key", ["short", "has space in it", "x" * 129, "emoji-🙂-key"])
def test_bad_idempotency_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        check_idempotency_key(key)


def test_good_idempotency_key_passes() -> None:
    assert check_idempotency_key("7f3c9a1e-2b4d-4e5f") == "7f3c9a1e-2b4d-4e5f"
    assert check_idempotency_key(None) is None
