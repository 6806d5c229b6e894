"""Producer rules, one module per concern: accounts, listings, review, photos, settlements, the dashboard.

Other packages import the names below from `producers.services`; the feature modules are this package's own.
"""

from __future__ import annotations

from producers.services.accounts import (
    ProducerContext,
    get_own_product,
    get_producer,
    producer_context,
    producer_for_user,
    producers_of,
)
from producers.services.dashboard import dashboard
from producers.services.listings import (
    EDITABLE,
    STATUS_LABELS,
    SUBMITTABLE,
    SUBMITTED_MESSAGE,
    categories,
    create_listing,
    price_history,
    reviews_of,
    submit_listing,
    update_listing,
)
from producers.services.photos import add_photo, delete_photo, first_photo_keys, photo_for_viewer, photos_of
from producers.services.registry import ProducerCreated, ProducerForm, register_producer, registered_producers
from producers.services.review import ReviewItem, awaiting_goods, decide, review_item, review_queue
from producers.services.settlements import (
    PAYMENT_METHODS,
    SALES_CAPTION,
    goods_received_value,
    mark_paid,
    owed_to_producers,
    paid_total,
    sales_caption,
    settlement_overview,
    statement,
    statement_csv_rows,
)

__all__ = [
    "EDITABLE",
    "PAYMENT_METHODS",
    "SALES_CAPTION",
    "STATUS_LABELS",
    "SUBMITTABLE",
    "SUBMITTED_MESSAGE",
    "ProducerContext",
    "ProducerCreated",
    "ProducerForm",
    "ReviewItem",
    "add_photo",
    "awaiting_goods",
    "categories",
    "create_listing",
    "dashboard",
    "decide",
    "delete_photo",
    "first_photo_keys",
    "get_own_product",
    "get_producer",
    "goods_received_value",
    "mark_paid",
    "owed_to_producers",
    "paid_total",
    "photo_for_viewer",
    "photos_of",
    "price_history",
    "producer_context",
    "producer_for_user",
    "producers_of",
    "register_producer",
    "registered_producers",
    "review_item",
    "review_queue",
    "reviews_of",
    "sales_caption",
    "settlement_overview",
    "statement",
    "statement_csv_rows",
    "submit_listing",
    "update_listing",
]
