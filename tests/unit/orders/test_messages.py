"""The WhatsApp texts staff send: what they say about money must match the payment status."""

from __future__ import annotations

import pytest

from app.models import Cooperative
from orders.models import Order
from orders.services.messages import status_message_text


def _order(payment_method: str, payment_status: str) -> Order:
    return Order(
        number="LBA-261201-AB12",
        customer_name="Ibu Rahmah",
        customer_phone="+6281234567890",
        status="confirmed",
        payment_status=payment_status,
        payment_method=payment_method,
        fulfilment="pickup",
        total=25_000,
    )


@pytest.mark.parametrize("method", ["cash", "transfer", "qris"])
def test_an_unpaid_order_is_never_called_paid(method: str) -> None:
    text = status_message_text(_order(method, "unpaid"), Cooperative(short_name="KDMP Uji"))
    assert "dibayar:" not in text.replace("Belum dibayar:", "")
    assert "Belum dibayar: Rp25.000" in text


def test_a_paid_order_says_the_money_arrived() -> None:
    text = status_message_text(_order("transfer", "paid"), Cooperative(short_name="KDMP Uji"))
    assert "Pembayaran Rp25.000 sudah kami terima." in text
