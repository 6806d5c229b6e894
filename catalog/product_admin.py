"""Staff add products: the cooperative's own goods or a producer's, one at a time or from a price list."""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import column, delete, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.errors import NotFound
from app.forms import parse_int, parse_rupiah, parse_text, raise_errors
from app.i18n import N_, _
from app.models import Cooperative, WebSession
from catalog import ceilings, outbox
from catalog.ceilings import PriceAboveCeiling
from catalog.imports import ImportedProduct, ImportResult, PriceCheck, parse_price_list
from catalog.models import Category, LedgerReason, PriceCeiling, Product, ProductStatus, StockLedgerEntry
from catalog.services import parse_purchase_rules
from catalog.stock import MAX_PRICE, MAX_UNITS

# Producers belong to the producers package, which catalog must not import; only the columns read are named.
_PRODUCER = table("producer", column("id"), column("cooperative_id"), column("business_name"))
OPENING_NOTE = "Stok awal"  # i18n: not shown (kept in the stock ledger as written)
# An uploaded price list waits this long between its preview and "apply".
UPLOAD_TTL = datetime.timedelta(hours=2)
UPLOAD_NAMESPACE = "impor-harga"
UPLOAD_EXPIRED = N_("Berkas yang diunggah sudah kedaluwarsa atau tidak ditemukan. Unggah berkasnya lagi.")
_SIZE = re.compile(r"(\d+(?:[.,]\d{1,3})?)\s*(kg|kilo|gr|gram|g|liter|ltr|l|ml)\b", re.IGNORECASE)
# Grams and milliliters per kilogram or liter, i.e. thousandths of the ceiling's unit.
_MILLI = {"kg": 1000, "kilo": 1000, "gr": 1, "gram": 1, "g": 1, "liter": 1000, "ltr": 1000, "l": 1000, "ml": 1}
_SIZE_UNITS = {"kg": {"kg", "kilo", "gr", "gram", "g"}, "liter": {"liter", "ltr", "l", "ml"}}


class NewProductForm(msgspec.Struct, kw_only=True):
    """A new product, from the staff form (every field text) or the JSON API (numbers and booleans as such)."""

    name: str = ""
    category: str = ""
    unit: str = ""
    price: str | int = ""
    stock: str | int = ""
    producer_id: str | int | None = ""
    producer_price: str | int | None = ""
    description: str = ""
    # A regulated commodity (`price_ceiling.commodity`) and how many of its units one product unit holds.
    ceiling_commodity: str = ""
    ceiling_units: str | int = ""
    max_qty_per_order: str | int | None = ""
    members_only: str | bool = ""
    requires_nik: str | bool = ""
    quota_qty: str | int | None = ""
    quota_period: str = ""


class ProductCreated(msgspec.Struct):
    id: int
    name: str
    category: str
    unit: str
    price: int
    stock: int
    producer_id: int | None
    producer_price: int


class ImportProblem(msgspec.Struct):
    row: int
    field: str
    message: str


class ImportOutcome(msgspec.Struct):
    """What the import API answers: data rows read, rows without problems, products created, every problem."""

    rows: int
    valid: int
    created: int
    errors: list[ImportProblem]


@dataclass(frozen=True)
class Commodity:
    key: str
    name: str  # "LPG 3 kg"
    unit: str  # what the ceiling is per: "tabung", "kg", "liter"
    match: str  # the name as it appears in product names: "lpg 3 kg", "beras sphp"


@dataclass
class CatalogFacts:
    """What checking new products of one cooperative needs, read once."""

    cooperative: Cooperative
    categories: dict[str, tuple[str, int]]  # name key -> (name, id)
    producers: dict[int, str]  # id -> business name, this cooperative's only
    names: set[str]  # name keys of the products it already has
    ceiling_rows: list[PriceCeiling]
    today: datetime.date
    commodities: dict[str, Commodity] = field(default_factory=dict)


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _commodities(rows: Sequence[PriceCeiling]) -> dict[str, Commodity]:
    found: dict[str, Commodity] = {}
    for row in sorted(rows, key=lambda r: r.starts_on):
        match = name_key(re.sub(r"\(.*?\)", "", row.name))
        found[row.commodity] = Commodity(row.commodity, row.name, row.unit, match)
    return found


async def catalog_facts(session: AsyncSession, cooperative: Cooperative) -> CatalogFacts:
    categories = (await session.scalars(select(Category).order_by(Category.position, Category.name))).all()
    producers = await session.execute(
        select(_PRODUCER.c.id, _PRODUCER.c.business_name).where(_PRODUCER.c.cooperative_id == cooperative.id)
    )
    names = await session.scalars(select(Product.name).where(Product.cooperative_id == cooperative.id))
    rows = list((await session.scalars(select(PriceCeiling))).all())
    return CatalogFacts(
        cooperative=cooperative,
        categories={name_key(c.name): (c.name, c.id) for c in categories},
        producers={int(pid): str(name) for pid, name in producers.all()},
        names={name_key(n) for n in names},
        ceiling_rows=rows,
        today=local_today(cooperative),
        commodities=_commodities(rows),
    )


def guess_ceiling(facts: CatalogFacts, name: str, unit: str) -> tuple[str, int] | None:
    """The regulated commodity a product name says it is ("LPG 3 kg", "Beras Medium 5 kg"), with the units_milli.

    A price list has no ceiling column; without this, a list could sell LPG above its HET. The pack size
    comes from the unit when it is the ceiling's own ("tabung", "kg"), else from a size in the name ("5 kg").
    """
    key = name_key(name)
    hits = [c for c in facts.commodities.values() if c.match and c.match in key]
    if not hits:
        return None
    commodity = max(hits, key=lambda c: len(c.match))
    if name_key(unit) == name_key(commodity.unit):
        return commodity.key, 1000
    sizes = _SIZE_UNITS.get(name_key(commodity.unit), set())
    for amount, size_unit in _SIZE.findall(name):
        if size_unit.lower() in sizes:
            return commodity.key, round(float(amount.replace(",", ".")) * _MILLI[size_unit.lower()])
    return commodity.key, 1000


def _check_price(facts: CatalogFacts, price: int, commodity: str | None, units_milli: int | None) -> list[str]:
    """The same check as the terms page and the flush guard: PriceAboveCeiling above the HET, HAP warnings."""
    applied = ceilings.applicable_ceilings(
        facts.ceiling_rows,
        commodity=commodity,
        units_milli=units_milli,
        own_het=None,
        own_het_basis=None,
        own_hap=None,
        provinsi=facts.cooperative.provinsi,
        on=facts.today,
    )
    return ceilings.check_price(price, applied)


def _units_milli(value: object, errors: dict[str, str]) -> int | None:
    text = str(value).strip().replace(",", ".") if value not in (None, "") else ""
    if not text:
        return None
    if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?", text) or float(text) <= 0:
        errors["ceiling_units"] = _("Isi per satuan diisi angka lebih dari 0, misalnya 1, 5 atau 0,5.")
        return None
    return round(float(text) * 1000)


def _producer(facts: CatalogFacts, value: object, errors: dict[str, str]) -> int | None:
    producer_id = parse_int(value, "producer_id", _("Produsen"), errors, low=1, required=False)
    if producer_id is not None and producer_id not in facts.producers:
        raise NotFound(
            _("Produsen tidak ditemukan di koperasi ini."), field_errors={"producer_id": _("Pilih produsen.")}
        )
    return producer_id


def _ceiling(
    facts: CatalogFacts, form: NewProductForm, name: str | None, unit: str | None, errors: dict[str, str]
) -> tuple[str | None, int | None]:
    commodity = form.ceiling_commodity.strip() or None
    units = _units_milli(form.ceiling_units, errors)
    if commodity is not None and commodity not in facts.commodities:
        errors["ceiling_commodity"] = _("Pilih komoditas dari daftar, atau kosongkan.")
        return None, None
    if commodity is None and name and unit:
        guessed = guess_ceiling(facts, name, unit)
        if guessed:
            commodity, guessed_units = guessed
            units = units or guessed_units
    return commodity, (units or 1000) if commodity else None


def _category(facts: CatalogFacts, value: str, errors: dict[str, str]) -> tuple[str, int] | None:
    category = facts.categories.get(name_key(value)) if value.strip() else None
    if category is None:
        known = ", ".join(name for name, _ in facts.categories.values())
        errors["category"] = (
            _("Pilih kategori: %(known)s.", known=known) if value.strip() else _("Kategori wajib dipilih.")
        )
    return category


def _check_new(facts: CatalogFacts, form: NewProductForm) -> tuple[Product, int, list[str]]:
    """The product a form describes, not yet added, its opening stock and HAP warnings; or InvalidInput."""
    errors: dict[str, str] = {}
    name = parse_text(" ".join(form.name.split()), "name", _("Nama produk"), errors, required=True, max_length=200)
    if name and name_key(name) in facts.names:
        errors["name"] = _("Produk %(name)s sudah ada di koperasi ini.", name=name)
    category = _category(facts, form.category, errors)
    unit = parse_text(form.unit, "unit", _("Satuan"), errors, required=True, max_length=40)
    price = parse_rupiah(form.price, "price", _("Harga jual"), errors, high=MAX_PRICE)
    stock = parse_int(form.stock, "stock", _("Stok awal"), errors, low=0, high=MAX_UNITS, blank=0)
    producer_id = _producer(facts, form.producer_id, errors)
    label = _("Harga produsen") if producer_id else _("Harga beli (modal)")
    cost = parse_rupiah(
        form.producer_price, "producer_price", label, errors, low=0, high=MAX_PRICE, required=bool(producer_id),
        blank=None if producer_id else 0,
    )
    if price is not None and cost is not None and cost > price:
        errors["producer_price"] = _("%(label)s tidak boleh lebih tinggi dari harga jual.", label=label)
    description = parse_text(form.description, "description", _("Keterangan"), errors, required=False, max_length=2000)
    rules = parse_purchase_rules(
        errors,
        max_qty_per_order=form.max_qty_per_order,
        members_only=form.members_only,
        requires_nik=form.requires_nik,
        quota_qty=form.quota_qty,
        quota_period=form.quota_period,
    )
    commodity, units_milli = _ceiling(facts, form, name, unit, errors)
    warnings: list[str] = []
    if price is not None and "ceiling_units" not in errors:
        try:
            warnings = _check_price(facts, price, commodity, units_milli)
        except PriceAboveCeiling as refused:
            errors["price"] = refused.message
    raise_errors(errors)
    assert name and category and unit and price is not None and stock is not None and cost is not None
    product = Product(
        cooperative_id=facts.cooperative.id,
        producer_id=producer_id,
        category_id=category[1],
        name=name,
        unit=unit,
        description=description,
        producer_price=cost,
        retail_price=price,
        stock=stock,
        ceiling_commodity=commodity,
        ceiling_units_milli=units_milli,
        status=ProductStatus.ACTIVE,
        search_aliases=[],
    )
    rules.apply_to(product)
    return product, stock, warnings


async def _add_products(session: AsyncSession, products: Sequence[Product], *, user_id: int | None) -> None:
    """Insert new products with their opening stock: one ledger row each (when there is stock) and the outbox."""
    session.add_all(products)
    await session.flush()
    session.add_all(
        StockLedgerEntry(
            product_id=p.id,
            cooperative_id=p.cooperative_id,
            delta=p.stock,
            reason=LedgerReason.INITIAL,
            user_id=user_id,
            note=OPENING_NOTE,
        )
        for p in products
        if p.stock > 0
    )
    await outbox.enqueue(session, [p.id for p in products])
    await session.flush()


@dataclass(frozen=True)
class CreatedProduct:
    product: Product
    category: str
    warnings: list[str]

    def out(self) -> ProductCreated:
        p = self.product
        return ProductCreated(
            id=p.id,
            name=p.name,
            category=self.category,
            unit=p.unit,
            price=p.retail_price,
            stock=p.stock,
            producer_id=p.producer_id,
            producer_price=p.producer_price,
        )


async def create_product(
    session: AsyncSession, cooperative: Cooperative, form: NewProductForm, *, user_id: int | None
) -> CreatedProduct:
    """Add one product (the cooperative's own goods, or a producer's of this cooperative) with its opening stock.

    Every field is checked before anything is written; a price above the HET is refused with the terms
    page's message, a producer of another cooperative is "not found". It is in the shop and, through the
    outbox, in search as soon as the transaction commits.
    """
    facts = await catalog_facts(session, cooperative)
    product, _stock, warnings = _check_new(facts, form)
    category = next(name for name, cid in facts.categories.values() if cid == product.category_id)
    await _add_products(session, [product], user_id=user_id)
    return CreatedProduct(product, category, warnings)


@dataclass(frozen=True)
class NewProductChoices:
    categories: list[str]
    producers: list[tuple[int, str]]
    commodities: list[Commodity]


async def new_product_choices(session: AsyncSession, cooperative: Cooperative) -> NewProductChoices:
    """What the new-product form offers: categories, this cooperative's producers, regulated commodities."""
    facts = await catalog_facts(session, cooperative)
    return NewProductChoices(
        categories=[name for name, _ in facts.categories.values()],
        producers=sorted(facts.producers.items(), key=lambda item: item[1].casefold()),
        commodities=sorted(facts.commodities.values(), key=lambda c: c.name),
    )


# -- price lists ---------------------------------------------------------------------------------


def _het_check(facts: CatalogFacts) -> PriceCheck:
    def check(row: ImportedProduct) -> str | None:
        guessed = guess_ceiling(facts, row.name, row.unit)
        try:
            _check_price(facts, row.price, *(guessed or (None, None)))
        except PriceAboveCeiling as refused:
            return refused.message
        return None

    return check


def check_rows(facts: CatalogFacts, data: bytes) -> ImportResult:
    """Read and check an uploaded price list against this cooperative; FileRefused when the file is unusable."""
    return parse_price_list(
        data,
        categories={name: cid for name, cid in facts.categories.values()},
        existing_names=facts.names,
        producers={name: pid for pid, name in facts.producers.items()},
        check_price=_het_check(facts),
    )


def _imported(facts: CatalogFacts, row: ImportedProduct) -> Product:
    commodity, units_milli = guess_ceiling(facts, row.name, row.unit) or (None, None)
    return Product(
        cooperative_id=facts.cooperative.id,
        producer_id=row.producer_id,
        category_id=row.category_id,
        name=row.name,
        unit=row.unit,
        producer_price=row.producer_price or 0,
        retail_price=row.price,
        stock=row.stock,
        ceiling_commodity=commodity,
        ceiling_units_milli=units_milli,
        status=ProductStatus.ACTIVE,
        search_aliases=[],
    )


@dataclass(frozen=True)
class PriceListImport:
    result: ImportResult
    created: list[Product]

    def out(self) -> ImportOutcome:
        return ImportOutcome(
            rows=self.result.rows,
            valid=len(self.result.valid),
            created=len(self.created),
            errors=[ImportProblem(e.row, e.field, e.message) for e in self.result.errors],
        )


async def import_price_list(
    session: AsyncSession, cooperative: Cooperative, data: bytes, *, user_id: int | None, dry_run: bool
) -> PriceListImport:
    """Check a price list and, unless `dry_run`, create every row in the caller's transaction.

    All or nothing: when any row has a problem, nothing is created and the problems are returned.
    """
    facts = await catalog_facts(session, cooperative)
    result = check_rows(facts, data)
    if dry_run or result.errors or not result.valid:
        return PriceListImport(result, [])
    products = [_imported(facts, row) for row in result.valid]
    await _add_products(session, products, user_id=user_id)
    return PriceListImport(result, products)


# -- the uploaded file between preview and apply -------------------------------------------------


class _KeptUpload(msgspec.Struct):
    cooperative_id: int
    user_id: int
    data: bytes


async def keep_upload(session: AsyncSession, cooperative_id: int, user_id: int, data: bytes) -> str:
    """Keep an uploaded list in the database (shared by every worker) until it is applied; returns its key.

    It sits in the server-side session table under its own namespace, so the hourly housekeeping that
    removes expired sessions removes forgotten uploads too, and nothing stays on a worker's disk.
    """
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            key=key,
            namespace=UPLOAD_NAMESPACE,
            value=msgspec.msgpack.encode(_KeptUpload(cooperative_id, user_id, data)),
            expires_at=datetime.datetime.now(datetime.UTC) + UPLOAD_TTL,
        )
    )
    await session.flush()
    return key


async def kept_upload(session: AsyncSession, key: str, cooperative_id: int, user_id: int) -> bytes:
    """The list kept by `keep_upload`, only for the person and cooperative that uploaded it."""
    row = await session.scalar(
        select(WebSession).where(WebSession.namespace == UPLOAD_NAMESPACE, WebSession.key == key[:255])
    )
    if row is None or row.expires_at < datetime.datetime.now(datetime.UTC):
        raise NotFound(_(UPLOAD_EXPIRED))
    kept = msgspec.msgpack.decode(row.value, type=_KeptUpload)
    if kept.cooperative_id != cooperative_id or kept.user_id != user_id:
        raise NotFound(_(UPLOAD_EXPIRED))
    return kept.data


async def drop_upload(session: AsyncSession, key: str) -> None:
    await session.execute(
        delete(WebSession).where(WebSession.namespace == UPLOAD_NAMESPACE, WebSession.key == key[:255])
    )


__all__ = [
    "CreatedProduct",
    "ImportOutcome",
    "NewProductChoices",
    "NewProductForm",
    "PriceListImport",
    "ProductCreated",
    "catalog_facts",
    "check_rows",
    "create_product",
    "drop_upload",
    "guess_ceiling",
    "import_price_list",
    "keep_upload",
    "kept_upload",
    "new_product_choices",
]
