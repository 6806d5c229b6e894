"""A synthetic Kalimantan Selatan for benchmarks: a cooperative per desa/kelurahan and a year of trade, bulk-loaded."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app import nik_vault, regions
from app.db import DatabaseConfig, metadata
from app.demo.bulk import BulkWriter
from app.demo.loader import load_catalog, order_prefix, slugify
from app.demo.trade import DAYS, ZONES, Coop, Item, Template, Trade, Village
from app.secret_key import resolve_secret_keys
from app.settings import Settings
from orders import rollups
from search.relay import rebuild_index
from search.synthetic import ORIGINS, PRODUCER_FORMS, PRODUCER_NAMES, PRODUCT_KINDS, QUALITIES

PROVINCE_CODE = "63"
PROVINCE = "Kalimantan Selatan"
TIMEZONE = "Asia/Makassar"
# The full province (scale 1): active cooperatives, products per cooperative, members, orders in a year.
FULL_ACTIVE, PRODUCTS_EACH, FULL_MEMBERS, FULL_ORDERS = 140, 150, 50_000, 1_000_000
PRODUCERS_EACH = 12
FLUSH_ROWS = 150_000
MARKER = "Koperasi sintetis untuk uji beban"
Progress = Callable[[str], object]


@dataclass(frozen=True)
class Plan:
    scale: float
    active: int
    stocked: int  # cooperatives with a catalog, the active ones first
    members: int
    orders_per_day: float  # per active cooperative


def read_villages() -> list[Village]:
    """Every desa/kelurahan of province 63 with its kecamatan and kabupaten/kota names."""
    names = {row.code: row.name for row in regions.read_regions(prefixes=(PROVINCE_CODE,))}
    return [
        Village(kode, name, names[kode[:8]], names[kode[:5]], kode[9] == "1")
        for kode, name in sorted(names.items())
        if len(kode) == 13
    ]


def make_plan(scale: float, villages: int) -> Plan:
    """Every count shrinks with `scale`; the cooperatives do not (one per desa/kelurahan, always)."""
    if not 0 < scale <= 1:
        raise ValueError("scale harus di antara 0 dan 1")
    active = min(villages, max(2, round(FULL_ACTIVE * scale)))
    orders = max(50 * active, round(FULL_ORDERS * scale))
    return Plan(
        scale=scale,
        active=active,
        stocked=min(villages, max(active, round(villages * scale))),
        members=max(10 * active, round(FULL_MEMBERS * scale)),
        orders_per_day=orders / active / DAYS,
    )


def templates(rng: random.Random) -> tuple[list[Template], list[Template]]:
    """The demo's own products, and many more made from the search benchmark's kinds, qualities and towns."""
    demo: dict[str, Template] = {}
    for p in load_catalog()["products"]:
        demo.setdefault(p["name"], Template(
            p["name"], p["category"], p.get("subcategory"), p["unit"], p.get("pack_size"), int(p["retail_price"]),
            int(p["producer_price"]), p.get("het"), p.get("het_basis"), p.get("hap"), p.get("max_qty_per_order"),
            tuple(p.get("search_aliases") or ()), p.get("description") or p["name"], p["supplier_type"] == "umkm",
        ))
    made = []
    own = {"Sembako", "Minuman", "Kebutuhan Rumah Tangga", "Jasa"}
    for kind in PRODUCT_KINDS:
        low, high = kind.price
        for size in kind.sizes:
            for word in QUALITIES + ORIGINS:
                retail = rng.randrange(low, high + 1, 500) if high - low >= 500 else low
                made.append(Template(
                    f"{kind.name} {word} {size}", kind.category, None, rng.choice(kind.units), size, retail,
                    retail * rng.randint(78, 90) // 100 // 100 * 100, None, None, None, None, kind.aliases,
                    f"{kind.name} {word}, kemasan {size}. Dijual lewat koperasi desa.", kind.category not in own,
                ))
    return list(demo.values()), made


class Province(Trade):
    """The cooperatives, their people and catalogs. Deterministic for a seed, apart from the current date."""

    def __init__(self, writer: BulkWriter, plan: Plan, seed: int, password_hash: str) -> None:
        super().__init__(writer, random.Random(seed), plan.orders_per_day)
        self.plan = plan
        self.password_hash = password_hash
        self.categories: dict[str, int] = {}
        self.demo_templates, self.made_templates = templates(self.rng)
        self.phones = 0

    def user(self, name: str, prefix: str, nik: str | None = None) -> tuple[int, str]:
        self.phones += 1
        uid = self.w.new_id("user_account")
        phone = f"+62{prefix}{self.phones:07d}"
        nik_hash, nik_sealed = nik_vault.vault().seal(nik)
        self.w.add("user_account", {
            "id": uid, "phone": phone, "name": name, "password_hash": self.password_hash, "is_active": True,
            "dusun": None, "rt": None, "rw": None, "landmark": None, "nik_hash": nik_hash, "nik_sealed": nik_sealed,
            "session_epoch": 0, **self.stamps(),
        })
        return uid, phone

    def membership(self, user_id: int, coop_id: int, role: str) -> None:
        self.w.add("membership", {
            "id": self.w.new_id("membership"), "user_id": user_id, "cooperative_id": coop_id, "role": role,
            "status": "approved", **self.stamps(),
        })

    def cooperative(self, village: Village, slug: str, active: bool) -> Coop:
        kind = "Kelurahan" if village.kelurahan else "Desa"
        cid = self.w.new_id("cooperative")
        staff_id, phone = self.user(f"Staf KMP {village.desa}", "811")
        self.w.add("cooperative", {
            "id": cid, "slug": slug, "name": f"Koperasi {kind} Merah Putih {village.desa}",
            "short_name": f"K{kind[0]}MP {village.desa}"[:80], "order_prefix": order_prefix(slug),
            "street": None, "rt": None, "rw": None, "dusun": None, "desa": village.desa,
            "kecamatan": village.kecamatan, "kabupaten": village.kabupaten, "provinsi": PROVINCE,
            "kode_wilayah": village.kode, "kode_pos": None, "landmark": None, "whatsapp": phone.lstrip("+"),
            "timezone": TIMEZONE, "description": f"{MARKER}, {village.desa}.", "is_demo": True, "is_active": True,
            "bank_name": "Bank Kalsel" if active else None,
            "bank_account_number": f"0{cid:011d}" if active else None,
            "bank_account_name": f"Koperasi {village.desa}" if active else None,
            "qris_is_demo": False, **self.stamps(),
        })
        self.membership(staff_id, cid, "pengurus")
        coop = Coop(cid, slug, order_prefix(slug), village, staff_id, f"Staf: Staf KMP {village.desa}", active)
        if active:
            for position, (name, fee) in enumerate(ZONES):
                self.w.add("delivery_zone", {
                    "id": self.w.new_id("delivery_zone"), "cooperative_id": cid, "name": name, "fee": fee,
                    "position": position, "is_active": True, **self.stamps(),
                })
            for number in (1, 2):
                courier_id, name = self.w.new_id("courier"), f"Kurir {number} {village.desa}"
                self.w.add("courier", {
                    "id": courier_id, "cooperative_id": cid, "user_id": None, "name": name, "phone": None,
                    "is_active": True, **self.stamps(),
                })
                coop.couriers.append((courier_id, name))
        return coop

    def members(self, coops: list[Coop]) -> None:
        for number in range(self.plan.members):
            coop = coops[number % len(coops)]
            name = self.person()
            nik = f"{coop.village.kode.replace('.', '')[:6]}{number:010d}" if number % 2 else None
            uid, phone = self.user(name, "857", nik)
            self.membership(uid, coop.id, "member")
            coop.members.append((uid, name, phone))

    def catalog(self, coop: Coop) -> list[Item]:
        """About 150 products; an active cooperative's UMKM goods come from its producers."""
        rng = self.rng
        if coop.active:
            for number in range(PRODUCERS_EACH):
                pid = self.w.new_id("producer")
                name = f"{rng.choice(PRODUCER_FORMS)} {rng.choice(PRODUCER_NAMES)} {coop.village.desa}"
                uid, phone = self.user(name, "852")
                self.w.add("producer", {
                    "id": pid, "cooperative_id": coop.id, "slug": f"{slugify(name)}-{number + 1}",
                    "business_name": name, "scale": "usaha mikro", "description": None, "desa": coop.village.desa,
                    "kecamatan": coop.village.kecamatan, "kabupaten": coop.village.kabupaten, "phone": phone,
                    **self.stamps(),
                })
                self.membership(uid, coop.id, "member")
                self.w.add("producer_account", {
                    "id": self.w.new_id("producer_account"), "user_id": uid, "producer_id": pid,
                    "cooperative_id": coop.id, **self.stamps(),
                })
                coop.producers.append(pid)
        count = rng.randint(PRODUCTS_EACH - 30, PRODUCTS_EACH + 30)
        chosen = rng.sample(self.demo_templates, 30) + rng.sample(self.made_templates, count - 30)
        items = []
        for template in chosen:
            # A ceiling never moves up: goods with one keep the demo's price.
            retail = template.retail if template.het or template.hap else template.retail // 100 * rng.randint(95, 105)
            producer = rng.choice(coop.producers) if template.umkm and coop.producers else None
            items.append(Item(self.w.new_id("product"), producer, template, max(100, retail),
                              min(template.producer_price, retail)))
        return items

    def write_products(self, coop: Coop, items: list[Item]) -> None:
        """Products with the stock their ledger adds up to, and the opening stock that makes it non-negative."""
        for item in items:
            t = item.template
            opening = self.rng.randint(20, 200) + max(0, -item.delta)
            self.w.add("product", {
                "id": item.id, "cooperative_id": coop.id, "producer_id": item.producer_id,
                "category_id": self.categories[t.category], "external_id": None, "name": t.name,
                "description": t.description, "subcategory": t.subcategory, "unit": t.unit,
                "pack_size": t.pack_size, "producer_price": item.producer_price, "retail_price": item.retail,
                "het": t.het, "het_basis": t.het_basis, "hap": t.hap, "ceiling_commodity": None,
                "ceiling_units_milli": None, "max_qty_per_order": t.max_qty, "purchase_rules": None,
                "members_only": False, "requires_nik": False, "quota_qty": None, "quota_period": None,
                "stock": opening + item.delta, "status": "active", "search_aliases": list(t.aliases),
                "popularity": item.sold, **self.stamps(),
            })
            self.ledger(coop.id, item.id, opening, "initial", None, self.stamp, "Stok awal")

    async def prepare(self, conn: AsyncConnection) -> None:
        """Reuse the demo's categories, add the missing ones, and remember order numbers already taken."""
        category = metadata.tables["category"]
        self.categories = {r.name: r.id for r in (await conn.execute(select(category.c.name, category.c.id))).all()}
        for position, name in enumerate(load_catalog()["categories"]):
            if name not in self.categories:
                self.categories[name] = self.w.new_id("category")
                self.w.add("category", {
                    "id": self.categories[name], "slug": slugify(name), "name": name, "position": position,
                    **self.stamps(),
                })
        orders = metadata.tables["customer_order"]
        self.taken_numbers = set((await conn.scalars(select(orders.c.number))).all())


async def load_province(
    conn: AsyncConnection, *, postgres: bool, plan: Plan, seed: int, password_hash: str, progress: Progress
) -> tuple[BulkWriter, int] | None:
    """Write everything in a few transactions; None when the province is already there."""
    cooperative = metadata.tables["cooperative"]
    if await conn.scalar(select(func.count()).where(cooperative.c.description.startswith(MARKER))):
        return None
    existing = await conn.execute(select(cooperative.c.kode_wilayah, cooperative.c.slug))
    covered, slugs = set(), set()
    for kode, slug in existing.all():
        covered.add(kode)
        slugs.add(slug)
    writer = BulkWriter(conn, postgres)
    await writer.start()
    province = Province(writer, plan, seed, password_hash)
    await province.prepare(conn)
    villages = [v for v in read_villages() if v.kode not in covered]
    # Active and stocked cooperatives are spread over the whole province, not the first kabupaten.
    ranks = {v.kode: rank for rank, v in enumerate(province.rng.sample(villages, len(villages)))}
    coops = []
    for village in villages:
        slug = slugify(village.desa)
        for candidate in (slug, f"{slug}-{slugify(village.kecamatan)}", f"{slug}-{village.kode.replace('.', '')}"):
            if candidate not in slugs:
                slugs.add(candidate)
                coops.append(province.cooperative(village, candidate, ranks[village.kode] < plan.active))
                break
    coops.sort(key=lambda c: ranks[c.village.kode])
    province.members([c for c in coops if c.active])
    started = time.perf_counter()
    await writer.flush()
    progress(f"{len(coops)} koperasi dan {plan.members} anggota ditulis")
    orders = 0
    stocked = coops[: plan.stocked]
    for index, coop in enumerate(stocked, start=1):
        items = province.catalog(coop)
        if coop.active:
            orders += province.history(coop, items)
        province.write_products(coop, items)
        if writer.pending >= FLUSH_ROWS or index == len(stocked):
            await writer.flush()
            elapsed = time.perf_counter() - started
            progress(
                f"koperasi {index}/{len(stocked)}: {orders:,} pesanan, {writer.total:,} baris, "
                f"{writer.total / max(elapsed, 1e-6):,.0f} baris/dtk"
            )
    await writer.reset_sequences()
    return writer, orders


async def generate_province(
    settings: Settings, *, scale: float = 1.0, seed: int = 1, progress: Progress = print
) -> str:
    """Fill a migrated database with the synthetic province, then rebuild the search index (both timed)."""
    from app.auth import hash_password
    from app.db import write_intent
    from app.registry import import_models

    import_models()
    nik_vault.configure(resolve_secret_keys(settings))
    plan = make_plan(scale, len(read_villages()))
    db = DatabaseConfig(settings)
    started = time.perf_counter()
    token = write_intent.set(True)
    try:
        async with db.engine.connect() as conn:
            loaded = await load_province(
                conn, postgres=not settings.is_sqlite, plan=plan, seed=seed,
                password_hash=hash_password(settings.demo_password), progress=progress,
            )
    finally:
        write_intent.reset(token)
        await db.dispose()
    if loaded is None:
        return "Provinsi sintetis sudah ada; tidak dimuat ulang."
    writer, orders = loaded
    db = DatabaseConfig(settings)
    try:
        progress(await rollups.rebuild_database(db))
    finally:
        await db.dispose()
    load_s = time.perf_counter() - started
    progress(f"dimuat dalam {load_s:.1f} dtk; membangun ulang indeks pencarian")
    started = time.perf_counter()
    progress(await rebuild_index(settings))
    reindex_s = time.perf_counter() - started
    products = writer.written.get("product", 0)
    return (
        f"Provinsi sintetis dimuat (skala {scale}): {writer.written.get('cooperative', 0):,} koperasi, "
        f"{products:,} produk, {orders:,} pesanan, {writer.total:,} baris dalam {load_s:.1f} dtk "
        f"({writer.total / max(load_s, 1e-6):,.0f} baris/dtk); indeks pencarian {reindex_s:.1f} dtk."
    )
