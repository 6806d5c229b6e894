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
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from app.text import normalise_phone
from catalog.models import Category, LedgerReason, Product, ProductStatus, StockLedgerEntry
from producers.models import Producer, ProducerAccount
from search import outbox

DEMO_DIR = Path(__file__).resolve().parent
CATALOG_FILE = DEMO_DIR / "demo_catalog.json"
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


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Cooperative))


async def load_demo(session: AsyncSession, password: str, path: Path = CATALOG_FILE) -> DemoSummary:
    """Insert the demo data. The caller commits; run only on an empty database."""
    data = load_catalog(path)
    password_hash = hash_password(password)

    categories: dict[str, Category] = {}
    for position, name in enumerate(data["categories"]):
        slug = slugify(name)
        existing = await session.scalar(select(Category).where(Category.slug == slug))
        categories[name] = existing or Category(slug=slug, name=name, position=position)
        session.add(categories[name])

    cooperatives: dict[str, Cooperative] = {}
    users = 0
    for c in data["cooperatives"]:
        address = c["address"]
        slug = cooperative_slug(c["id"])
        coop = Cooperative(
            slug=slug,
            name=c["name"],
            short_name=c["short_name"],
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
            whatsapp=normalise_phone(c["phone"]).lstrip("+"),
            description=c.get("notes"),
            is_demo=True,
        )
        session.add(coop)
        cooperatives[c["id"]] = coop
    await session.flush()

    for c in data["cooperatives"]:
        coop = cooperatives[c["id"]]
        staff = User(phone=normalise_phone(c["phone"]), name=f"Staf {coop.short_name}", password_hash=password_hash)
        session.add(staff)
        await session.flush()
        session.add(
            Membership(user_id=staff.id, cooperative_id=coop.id, role=Role.STAFF, status=MembershipStatus.APPROVED)
        )
        users += 1

    first = cooperatives[data["cooperatives"][0]["id"]]
    resident = User(phone=normalise_phone(RESIDENT_PHONE), name=RESIDENT_NAME, password_hash=password_hash)
    session.add(resident)
    await session.flush()
    session.add(
        Membership(user_id=resident.id, cooperative_id=first.id, role=Role.MEMBER, status=MembershipStatus.APPROVED)
    )
    users += 1

    producers: dict[str, Producer] = {}
    for p in data["producers"]:
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
    users += await add_producer_accounts(session, list(producers.values()), password_hash)

    products: list[Product] = []
    for p in data["products"]:
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
    await outbox.enqueue(session, [p.id for p in products])
    await session.flush()
    await load_demo_history(session)
    return DemoSummary(cooperatives=len(cooperatives), producers=len(producers), products=len(products), users=users)


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
