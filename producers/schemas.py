"""Form shapes for producers' listings, reviews and payments (msgspec), passed to the services as they arrive."""

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


class ReviewForm(msgspec.Struct):
    """Staff's decision on a listing: approve with a retail price (or a margin), ask for changes, or reject."""

    action: str = ""
    retail_price: str = ""
    margin_percent: str = ""
    reason: str = ""


class PaymentForm(msgspec.Struct):
    """Paying a producer for one week or month; the amount is never typed, it is the statement's."""

    producer_id: str = ""
    jenis: str = "bulan"
    periode: str = ""
    method: str = ""
    reference: str = ""
    paid_on: str = ""
