"""Staff review of producers' listings: the queue, the suggested price within the ceilings, and the decision.

Staff review listings of their own cooperative only, nobody approves a listing of a business they act
for, and an approved price passes the same ceiling check as every other price (`catalog.ceilings`).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Cooperative
from app.text import is_digits, rupiah, strip_control
from catalog import ceilings
from catalog.ceilings import ProductCeilings
from catalog.models import Product, ProductStatus
from catalog.services import ceilings_for
from producers.models import ListingReview, ReviewDecision
from producers.services.accounts import producer_for_user, require_staff_of
from producers.services.listings import latest_reviews, parse_rupiah, record_price
from search import outbox

MAX_MARGIN_PERCENT = 300


@dataclass(frozen=True)
class ReviewForm:
    action: str = ""
    retail_price: str = ""
    margin_percent: str = ""
    reason: str = ""


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


async def review_queue(session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None) -> list[ReviewItem]:
    require_staff_of(user, cooperative.id)
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


async def review_item(
    session: AsyncSession, cooperative: Cooperative, product_id: int, user: CurrentUser | None
) -> ReviewItem:
    require_staff_of(user, cooperative.id)
    product = await session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative.id or product.producer_id is None:
        raise NotFound("Produk tidak ditemukan di koperasi ini.")
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
    user: CurrentUser | None,
    *,
    today: datetime.date | None = None,
) -> ReviewOutcome:
    staff = require_staff_of(user, cooperative.id)
    product = await session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative.id or product.producer_id is None:
        raise NotFound("Produk tidak ditemukan di koperasi ini.")
    acting_for = await producer_for_user(session, staff.id)
    if acting_for is not None and acting_for.id == product.producer_id:
        raise Forbidden("Anda tidak boleh meninjau produk usaha Anda sendiri. Minta staf lain yang meninjau.")
    if product.status != ProductStatus.PENDING_REVIEW:
        raise Conflict("Produk ini tidak sedang menunggu tinjauan (mungkin sudah ditinjau staf lain).")
    try:
        decision = ReviewDecision(form.action)
    except ValueError:
        decision = ReviewDecision.SUBMITTED
    if decision == ReviewDecision.SUBMITTED:
        raise InvalidInput("Pilih: setujui, minta perbaikan, atau tolak.", field_errors={"action": "Pilih keputusan."})
    reason = strip_control(form.reason or "").strip()[:1000] or None
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
            message = "Tulis alasannya untuk produsen (paling sedikit 5 huruf)."
            raise InvalidInput(message, field_errors={"reason": message})
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
    if (form.retail_price or "").strip():
        retail = parse_rupiah(form.retail_price, "retail_price", "Harga jual", errors)
    elif (form.margin_percent or "").strip():
        text = form.margin_percent.strip().rstrip("%").strip()
        if not is_digits(text) or int(text) > MAX_MARGIN_PERCENT:
            errors["margin_percent"] = f"Margin ditulis angka persen 0 sampai {MAX_MARGIN_PERCENT}, misalnya 15."
            retail = None
        else:
            retail = retail_from_margin(product.producer_price, int(text))
    else:
        errors["retail_price"] = "Isi harga jual atau margin (%)."
        retail = None
    if retail is not None and retail < product.producer_price:
        errors["retail_price"] = f"Harga jual tidak boleh di bawah harga produsen {rupiah(product.producer_price)}."
    if errors or retail is None:
        raise InvalidInput(next(iter(errors.values())), field_errors=errors)
    return retail
