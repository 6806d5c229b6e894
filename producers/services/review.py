"""Staff review of producers' listings: the queue, the suggested price within the ceilings, and the decision.

The route's guard lets only staff of the cooperative in the URL in; this module checks the objects: a
listing of that cooperative, never one of a business the reviewer acts for, and an approved price passes
the same ceiling check as every other price (`catalog.ceilings`).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, Forbidden, NotFound
from app.forms import parse_int, parse_rupiah, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative
from app.text import rupiah
from catalog import ceilings, outbox
from catalog.ceilings import ProductCeilings
from catalog.models import Product, ProductStatus, StockReceipt
from catalog.services import ceilings_for
from producers.models import ListingReview, ReviewDecision
from producers.schemas import ReviewForm
from producers.services.accounts import producer_for_user
from producers.services.listings import latest_reviews, record_price

MAX_MARGIN_PERCENT = 300


@dataclass(frozen=True)
class ReviewItem:
    product: Product
    ceilings: ProductCeilings
    suggested: int
    submitted: ListingReview | None


def retail_from_margin(producer_price: int, percent: int) -> int:
    """Producer price plus a margin, rounded up to the next Rp100 as shops price things."""
    raw = producer_price + math.ceil(producer_price * percent / 100)
    return int(math.ceil(raw / 100) * 100)


def suggested_price(product: Product, applied: ProductCeilings) -> int:
    """20% margin, never above the HET; the reviewer decides."""
    suggestion = retail_from_margin(product.producer_price, 20)
    if applied.het is None:
        return suggestion
    return max(product.producer_price, min(suggestion, applied.het.amount))


async def review_queue(session: AsyncSession, cooperative: Cooperative) -> list[ReviewItem]:
    products = (
        (
            await session.scalars(
                select(Product)
                .where(Product.cooperative_id == cooperative.id, Product.status == ProductStatus.PENDING_REVIEW)
                .order_by(Product.updated_at)
            )
        )
        .unique()
        .all()
    )
    reviews = await latest_reviews(session, [p.id for p in products])
    applied = await ceilings_for(session, products, cooperative)
    return [ReviewItem(p, applied[p.id], suggested_price(p, applied[p.id]), reviews.get(p.id)) for p in products]


async def awaiting_goods(session: AsyncSession, cooperative: Cooperative) -> list[Product]:
    """Approved listings no goods were ever received for: the shop shows them out of stock until staff
    record the producer's delivery, so the review page keeps them in view."""
    received = select(StockReceipt.id).where(StockReceipt.product_id == Product.id).exists()
    return list(
        (
            await session.scalars(
                select(Product)
                .where(
                    Product.cooperative_id == cooperative.id,
                    Product.status == ProductStatus.ACTIVE,
                    Product.producer_id.is_not(None),
                    Product.stock <= 0,
                    ~received,
                )
                .order_by(Product.updated_at.desc())
                .limit(50)
            )
        )
        .unique()
        .all()
    )


async def review_item(session: AsyncSession, cooperative: Cooperative, product_id: int) -> ReviewItem:
    product = await session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative.id or product.producer_id is None:
        raise NotFound(_("Produk tidak ditemukan di koperasi ini."))
    reviews = await latest_reviews(session, [product.id])
    applied = (await ceilings_for(session, [product], cooperative))[product.id]
    return ReviewItem(product, applied, suggested_price(product, applied), reviews.get(product.id))


@dataclass(frozen=True)
class ReviewOutcome:
    product: Product
    decision: ReviewDecision
    warnings: tuple[str, ...]


async def decide(
    session: AsyncSession,
    cooperative: Cooperative,
    product_id: int,
    form: ReviewForm,
    staff: CurrentUser,
    *,
    today: datetime.date | None = None,
) -> ReviewOutcome:
    """Record staff's decision on a listing of `cooperative` (the guard has checked `staff` works there)."""
    product = await session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative.id or product.producer_id is None:
        raise NotFound(_("Produk tidak ditemukan di koperasi ini."))
    acting_for = await producer_for_user(session, staff.id)
    if acting_for is not None and acting_for.id == product.producer_id:
        raise Forbidden(_("Anda tidak boleh meninjau produk usaha Anda sendiri. Minta staf lain yang meninjau."))
    if product.status != ProductStatus.PENDING_REVIEW:
        raise Conflict(_("Produk ini tidak sedang menunggu tinjauan (mungkin sudah ditinjau staf lain)."))
    try:
        decision = ReviewDecision(form.action)
    except ValueError:
        decision = ReviewDecision.SUBMITTED
    if decision == ReviewDecision.SUBMITTED:
        raise_errors({"action": _("Pilih: setujui, minta perbaikan, atau tolak.")})
    errors: dict[str, str] = {}
    reason = parse_text(form.reason, "reason", _("Alasan"), errors, required=False, max_length=1000)
    raise_errors(errors)
    warnings: tuple[str, ...] = ()
    if decision == ReviewDecision.APPROVED:
        retail = _retail_price(product, form)
        # The cooperative's date decides which decree applies (None: its today).
        applied = (await ceilings_for(session, [product], cooperative, today))[product.id]
        warnings = tuple(ceilings.check_price(retail, applied))
        old_retail = product.retail_price
        product.retail_price = retail
        product.status = ProductStatus.ACTIVE
        record_price(
            session,
            product,
            old_producer=product.producer_price,
            old_retail=old_retail,
            user=staff,
            actor=f"Staf: {staff.name}",
            note="Disetujui",
        )
    else:
        if not reason or len(reason) < 5:
            raise_errors({"reason": _("Tulis alasannya untuk produsen (paling sedikit 5 huruf).")})
        product.status = (
            ProductStatus.CHANGES_REQUESTED if decision == ReviewDecision.CHANGES_REQUESTED else ProductStatus.REJECTED
        )
    session.add(
        ListingReview(
            product_id=product.id,
            cooperative_id=cooperative.id,
            decision=decision,
            reason=reason,
            user_id=staff.id,
            actor_label=f"Staf: {staff.name}",
        )
    )
    # Approval makes the product findable: the search index learns it from this outbox row.
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return ReviewOutcome(product, decision, warnings)


def _retail_price(product: Product, form: ReviewForm) -> int:
    errors: dict[str, str] = {}
    retail: int | None = None
    if form.retail_price.strip():
        retail = parse_rupiah(form.retail_price, "retail_price", _("Harga jual"), errors)
    elif form.margin_percent.strip():
        typed = form.margin_percent.strip().rstrip("%").strip()
        percent = parse_int(typed, "margin_percent", _("Margin (%)"), errors, high=MAX_MARGIN_PERCENT)
        retail = None if percent is None else retail_from_margin(product.producer_price, percent)
    else:
        errors["retail_price"] = _("Isi harga jual atau margin (%).")
    if retail is not None and retail < product.producer_price:
        errors["retail_price"] = _(
            "Harga jual tidak boleh di bawah harga produsen %(price)s.", price=rupiah(product.producer_price)
        )
    raise_errors(errors)
    assert retail is not None
    return retail
