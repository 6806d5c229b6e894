"""A producer's listings: the listing form, drafts, submitting for review, and the price history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.errors import Conflict, InvalidInput
from app.forms import parse_rupiah, parse_text, raise_errors
from app.i18n import N_, _
from app.storage import MediaStore
from catalog import outbox
from catalog.models import Category, Product, ProductStatus
from producers.models import ListingReview, PriceChange, Producer, ReviewDecision
from producers.schemas import ListingForm
from producers.services.accounts import ProducerContext, get_own_product
from producers.services.photos import Thumbnails, first_photo_keys, make_thumbnails_off_loop, store_photo

MAX_PRODUCER_PRICE = 100_000_000
# Listings a producer may still edit and submit; an active listing goes back to review when edited.
EDITABLE = {ProductStatus.DRAFT, ProductStatus.CHANGES_REQUESTED, ProductStatus.REJECTED, ProductStatus.ACTIVE}
SUBMITTABLE = {ProductStatus.DRAFT, ProductStatus.CHANGES_REQUESTED, ProductStatus.REJECTED}
# Said after a listing goes to review: what happens next, including that buyers need goods on the shelf.
SUBMITTED_MESSAGE = N_(
    "Produk dikirim ke staf koperasi untuk ditinjau. Selama ditinjau, produk belum tampil di toko dan belum "
    "bisa diubah; hasilnya muncul di halaman ini. Setelah disetujui, produk bisa dibeli jika ada stok: antar "
    "barangnya ke koperasi supaya staf mencatat barang diterima."
)
STATUS_LABELS = {
    ProductStatus.DRAFT: N_("Draf"),
    ProductStatus.PENDING_REVIEW: N_("Menunggu tinjauan"),
    ProductStatus.CHANGES_REQUESTED: N_("Perlu diperbaiki"),
    ProductStatus.REJECTED: N_("Ditolak"),
    ProductStatus.ACTIVE: N_("Dijual"),
    ProductStatus.ARCHIVED: N_("Diarsipkan"),
}


@dataclass(frozen=True)
class ValidListing:
    name: str
    description: str | None
    category: Category
    unit: str
    pack_size: str | None
    producer_price: int


async def categories(session: AsyncSession) -> Sequence[Category]:
    return (await session.scalars(select(Category).order_by(Category.position, Category.name))).all()


async def validate_listing(session: AsyncSession, data: ListingForm) -> ValidListing:
    errors: dict[str, str] = {}
    name = parse_text(data.name, "name", _("Nama produk"), errors, required=True, max_length=200)
    description = parse_text(data.description, "description", _("Keterangan"), errors, required=False, max_length=2000)
    unit = parse_text(data.unit, "unit", _("Satuan"), errors, required=True, max_length=40)
    pack_size = parse_text(data.pack_size, "pack_size", _("Isi kemasan"), errors, required=False, max_length=60)
    what = _("Harga dari produsen")
    price = parse_rupiah(data.producer_price, "producer_price", what, errors, high=MAX_PRODUCER_PRICE)
    category = await session.scalar(select(Category).where(Category.slug == (data.category or "")[:80]))
    if category is None:
        errors["category"] = _("Pilih kategori.")
    raise_errors(errors)
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


def record_price(
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


async def _validate_with_photo(
    session: AsyncSession, data: ListingForm, photo: bytes
) -> tuple[ValidListing, Thumbnails | None]:
    """The listing and its optional first photo checked together, so one answer names every field to fix."""
    errors: dict[str, str] = {}
    valid: ValidListing | None = None
    thumbs: Thumbnails | None = None
    try:
        valid = await validate_listing(session, data)
    except InvalidInput as exc:
        errors.update(exc.field_errors or {})
    if photo:
        try:
            thumbs = await make_thumbnails_off_loop(photo)
        except InvalidInput as exc:
            errors.update(exc.field_errors or {})
    raise_errors(errors)
    assert valid is not None
    return valid, thumbs


async def create_listing(
    session: AsyncSession,
    ctx: ProducerContext,
    data: ListingForm,
    user: CurrentUser,
    *,
    submit: bool,
    photo: bytes = b"",
    media: MediaStore | None = None,
) -> Product:
    """A new listing, as a draft or submitted for review, with the photo chosen on the form (if any)."""
    valid, thumbs = await _validate_with_photo(session, data, photo)
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
    record_price(session, product, old_producer=None, old_retail=None, user=user, actor=f"Produsen: {user.name}")
    if thumbs is not None:
        assert media is not None, "a photo needs the media store"
        await store_photo(session, product, thumbs, media, position=0)
    if submit:
        await _submit(session, product, user)
    await outbox.enqueue(session, [product.id])
    await session.flush()
    return product


async def update_listing(
    session: AsyncSession,
    ctx: ProducerContext,
    product_id: int,
    data: ListingForm,
    user: CurrentUser,
    *,
    submit: bool,
) -> Product:
    product = await get_own_product(session, ctx.producer, product_id)
    if product.status not in EDITABLE:
        raise Conflict(_("Produk ini sedang ditinjau staf koperasi; tunggu hasilnya sebelum mengubahnya."))
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
    record_price(
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
            _(
                "Produk berstatus %(status)s; tidak bisa diajukan lagi.",
                status=_(STATUS_LABELS.get(ProductStatus(product.status), product.status)),
            )
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
