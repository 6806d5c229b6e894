"""Loads the demo cooperatives, producers, products and accounts when the database is empty."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_password
from app.demo.history import load_demo_history
from app.demo.money import load_demo_money
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.text import normalise_phone
from catalog import outbox
from catalog import services as catalog
from catalog.models import Category, LedgerReason, Product, ProductStatus, StockLedgerEntry
from orders import qris, rollups
from orders.models import DeliveryZone
from producers.models import Producer, ProducerAccount

DEMO_DIR = Path(__file__).resolve().parent
CATALOG_FILE = DEMO_DIR / "demo_catalog.json"
COMMERCE_FILE = DEMO_DIR / "demo_commerce.json"
RESIDENT_PHONE = "081200009001"
RESIDENT_NAME = "Siti Aisyah (warga demo)"


@dataclass(frozen=True)
class DemoSummary:
    cooperatives: int
    producers: int
    products: int
    users: int


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def cooperative_slug(external_id: str) -> str:
    return external_id.removeprefix("kdmp-")


def order_prefix(slug: str) -> str:
    words = [w for w in slug.split("-") if w]
    if len(words) == 1:
        return words[0][:3].upper()
    initials = "".join(w[0] for w in words)
    return (initials + words[-1][1:])[:3].upper()


def load_catalog(path: Path = CATALOG_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def apply_payment_and_delivery(session: AsyncSession, coop: Cooperative, settings: dict[str, Any]) -> None:
    """A demo cooperative's bank account, a made-up static QRIS (marked as demo), and its delivery zones."""
    bank = settings.get("bank") or {}
    coop.bank_name = bank.get("bank_name")
    coop.bank_account_number = bank.get("account_number")
    coop.bank_account_name = bank.get("account_name")
    if merchant := settings.get("qris"):
        payload = qris.make_demo_static(
            merchant["merchant_name"], merchant["city"], coop.kode_pos or "70000", merchant["nmid"]
        )
        info = qris.validate_static(payload)
        coop.qris_payload, coop.qris_is_demo = payload, True
        coop.qris_merchant_name, coop.qris_merchant_city, coop.qris_nmid = (
            info.merchant_name,
            info.merchant_city,
            info.nmid,
        )
    zones = settings.get("zones") or []
    for position, (name, fee) in enumerate(zones):
        session.add(DeliveryZone(cooperative_id=coop.id, name=name, fee=int(fee), position=position))
    # The ready-to-sell checklist's answers, so the demo shops are open and can close and reopen like any other.
    methods = ["cash"] + (["transfer"] if coop.accepts_transfer else []) + (["qris"] if coop.accepts_qris else [])
    coop.payment_methods = ",".join(methods)
    coop.delivery_mode = "zones" if zones else "pickup_only"
    coop.opening_hours = settings.get("opening_hours") or "Senin–Sabtu 08.00–17.00, Minggu 08.00–12.00"
    coop.pickup_address = ", ".join(
        part for part in (coop.street, f"Desa {coop.desa}", f"Kec. {coop.kecamatan}", coop.landmark) if part
    )
    coop.opened_at = coop.created_at


def apply_product_rules(product: Product, external_id: str, rules: dict[str, Any]) -> None:
    """Link a regulated product to its ceiling (the table, not a copy) and set who may buy how much."""
    rule = rules.get(external_id.split("--", 1)[-1])
    if not rule:
        return
    if ceiling := rule.get("ceiling"):
        product.ceiling_commodity, product.ceiling_units_milli = ceiling[0], int(ceiling[1])
        product.het = product.het_basis = product.hap = None
    product.members_only = bool(rule.get("members_only"))
    product.requires_nik = bool(rule.get("requires_nik"))
    if quota := rule.get("quota"):
        product.quota_qty, product.quota_period = int(quota[0]), quota[1]


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Cooperative))


async def load_demo(session: AsyncSession, password: str, path: Path = CATALOG_FILE) -> DemoSummary:
    """Insert the demo data. The caller commits; run only on an empty database."""
    data = load_catalog(path)
    commerce = load_catalog(COMMERCE_FILE)
    password_hash = hash_password(password)
    # Ceilings first: every product flush is checked against them.
    await catalog.load_ceilings(session, catalog.read_ceilings())
    categories = await _add_categories(session, data["categories"])
    cooperatives = await _add_cooperatives(session, data["cooperatives"], commerce["cooperatives"])
    users = await _add_staff_and_resident(session, data["cooperatives"], cooperatives, password_hash)
    producers = await _add_producers(session, data["producers"], cooperatives)
    users += await add_producer_accounts(session, list(producers.values()), password_hash)
    products = await _add_products(
        session, data["products"], cooperatives, producers, categories, commerce["product_rules"]
    )
    await outbox.enqueue(session, [p.id for p in products])
    await session.flush()
    await load_demo_history(session)
    await session.flush()
    await load_demo_money(session, RESIDENT_PHONE)
    await rollups.rebuild(session)
    return DemoSummary(cooperatives=len(cooperatives), producers=len(producers), products=len(products), users=users)


async def _add_categories(session: AsyncSession, names: list[str]) -> dict[str, Category]:
    """The catalog's categories by name, reusing any that already exist. Not flushed yet."""
    categories: dict[str, Category] = {}
    for position, name in enumerate(names):
        slug = slugify(name)
        existing = await session.scalar(select(Category).where(Category.slug == slug))
        categories[name] = existing or Category(slug=slug, name=name, position=position)
        session.add(categories[name])
    return categories


def _cooperative(row: dict[str, Any]) -> Cooperative:
    address = row["address"]
    slug = cooperative_slug(row["id"])
    return Cooperative(
        slug=slug,
        name=row["name"],
        short_name=row["short_name"],
        order_prefix=order_prefix(slug),
        street=address.get("jalan"),
        rt=address.get("rt"),
        rw=address.get("rw"),
        dusun=address.get("dusun"),
        desa=address["desa_kelurahan"],
        kecamatan=address["kecamatan"],
        kabupaten=address["kabupaten_kota"],
        provinsi=address["provinsi"],
        kode_wilayah=address.get("kode_wilayah"),
        kode_pos=address.get("kode_pos"),
        landmark=address.get("patokan"),
        whatsapp=normalise_phone(row["phone"]).lstrip("+"),
        description=row.get("notes"),
        is_demo=True,
    )


async def _add_cooperatives(
    session: AsyncSession, rows: list[dict[str, Any]], settings: dict[str, Any]
) -> dict[str, Cooperative]:
    """The demo cooperatives by their catalog id, with their payment details and delivery zones."""
    cooperatives: dict[str, Cooperative] = {}
    for row in rows:
        coop = _cooperative(row)
        session.add(coop)
        cooperatives[row["id"]] = coop
    await session.flush()
    for coop in cooperatives.values():
        apply_payment_and_delivery(session, coop, settings.get(coop.slug, {}))
    return cooperatives


async def _add_staff_and_resident(
    session: AsyncSession, rows: list[dict[str, Any]], cooperatives: dict[str, Cooperative], password_hash: str
) -> int:
    """A staff login per cooperative (its phone) and one resident member of the first. Returns the count."""
    users = 0
    for row in rows:
        coop = cooperatives[row["id"]]
        staff = User(phone=normalise_phone(row["phone"]), name=f"Staf {coop.short_name}", password_hash=password_hash)
        session.add(staff)
        await session.flush()
        session.add(
            Membership(user_id=staff.id, cooperative_id=coop.id, role=Role.PENGURUS, status=MembershipStatus.APPROVED)
        )
        users += 1

    first = cooperatives[rows[0]["id"]]
    resident = User(phone=normalise_phone(RESIDENT_PHONE), name=RESIDENT_NAME, password_hash=password_hash)
    session.add(resident)
    await session.flush()
    session.add(
        Membership(user_id=resident.id, cooperative_id=first.id, role=Role.MEMBER, status=MembershipStatus.APPROVED)
    )
    users += 1
    return users


async def _add_producers(
    session: AsyncSession, rows: list[dict[str, Any]], cooperatives: dict[str, Cooperative]
) -> dict[str, Producer]:
    """The demo producers (UMKM) by their catalog id."""
    producers: dict[str, Producer] = {}
    for p in rows:
        address = p.get("address") or {}
        producer = Producer(
            cooperative_id=cooperatives[p["cooperative_id"]].id,
            slug=p["id"],
            business_name=p["business_name"],
            scale=p.get("scale"),
            description=p.get("description"),
            desa=address.get("desa_kelurahan"),
            kecamatan=address.get("kecamatan"),
            kabupaten=address.get("kabupaten_kota"),
            phone=normalise_phone(p["phone"]) if p.get("phone") else None,
        )
        session.add(producer)
        producers[p["id"]] = producer
    await session.flush()
    return producers


async def _add_products(
    session: AsyncSession,
    rows: list[dict[str, Any]],
    cooperatives: dict[str, Cooperative],
    producers: dict[str, Producer],
    categories: dict[str, Category],
    rules: dict[str, Any],
) -> list[Product]:
    """The demo products, active, each with its opening stock in the ledger."""
    products: list[Product] = []
    for p in rows:
        coop = cooperatives[p["cooperative_id"]]
        supplier = producers.get(p["supplier_id"]) if p["supplier_type"] == "umkm" else None
        product = Product(
            cooperative_id=coop.id,
            producer_id=supplier.id if supplier else None,
            category_id=categories[p["category"]].id,
            external_id=p["id"],
            name=p["name"],
            description=p.get("description"),
            subcategory=p.get("subcategory"),
            unit=p["unit"],
            pack_size=p.get("pack_size"),
            producer_price=int(p["producer_price"]),
            retail_price=int(p["retail_price"]),
            het=p.get("het"),
            het_basis=p.get("het_basis"),
            hap=p.get("hap"),
            max_qty_per_order=p.get("max_qty_per_order"),
            purchase_rules=p.get("purchase_rules"),
            stock=int(p["initial_stock"]),
            status=ProductStatus.ACTIVE,
            search_aliases=list(p.get("search_aliases") or []),
        )
        apply_product_rules(product, p["id"], rules)
        session.add(product)
        products.append(product)
    await session.flush()
    for product in products:
        session.add(
            StockLedgerEntry(
                product_id=product.id,
                cooperative_id=product.cooperative_id,
                delta=product.stock,
                reason=LedgerReason.INITIAL,
                note="Stok awal demo",
            )
        )
    return products


async def add_producer_accounts(session: AsyncSession, producers: list[Producer], password_hash: str) -> int:
    """Each demo producer with a phone gets a login (that phone, the demo password) for its UMKM, and is a
    member of its cooperative, as supplying UMKM usually are."""
    made = 0
    for producer in producers:
        if not producer.phone:
            continue
        user = User(phone=producer.phone, name=producer.business_name, password_hash=password_hash)
        session.add(user)
        await session.flush()
        session.add(
            Membership(
                user_id=user.id, cooperative_id=producer.cooperative_id, role=Role.MEMBER,
                status=MembershipStatus.APPROVED,
            )
        )
        session.add(ProducerAccount(user_id=user.id, producer_id=producer.id, cooperative_id=producer.cooperative_id))
        made += 1
    await session.flush()
    return made
