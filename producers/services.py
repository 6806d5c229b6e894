"""Producer rules: accounts, listings and their review, price history, photos, and paying producers.

A producer account acts for exactly one UMKM; every listing query here is scoped by that producer, so a
producer never reads or changes another business's data. Staff review listings of their own cooperative
only, and nobody approves a listing of a business they act for.
"""

from __future__ import annotations

import datetime
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Cooperative
from app.text import clean_text, is_digits, rupiah, strip_control
from catalog import pricing
from catalog.models import Category, Product, ProductStatus
from producers import books, photos
from producers.models import (
    ListingReview,
    PriceChange,
    Producer,
    ProducerAccount,
    ProductPhoto,
    ReviewDecision,
    Settlement,
)
from search import outbox

MAX_PHOTOS = 6
MAX_PRODUCER_PRICE = 100_000_000
MAX_MARGIN_PERCENT = 300
PAYMENT_METHODS = {"cash": "Tunai", "transfer": "Transfer bank", "qris": "QRIS"}
# Listings a producer may still edit and submit; an active listing goes back to review when edited.
EDITABLE = {ProductStatus.DRAFT, ProductStatus.CHANGES_REQUESTED, ProductStatus.REJECTED, ProductStatus.ACTIVE}
SUBMITTABLE = {ProductStatus.DRAFT, ProductStatus.CHANGES_REQUESTED, ProductStatus.REJECTED}
STATUS_LABELS = {
    ProductStatus.DRAFT: "Draf",
    ProductStatus.PENDING_REVIEW: "Menunggu tinjauan",
    ProductStatus.CHANGES_REQUESTED: "Perlu diperbaiki",
    ProductStatus.REJECTED: "Ditolak",
    ProductStatus.ACTIVE: "Dijual",
    ProductStatus.ARCHIVED: "Diarsipkan",
}
_DIGITS = re.compile(r"^\d{1,12}$")


# --- accounts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProducerContext:
    producer: Producer
    cooperative: Cooperative


async def producer_for_user(session: AsyncSession, user_id: int) -> Producer | None:
    return await session.scalar(
        select(Producer)
        .join(ProducerAccount, ProducerAccount.producer_id == Producer.id)
        .where(ProducerAccount.user_id == user_id)
    )


async def require_producer(session: AsyncSession, user: CurrentUser) -> ProducerContext:
    producer = await producer_for_user(session, user.id)
    if producer is None:
        raise Forbidden("Halaman ini hanya untuk akun produsen (UMKM).")
    cooperative = await session.get(Cooperative, producer.cooperative_id)
    assert cooperative is not None
    return ProducerContext(producer, cooperative)


async def link_account(session: AsyncSession, user_id: int, producer: Producer) -> ProducerAccount:
    account = ProducerAccount(user_id=user_id, producer_id=producer.id, cooperative_id=producer.cooperative_id)
    session.add(account)
    await session.flush()
    return account


# --- listing input ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingInput:
    name: str = ""
    description: str = ""
    category: str = ""
    unit: str = ""
    pack_size: str = ""
    producer_price: str = ""


@dataclass(frozen=True)
class ValidListing:
    name: str
    description: str | None
    category: Category
    unit: str
    pack_size: str | None
    producer_price: int


def parse_rupiah(value: str, key: str, label: str, errors: dict[str, str]) -> int | None:
    """`15000`, `15.000`, `Rp15.000` → 15000; anything else is an error message in `errors`."""
    cleaned = re.sub(r"^\s*rp\.?\s*", "", (value or "").strip().lower()).replace(".", "").replace(" ", "")
    if not cleaned:
        errors[key] = f"{label} wajib diisi."
        return None
    if not _DIGITS.match(cleaned):
        errors[key] = f"{label} ditulis dengan angka rupiah, misalnya 15000 atau 15.000."
        return None
    amount = int(cleaned)
    if amount < 1 or amount > MAX_PRODUCER_PRICE:
        errors[key] = f"{label} harus antara Rp1 dan {rupiah(MAX_PRODUCER_PRICE)}."
        return None
    return amount


async def categories(session: AsyncSession) -> Sequence[Category]:
    return (await session.scalars(select(Category).order_by(Category.position, Category.name))).all()


async def validate_listing(session: AsyncSession, data: ListingInput) -> ValidListing:
    errors: dict[str, str] = {}
    name = clean_text(data.name, "name", "Nama produk", errors, required=True, max_length=200)
    description = clean_text(data.description, "description", "Keterangan", errors, required=False, max_length=2000)
    unit = clean_text(data.unit, "unit", "Satuan", errors, required=True, max_length=40)
    pack_size = clean_text(data.pack_size, "pack_size", "Isi kemasan", errors, required=False, max_length=60)
    price = parse_rupiah(data.producer_price, "producer_price", "Harga dari produsen", errors)
    category = await session.scalar(select(Category).where(Category.slug == (data.category or "")[:80]))
    if category is None:
        errors["category"] = "Pilih kategori."
    if errors:
        raise InvalidInput(
            next(iter(errors.values())) if len(errors) == 1 else "Ada beberapa isian yang perlu diperbaiki.",
            field_errors=errors,
        )
    assert name is not None and unit is not None and price is not None and category is not None
    return ValidListing(name, description, category, unit, pack_size, price)


# --- listings (producer side) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingRow:
    product: Product
    last_review: ListingReview | None
    photo_key: str | None


async def own_listings(session: AsyncSession, producer: Producer) -> list[ListingRow]:
    products = (
        (
            await session.scalars(
                select(Product)
                .where(Product.producer_id == producer.id, Product.cooperative_id == producer.cooperative_id)
                .order_by(Product.name)
            )
        )
        .unique()
        .all()
    )
    reviews = await latest_reviews(session, [p.id for p in products])
    keys = await first_photo_keys(session, [p.id for p in products])
    return [ListingRow(p, reviews.get(p.id), keys.get(p.id)) for p in products]


async def latest_reviews(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, ListingReview]:
    if not product_ids:
        return {}
    rows = await session.scalars(
        select(ListingReview).where(ListingReview.product_id.in_(product_ids)).order_by(ListingReview.id)
    )
    return {r.product_id: r for r in rows}


async def get_own_product(session: AsyncSession, producer: Producer, product_id: int) -> Product:
    """A listing of this producer; another business's listing is "not found", never shown."""
    product = await session.get(Product, product_id)
    if product is None or product.producer_id != producer.id or product.cooperative_id != producer.cooperative_id:
        raise NotFound("Produk tidak ditemukan di daftar usaha Anda.")
    return product


def _record_price(
    session: AsyncSession,
    product: Product,
    *,
    old_producer: int | None,
    old_retail: int | None,
    user: CurrentUser,
    actor: str,
    note: str | None = None,
) -> None:
    if old_producer == product.producer_price and old_retail == product.retail_price:
        return
    session.add(
        PriceChange(
            product_id=product.id,
            cooperative_id=product.cooperative_id,
            old_producer_price=old_producer,
            new_producer_price=product.producer_price,
            old_retail_price=old_retail,
            new_retail_price=product.retail_price,
            user_id=user.id,
            actor_label=actor,
            note=note,
        )
    )


async def _submit(session: AsyncSession, product: Product, user: CurrentUser) -> None:
    product.status = ProductStatus.PENDING_REVIEW
    session.add(
        ListingReview(
            product_id=product.id,
            cooperative_id=product.cooperative_id,
            decision=ReviewDecision.SUBMITTED,
            user_id=user.id,
            actor_label=f"Produsen: {user.name}",
        )
    )


async def create_listing(
    session: AsyncSession, ctx: ProducerContext, data: ListingInput, user: CurrentUser, *, submit: bool
) -> Product:
    valid = await validate_listing(session, data)
    product = Product(
        cooperative_id=ctx.producer.cooperative_id,
        producer_id=ctx.producer.id,
        category_id=valid.category.id,
        name=valid.name,
        description=valid.description,
        unit=valid.unit,
        pack_size=valid.pack_size,
        producer_price=valid.producer_price,
        # Staff set the real retail price on approval; until then the listing is not sold.
        retail_price=valid.producer_price,
        stock=0,
        status=ProductStatus.DRAFT,
        search_aliases=[],
    )
    session.add(product)
    await session.flush()
    _record_price(session, product, old_producer=None, old_retail=None, user=user, actor=f"Produsen: {user.name}")
    if submit:
        await _submit(session, product, user)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return product


async def update_listing(
    session: AsyncSession,
    ctx: ProducerContext,
    product_id: int,
    data: ListingInput,
    user: CurrentUser,
    *,
    submit: bool,
) -> Product:
    product = await get_own_product(session, ctx.producer, product_id)
    if product.status not in EDITABLE:
        raise Conflict("Produk ini sedang ditinjau staf koperasi; tunggu hasilnya sebelum mengubahnya.")
    valid = await validate_listing(session, data)
    old_producer, old_retail = product.producer_price, product.retail_price
    was_active = product.status == ProductStatus.ACTIVE
    product.name = valid.name
    product.description = valid.description
    product.category_id = valid.category.id
    product.unit = valid.unit
    product.pack_size = valid.pack_size
    product.producer_price = valid.producer_price
    if not was_active:
        # Not sold yet: the retail price is only a placeholder until staff approve the listing.
        product.retail_price = valid.producer_price
    _record_price(
        session, product, old_producer=old_producer, old_retail=old_retail, user=user, actor=f"Produsen: {user.name}"
    )
    if was_active or submit:
        # A changed listing is checked again before buyers see it: the price split must stay true.
        await _submit(session, product, user)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return product


async def submit_listing(session: AsyncSession, ctx: ProducerContext, product_id: int, user: CurrentUser) -> Product:
    product = await get_own_product(session, ctx.producer, product_id)
    if product.status not in SUBMITTABLE:
        raise Conflict(
            f"Produk berstatus {STATUS_LABELS.get(ProductStatus(product.status), product.status)}; "
            "tidak bisa diajukan lagi."
        )
    await _submit(session, product, user)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return product


async def reviews_of(session: AsyncSession, product_id: int) -> Sequence[ListingReview]:
    return (
        await session.scalars(
            select(ListingReview).where(ListingReview.product_id == product_id).order_by(ListingReview.id.desc())
        )
    ).all()


async def price_history(session: AsyncSession, product_id: int) -> Sequence[PriceChange]:
    return (
        await session.scalars(
            select(PriceChange).where(PriceChange.product_id == product_id).order_by(PriceChange.id.desc())
        )
    ).all()


# --- review (staff side) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewForm:
    action: str = ""
    retail_price: str = ""
    margin_percent: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ReviewItem:
    product: Product
    check: pricing.PriceCheck | None
    suggested: int
    submitted: ListingReview | None


def require_staff_of(user: CurrentUser | None, cooperative_id: int) -> CurrentUser:
    if user is None or not user.is_staff_of(cooperative_id):
        raise Forbidden("Halaman ini hanya untuk staf koperasi ini.")
    return user


def retail_from_margin(producer_price: int, percent: int) -> int:
    """Producer price plus a margin, rounded up to the next Rp100 as shops price things."""
    raw = producer_price + math.ceil(producer_price * percent / 100)
    return int(math.ceil(raw / 100) * 100)


def suggested_price(product: Product, ceilings: Sequence[pricing.Ceiling]) -> int:
    """20% margin, never above the HET; the reviewer decides."""
    suggestion = retail_from_margin(product.producer_price, 20)
    het = next((c.amount for c in ceilings if c.kind == pricing.CeilingKind.HET), None)
    return max(product.producer_price, min(suggestion, het)) if het is not None else suggestion


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
    return [
        ReviewItem(p, None, suggested_price(p, await pricing.ceilings_for(session, p, cooperative)), reviews.get(p.id))
        for p in products
    ]


async def review_item(
    session: AsyncSession, cooperative: Cooperative, product_id: int, user: CurrentUser | None
) -> ReviewItem:
    require_staff_of(user, cooperative.id)
    product = await session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative.id or product.producer_id is None:
        raise NotFound("Produk tidak ditemukan di koperasi ini.")
    reviews = await latest_reviews(session, [product.id])
    ceilings = await pricing.ceilings_for(session, product, cooperative)
    return ReviewItem(product, None, suggested_price(product, ceilings), reviews.get(product.id))


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
        check = pricing.check_price(retail, await pricing.ceilings_for(session, product, cooperative, today), today)
        warnings = check.warnings
        old_retail = product.retail_price
        product.retail_price = retail
        product.status = ProductStatus.ACTIVE
        _record_price(
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


# --- photos ----------------------------------------------------------------------------------------------


def media_dir(var_dir: Path) -> Path:
    return var_dir / "media" / "produk"


def photo_path(var_dir: Path, key: str, size: str) -> Path:
    return media_dir(var_dir) / f"{key}-{size}.webp"


async def photos_of(session: AsyncSession, product_id: int) -> Sequence[ProductPhoto]:
    return (
        await session.scalars(
            select(ProductPhoto)
            .where(ProductPhoto.product_id == product_id)
            .order_by(ProductPhoto.position, ProductPhoto.id)
        )
    ).all()


async def first_photo_keys(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, str]:
    if not product_ids:
        return {}
    rows = await session.execute(
        select(ProductPhoto.product_id, ProductPhoto.key)
        .where(ProductPhoto.product_id.in_(product_ids))
        .order_by(ProductPhoto.product_id, ProductPhoto.position.desc(), ProductPhoto.id.desc())
    )
    return dict(rows.tuples().all())


async def add_photo(
    session: AsyncSession, ctx: ProducerContext, product_id: int, raw: bytes, var_dir: Path
) -> ProductPhoto:
    product = await get_own_product(session, ctx.producer, product_id)
    count = await session.scalar(select(func.count()).where(ProductPhoto.product_id == product.id)) or 0
    if count >= MAX_PHOTOS:
        raise Conflict(f"Paling banyak {MAX_PHOTOS} foto per produk. Hapus satu dulu.")
    thumbs = photos.make_thumbnails(raw)
    key = secrets.token_urlsafe(15)
    directory = media_dir(var_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for size, content in thumbs.files.items():
        photo_path(var_dir, key, size).write_bytes(content)
    photo = ProductPhoto(
        product_id=product.id,
        cooperative_id=product.cooperative_id,
        key=key,
        width=thumbs.width,
        height=thumbs.height,
        size_bytes=sum(len(c) for c in thumbs.files.values()),
        position=count,
    )
    session.add(photo)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return photo


async def delete_photo(session: AsyncSession, ctx: ProducerContext, product_id: int, key: str, var_dir: Path) -> None:
    product = await get_own_product(session, ctx.producer, product_id)
    photo = await session.scalar(
        select(ProductPhoto).where(ProductPhoto.product_id == product.id, ProductPhoto.key == key[:40])
    )
    if photo is None:
        raise NotFound("Foto tidak ditemukan.")
    await session.delete(photo)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    for size in photos.SIZES:
        photo_path(var_dir, key, size).unlink(missing_ok=True)


async def photo_for_viewer(
    session: AsyncSession, key: str, size: str, user: CurrentUser | None, var_dir: Path
) -> tuple[Path, bool]:
    """The file of a photo and whether it is public. Photos of unpublished listings are seen only by
    their producer and the cooperative's staff; to anyone else they do not exist."""
    if size not in photos.SIZES or not re.fullmatch(r"[A-Za-z0-9_\-]{10,40}", key):
        raise NotFound("Foto tidak ditemukan.")
    row = (
        await session.execute(
            select(ProductPhoto, Product.status, Product.producer_id)
            .join(Product, Product.id == ProductPhoto.product_id)
            .where(ProductPhoto.key == key)
        )
    ).first()
    if row is None:
        raise NotFound("Foto tidak ditemukan.")
    photo, status, producer_id = row
    public = status == ProductStatus.ACTIVE
    if not public:
        allowed = False
        if user is not None:
            if user.is_staff_of(photo.cooperative_id):
                allowed = True
            else:
                own = await producer_for_user(session, user.id)
                allowed = own is not None and own.id == producer_id
        if not allowed:
            raise NotFound("Foto tidak ditemukan.")
    path = photo_path(var_dir, key, size)
    if not path.exists():
        raise NotFound("Foto tidak ditemukan.")
    return path, public


# --- the producer's dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    listings: list[ListingRow]
    weeks: list[books.WeekSales]
    owed: int
    paid: int
    settlements: Sequence[Settlement]

    @property
    def week_max(self) -> int:
        return max([w.producer_share for w in self.weeks] + [1])


async def dashboard(session: AsyncSession, ctx: ProducerContext) -> Dashboard:
    today = books.local_today(ctx.cooperative)
    tomorrow = today + datetime.timedelta(days=1)
    return Dashboard(
        listings=await own_listings(session, ctx.producer),
        weeks=await books.weekly_sales(session, ctx.cooperative, ctx.producer.id),
        owed=await books.owed_to_producers(session, ctx.cooperative, tomorrow, producer_id=ctx.producer.id),
        paid=await books.paid_total(session, ctx.cooperative.id, None, tomorrow, producer_id=ctx.producer.id),
        settlements=await books.settlements_of(session, ctx.producer.id, limit=12),
    )


# --- settlements (staff side) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentForm:
    producer_id: str = ""
    jenis: str = "bulan"
    periode: str = ""
    method: str = ""
    reference: str = ""
    paid_on: str = ""


async def producers_of(session: AsyncSession, cooperative_id: int) -> Sequence[Producer]:
    return (
        await session.scalars(
            select(Producer).where(Producer.cooperative_id == cooperative_id).order_by(Producer.business_name)
        )
    ).all()


async def get_producer(session: AsyncSession, cooperative_id: int, producer_id: int) -> Producer:
    producer = await session.get(Producer, producer_id)
    if producer is None or producer.cooperative_id != cooperative_id:
        raise NotFound("Produsen tidak ditemukan di koperasi ini.")
    return producer


async def settlement_overview(
    session: AsyncSession, cooperative: Cooperative, period: books.Period, user: CurrentUser | None
) -> list[books.Statement]:
    require_staff_of(user, cooperative.id)
    return [await books.statement(session, cooperative, p, period) for p in await producers_of(session, cooperative.id)]


async def mark_paid(
    session: AsyncSession, cooperative: Cooperative, form: PaymentForm, user: CurrentUser | None
) -> Settlement:
    """Record that a producer was paid for a period: the amount is the statement's, never typed in."""
    staff = require_staff_of(user, cooperative.id)
    today = books.local_today(cooperative)
    period = books.parse_period(form.jenis, form.periode, today)
    errors: dict[str, str] = {}
    if not is_digits(form.producer_id) or len(form.producer_id) > 12:
        raise NotFound("Produsen tidak ditemukan di koperasi ini.")
    producer = await get_producer(session, cooperative.id, int(form.producer_id))
    if form.method not in PAYMENT_METHODS:
        errors["method"] = "Pilih cara bayar: tunai, transfer bank atau QRIS."
    reference = clean_text(
        form.reference, "reference", "Nomor referensi", errors, required=form.method != "cash", max_length=120
    )
    try:
        paid_on = datetime.date.fromisoformat(form.paid_on.strip()) if form.paid_on.strip() else today
    except ValueError:
        errors["paid_on"] = "Tanggal bayar ditulis seperti 2026-11-30."
        paid_on = today
    if paid_on > today:
        errors["paid_on"] = "Tanggal bayar tidak boleh di masa depan."
    if period.end > today:
        errors["periode"] = "Periode ini belum selesai; bayar setelah periode berakhir."
    if errors:
        raise InvalidInput(
            next(iter(errors.values())) if len(errors) == 1 else "Ada isian yang perlu diperbaiki.", field_errors=errors
        )
    current = await books.statement(session, cooperative, producer, period)
    if current.settlement is not None:
        raise Conflict(f"{producer.business_name} sudah dibayar untuk {period.label}.")
    if current.overlapping:
        other = current.overlapping[0]
        raise Conflict(
            f"Sebagian periode ini sudah dibayar ({other.period_start:%d/%m/%Y}–"
            f"{other.period_end - datetime.timedelta(days=1):%d/%m/%Y}). Pakai periode yang tidak tumpang tindih."
        )
    if current.producer_total <= 0:
        raise Conflict(f"Tidak ada penjualan {producer.business_name} yang selesai pada {period.label}.")
    settlement = Settlement(
        cooperative_id=cooperative.id,
        producer_id=producer.id,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        units_sold=current.units_sold,
        sales_total=current.sales_total,
        producer_total=current.producer_total,
        cancelled_units=current.cancelled_units,
        cancelled_value=current.cancelled_value,
        amount_paid=current.producer_total,
        method=form.method,
        reference=reference,
        paid_on=paid_on,
        paid_by_user_id=staff.id,
        paid_by_label=f"Staf: {staff.name}",
    )
    try:
        # A double-submitted payment for the same period fails here instead of paying twice.
        async with session.begin_nested():
            session.add(settlement)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"{producer.business_name} sudah dibayar untuk {period.label}.") from None
    return settlement


async def members_books(
    session: AsyncSession, cooperative: Cooperative, user: CurrentUser | None, month: str | None
) -> books.Books:
    """The books of one cooperative, for its approved members and its staff only."""
    if user is None or not (user.is_member_of(cooperative.id) or user.is_staff_of(cooperative.id)):
        raise Forbidden("Laporan keuangan ini hanya untuk anggota dan staf koperasi ini.")
    period = books.parse_period("bulan", month, books.local_today(cooperative))
    return await books.members_books(session, cooperative, period)
