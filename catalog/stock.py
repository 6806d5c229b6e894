"""Stock work for staff: receipts from producers, adjustments, stocktakes, low-stock thresholds, the ledger.

Every change is one conditional UPDATE plus one ledger row in the same transaction, so the ledger of a
product always explains its stock, and stock never goes below zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound
from app.forms import parse_int, parse_rupiah, parse_text, raise_errors
from app.i18n import N_, _
from catalog import outbox
from catalog.models import (
    LedgerReason,
    Product,
    ProductStatus,
    StockLedgerEntry,
    StockReceipt,
    Stocktake,
    StocktakeLine,
    StockThreshold,
)

# Products without their own threshold count as low at or below this many units.
DEFAULT_LOW_STOCK = 5
MAX_UNITS = 100_000
MAX_PRICE = 100_000_000
MAX_NOTE = 300


@dataclass(frozen=True)
class AdjustmentKind:
    key: str
    label: str
    reason: LedgerReason
    # Whether the kind may add stock (only a counting mistake can).
    may_add: bool


ADJUSTMENT_KINDS: dict[str, AdjustmentKind] = {
    "rusak": AdjustmentKind("rusak", N_("Rusak / kedaluwarsa"), LedgerReason.SPOILAGE, False),
    "salah_hitung": AdjustmentKind("salah_hitung", N_("Salah hitung"), LedgerReason.ADJUSTMENT, True),
    "hilang": AdjustmentKind("hilang", N_("Hilang"), LedgerReason.LOSS, False),
}

REASON_LABELS: dict[str, str] = {
    LedgerReason.INITIAL: N_("Stok awal"),
    LedgerReason.SALE: N_("Terjual (pesanan)"),
    LedgerReason.CANCEL: N_("Pesanan batal"),
    LedgerReason.RESTOCK: N_("Tambah stok"),
    LedgerReason.ADJUSTMENT: N_("Salah hitung"),
    LedgerReason.SPOILAGE: N_("Rusak / kedaluwarsa"),
    LedgerReason.RECEIPT: N_("Terima dari produsen"),
    LedgerReason.STOCKTAKE: N_("Stok opname"),
    LedgerReason.LOSS: N_("Hilang"),
}


def adjustment_kinds() -> dict[str, AdjustmentKind]:
    """`ADJUSTMENT_KINDS` with their labels in the request's language."""
    return {key: replace(kind, label=_(kind.label)) for key, kind in ADJUSTMENT_KINDS.items()}


def reason_labels() -> dict[str, str]:
    """`REASON_LABELS` in the request's language."""
    return {reason: _(label) for reason, label in REASON_LABELS.items()}


def clean_note(value: object, errors: dict[str, str], *, field: str = "note", required: bool = False) -> str | None:
    return parse_text(value, field, _("Catatan"), errors, required=required, max_length=MAX_NOTE)


async def product_of(session: AsyncSession, cooperative_id: int, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative_id:
        raise NotFound(_("Produk tidak ditemukan di koperasi ini."))
    return product


async def change_stock(
    session: AsyncSession,
    product: Product,
    delta: int,
    reason: LedgerReason,
    *,
    user_id: int | None,
    note: str | None = None,
    order_id: int | None = None,
) -> int:
    """Add `delta` (may be negative) to a product's stock, never below zero; one ledger row. Returns the stock."""
    if delta == 0:
        return await _stock(session, product.id)
    result = await session.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock + delta >= 0)
        .values(stock=Product.stock + delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        left = await _stock(session, product.id)
        raise Conflict(
            _(
                "Stok %(name)s tinggal %(left)s %(unit)s; tidak bisa dikurangi %(wanted)s.",
                name=product.name,
                left=left,
                unit=product.unit,
                wanted=-delta,
            ),
            field_errors={"quantity": _("Paling banyak %(n)s.", n=left)},
        )
    session.add(
        StockLedgerEntry(
            product_id=product.id,
            cooperative_id=product.cooperative_id,
            delta=delta,
            reason=reason,
            order_id=order_id,
            user_id=user_id,
            note=note,
        )
    )
    await outbox.enqueue(session, [product.id])
    return await _stock(session, product.id)


async def _stock(session: AsyncSession, product_id: int) -> int:
    return int(await session.scalar(select(Product.stock).where(Product.id == product_id)) or 0)


@dataclass(frozen=True)
class ReceiptLine:
    product_id: int
    quantity: object
    producer_price: object


async def receive(
    session: AsyncSession,
    cooperative_id: int,
    lines: Sequence[ReceiptLine],
    *,
    user_id: int | None,
    note: object = None,
) -> list[StockReceipt]:
    """Goods handed over by producers: a receipt (what the cooperative now holds for them) and a ledger row each.

    Lines with an empty quantity are skipped; nothing is booked unless every filled line is valid.
    """
    errors: dict[str, str] = {}
    text = clean_note(note, errors)
    wanted: list[tuple[Product, int, int]] = []
    for line in lines:
        if line.quantity is None or (isinstance(line.quantity, str) and not line.quantity.strip()):
            continue
        product = await product_of(session, cooperative_id, line.product_id)
        quantity = parse_int(
            line.quantity, f"qty-{product.id}", _("Jumlah %(name)s", name=product.name), errors, low=1, high=MAX_UNITS
        )
        price = parse_rupiah(
            line.producer_price,
            f"price-{product.id}",
            _("Harga produsen %(name)s", name=product.name),
            errors,
            low=0,
            high=MAX_PRICE,
            blank=product.producer_price,
        )
        if quantity is not None and price is not None:
            wanted.append((product, quantity, price))
    if not wanted and not errors:
        errors["lines"] = _("Isi jumlah barang yang diterima, paling tidak satu.")
    raise_errors(errors)
    receipts = []
    for product, quantity, price in wanted:
        receipt = StockReceipt(
            cooperative_id=cooperative_id,
            product_id=product.id,
            producer_id=product.producer_id,
            quantity=quantity,
            producer_price=price,
            total=quantity * price,
            received_by=user_id,
            note=text,
        )
        session.add(receipt)
        await change_stock(session, product, quantity, LedgerReason.RECEIPT, user_id=user_id, note=text)
        receipts.append(receipt)
    await session.flush()
    return receipts


async def adjust(
    session: AsyncSession,
    cooperative_id: int,
    product_id: int,
    *,
    kind: object,
    quantity: object,
    user_id: int | None,
    note: object = None,
) -> int:
    """Book damaged, expired, lost or miscounted goods with their reason. Returns the new stock."""
    product = await product_of(session, cooperative_id, product_id)
    errors: dict[str, str] = {}
    adjustment = ADJUSTMENT_KINDS.get(kind) if isinstance(kind, str) else None
    if adjustment is None:
        errors["kind"] = _("Pilih alasan: rusak/kedaluwarsa, salah hitung, atau hilang.")
    low = -MAX_UNITS if adjustment is None or adjustment.may_add else 1
    amount = parse_int(quantity, "quantity", _("Jumlah"), errors, low=low, high=MAX_UNITS)
    if amount == 0:
        errors["quantity"] = _("Jumlah tidak boleh 0.")
    text = clean_note(note, errors)
    raise_errors(errors)
    assert adjustment is not None and amount is not None
    # Damage and loss always take away: staff type how many, not a signed number.
    delta = amount if adjustment.may_add else -amount
    return await change_stock(session, product, delta, adjustment.reason, user_id=user_id, note=text)


@dataclass(frozen=True)
class SheetRow:
    product: Product
    stock: int
    # Sold but still on the shelf: held by orders nobody has packed yet.
    held: int

    @property
    def expected(self) -> int:
        return self.stock + self.held


async def active_products(
    session: AsyncSession, cooperative_id: int, *, producer_id: int | None = None, q: str | None = None
) -> list[Product]:
    query = select(Product).where(Product.cooperative_id == cooperative_id, Product.status != ProductStatus.ARCHIVED)
    if producer_id is not None:
        query = query.where(Product.producer_id == producer_id)
    for word in (q or "").lower().split()[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Product.name).like(f"%{escaped}%", escape="\\"))
    rows = await session.scalars(query.order_by(Product.name))
    return list(rows.unique())


def stocktake_sheet(products: Sequence[Product], held: Mapping[int, int]) -> list[SheetRow]:
    return [SheetRow(product=p, stock=p.stock, held=held.get(p.id, 0)) for p in products]


async def record_stocktake(
    session: AsyncSession,
    cooperative_id: int,
    counts: Mapping[int, object],
    held: Mapping[int, int],
    *,
    user_id: int | None,
    note: object = None,
) -> Stocktake:
    """Book every counted difference in one go. Blank counts are skipped.

    The shelf holds stock plus goods of orders not yet packed; the difference is counted - that, and
    stock moves by the difference. A count below what unpacked orders still need is refused, because
    stock cannot go below zero: those orders must be cancelled or reduced first.
    """
    errors: dict[str, str] = {}
    text = clean_note(note, errors)
    counted: list[tuple[Product, int]] = []
    for product_id, raw in counts.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        product = await product_of(session, cooperative_id, product_id)
        what = _("Hitungan %(name)s", name=product.name)
        number = parse_int(raw, f"count-{product.id}", what, errors, low=0, high=MAX_UNITS)
        if number is not None:
            counted.append((product, number))
    if not counted and not errors:
        errors["lines"] = _("Isi hasil hitungan paling tidak satu barang.")
    raise_errors(errors)
    for product, number in counted:
        reserved = held.get(product.id, 0)
        if number < reserved:
            errors[f"count-{product.id}"] = _(
                "%(name)s: terhitung %(number)s, padahal %(reserved)s %(unit)s sudah dipesan dan belum "
                "dikemas. Batalkan atau kurangi pesanan itu dulu.",
                name=product.name,
                number=number,
                reserved=reserved,
                unit=product.unit,
            )
    if errors:
        raise Conflict(next(iter(errors.values())), field_errors=errors)
    stocktake = Stocktake(cooperative_id=cooperative_id, counted_by=user_id, note=text)
    session.add(stocktake)
    await session.flush()
    for product, number in counted:
        # Read inside the write transaction: on SQLite it holds the write lock, and the update below is
        # conditional, so a sale in between cannot push stock under zero.
        stock = await _stock(session, product.id)
        reserved = held.get(product.id, 0)
        difference = number - (stock + reserved)
        session.add(
            StocktakeLine(
                stocktake_id=stocktake.id,
                product_id=product.id,
                expected=stock + reserved,
                counted=number,
                difference=difference,
            )
        )
        if difference:
            await change_stock(
                session,
                product,
                difference,
                LedgerReason.STOCKTAKE,
                user_id=user_id,
                note=f"Stok opname #{stocktake.id}" + (f": {text}" if text else ""),  # i18n: not shown (ledger data)
            )
    await session.flush()
    await session.refresh(stocktake, attribute_names=["lines"])
    return stocktake


@dataclass(frozen=True)
class LowStock:
    product: Product
    threshold: int


def is_low(stock: int, threshold: int | None) -> bool:
    """The low-stock rule: at or below the product's own threshold, or the default when it has none.

    `low_stock` below asks the same question in SQL, to list a whole cooperative's shelf at once.
    """
    return stock <= (DEFAULT_LOW_STOCK if threshold is None else threshold)


async def low_among(session: AsyncSession, cooperative_id: int, products: Sequence[Product]) -> set[int]:
    """Which of these products (the cards on one shop page) are running low."""
    if not products:
        return set()
    rows = await session.execute(
        select(StockThreshold.product_id, StockThreshold.threshold).where(
            StockThreshold.cooperative_id == cooperative_id,
            StockThreshold.product_id.in_([p.id for p in products]),
        )
    )
    own = {pid: value for pid, value in rows.all()}
    return {p.id for p in products if is_low(p.stock, own.get(p.id))}


async def thresholds(session: AsyncSession, cooperative_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(StockThreshold.product_id, StockThreshold.threshold).where(
            StockThreshold.cooperative_id == cooperative_id
        )
    )
    return {pid: value for pid, value in rows.all()}


async def low_stock(session: AsyncSession, cooperative_id: int, *, limit: int = 200) -> list[LowStock]:
    """Active products at or below their threshold (or the default), emptiest first."""
    threshold = func.coalesce(StockThreshold.threshold, DEFAULT_LOW_STOCK)
    rows = await session.execute(
        select(Product, threshold)
        .outerjoin(StockThreshold, StockThreshold.product_id == Product.id)
        .where(
            Product.cooperative_id == cooperative_id,
            Product.status == ProductStatus.ACTIVE,
            Product.stock <= threshold,
        )
        .order_by(Product.stock, Product.name)
        .limit(limit)
    )
    return [LowStock(product=p, threshold=int(t)) for p, t in rows.unique().all()]


async def set_threshold(session: AsyncSession, cooperative_id: int, product_id: int, value: object) -> int:
    product = await product_of(session, cooperative_id, product_id)
    errors: dict[str, str] = {}
    number = parse_int(value, "threshold", _("Batas stok menipis"), errors, low=0, high=MAX_UNITS)
    raise_errors(errors)
    assert number is not None
    row = await session.scalar(select(StockThreshold).where(StockThreshold.product_id == product.id))
    if row is None:
        session.add(StockThreshold(cooperative_id=cooperative_id, product_id=product.id, threshold=number))
    else:
        row.threshold = number
    await session.flush()
    return number


async def threshold_of(session: AsyncSession, product_id: int) -> int:
    value = await session.scalar(select(StockThreshold.threshold).where(StockThreshold.product_id == product_id))
    return DEFAULT_LOW_STOCK if value is None else int(value)


@dataclass(frozen=True)
class ProductLedger:
    product: Product
    entries: Sequence[StockLedgerEntry]
    total: int
    threshold: int

    @property
    def explains_stock(self) -> bool:
        return self.total == self.product.stock


async def product_ledger(
    session: AsyncSession, cooperative_id: int, product_id: int, *, limit: int = 200
) -> ProductLedger:
    """The newest ledger rows of a product, and the sum of all of them (which must equal its stock)."""
    product = await product_of(session, cooperative_id, product_id)
    await session.refresh(product, attribute_names=["stock"])
    entries = await session.scalars(
        select(StockLedgerEntry)
        .where(StockLedgerEntry.product_id == product.id)
        .order_by(StockLedgerEntry.id.desc())
        .limit(limit)
    )
    total = await session.scalar(
        select(func.coalesce(func.sum(StockLedgerEntry.delta), 0)).where(StockLedgerEntry.product_id == product.id)
    )
    return ProductLedger(
        product=product, entries=entries.all(), total=int(total or 0), threshold=await threshold_of(session, product.id)
    )
