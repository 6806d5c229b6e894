"""Form shapes for producers' listings, reviews and settlements (msgspec)."""

from __future__ import annotations

import msgspec


class ListingForm(msgspec.Struct):
    """A producer's listing form: every field arrives as text and is checked by the service."""

    name: str = ""
    description: str = ""
    category: str = ""
    unit: str = ""
    pack_size: str = ""
    producer_price: str = ""
    # "ajukan": save and submit for review; anything else: save as draft.
    aksi: str = ""


class ReviewFormIn(msgspec.Struct):
    action: str = ""
    retail_price: str = ""
    margin_percent: str = ""
    reason: str = ""


class PaymentFormIn(msgspec.Struct):
    producer_id: str = ""
    jenis: str = "bulan"
    periode: str = ""
    method: str = ""
    reference: str = ""
    paid_on: str = ""
