"""Checkout input rules, idempotency fingerprints and order numbers, without a database."""

from __future__ import annotations

import datetime
import re

import msgspec
import pytest

from app.errors import InvalidInput
from app.models import Cooperative
from orders.schemas import AddressIn, CheckoutForm, CustomerIn, LineIn, OrderCreate
from orders.services import (
    check_idempotency_key,
    make_order_number,
    order_number_for,
    request_fingerprint,
    validate_checkout,
)


def request(
    *,
    name: str = "Ibu Rahmah",
    phone: str = "081234567890",
    fulfilment: str = "pickup",
    payment_method: str = "cash",
    dusun: str = "",
    rt: str = "",
    rw: str = "",
    landmark: str = "",
    note: str | None = None,
    lines: list[LineIn] | None = None,
) -> OrderCreate:
    return OrderCreate(
        customer=CustomerIn(name=name, phone=phone),
        fulfilment=fulfilment,
        lines=[LineIn(1, 2)] if lines is None else lines,
        payment_method=payment_method,
        address=AddressIn(dusun=dusun, rt=rt, rw=rw, landmark=landmark),
        note=note,
    )


def test_valid_pickup_normalises_phone_and_merges_lines() -> None:
    valid = validate_checkout(request(lines=[LineIn(1, 2), LineIn(1, 3), LineIn(7, 1)]))
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
        ({"fulfilment": "drone"}, "fulfilment"),
        ({"payment_method": "kredit"}, "payment_method"),
        ({"lines": []}, "lines"),
        ({"lines": [LineIn(1, 0)]}, "lines[0].quantity"),
        ({"lines": [LineIn(1, -1)]}, "lines[0].quantity"),
        ({"lines": [LineIn(1, 10**12)]}, "lines[0].quantity"),
        ({"lines": [LineIn(0, 1)]}, "lines[0].product_id"),
        ({"lines": [LineIn(1, 1)] * 51}, "lines"),
        ({"fulfilment": "delivery", "dusun": "A", "rt": "x1"}, "rt"),
        ({"note": "<b>cepat</b>"}, "note"),
    ],
)
def test_bad_input_names_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_checkout(request(**overrides))  # type: ignore[arg-type]
    assert field in info.value.field_errors
    assert info.value.field_errors[field]
    assert info.value.status_code == 422


def test_order_number_format_is_readable() -> None:
    number = make_order_number("lba", datetime.date(2026, 11, 27))
    assert re.fullmatch(r"LBA-261127-[ACDEFGHJKMNPQRTUVWXY34679]{4}", number)


def test_order_numbers_vary() -> None:
    assert len({make_order_number("LBA", datetime.date(2026, 11, 27)) for _ in range(200)}) > 150


def test_order_numbers_carry_the_cooperatives_local_date() -> None:
    coop = Cooperative(order_prefix="LBA", timezone="Asia/Makassar")
    early_morning = datetime.datetime(2026, 11, 30, 22, 8, tzinfo=datetime.UTC)  # 06:08 WITA on 1 December
    assert order_number_for(coop, early_morning).startswith("LBA-261201-")


@pytest.mark.parametrize("key", ["short", "has space in it", "x" * 129, "emoji-🙂-key"])
def test_bad_idempotency_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        check_idempotency_key(key)


def test_good_idempotency_key_passes() -> None:
    assert check_idempotency_key("7f3c9a1e-2b4d-4e5f") == "7f3c9a1e-2b4d-4e5f"
    assert check_idempotency_key(None) is None


def test_a_request_of_the_wrong_types_never_reaches_the_service() -> None:
    # The API decodes the body into OrderCreate first: text for a quantity is refused there (400).
    body = (
        b'{"customer": {"name": "A", "phone": "0812"}, "fulfilment": "pickup",'
        b' "lines": [{"product_id": 1, "quantity": "dua"}]}'
    )
    with pytest.raises(msgspec.ValidationError, match="lines"):
        msgspec.json.decode(body, type=OrderCreate)


def test_the_checkout_form_becomes_the_same_request_as_the_api_body() -> None:
    form = CheckoutForm(name="Ibu Rahmah", phone="081234567890", fulfilment="delivery", dusun="Dusun I", rt="002")
    api = request(fulfilment="delivery", dusun="Dusun I", rt="002", note="")
    assert form.order([LineIn(1, 2)]) == api


# Digests of requests as orders placed before OrderCreate was the service's input were stored: a client
# retrying such an order with the same key and body must still get its first order, not a conflict.
@pytest.mark.parametrize(
    ("order", "digest"),
    [
        (
            request(
                fulfilment="delivery",
                dusun="Dusun I",
                rt="002",
                landmark="dekat langgar",
                lines=[LineIn(3, 2), LineIn(5, 1)],
            ),
            "099ea7c87e94af83806064ddd6ba067dc14d1af47c23ffb915354e42c39c2bc1",
        ),
        (
            OrderCreate(
                customer=CustomerIn(name="Ibu Rahmah", phone="081234567890"),
                fulfilment="pickup",
                lines=[LineIn(3, 2)],
                payment_method="qris",
            ),
            "bf0177b19b758986554225ff834ca3fc0aba93d6786e54e1320ec39f1e13e000",
        ),
    ],
)
def test_fingerprints_are_stable(order: OrderCreate, digest: str) -> None:
    assert request_fingerprint(order) == digest
