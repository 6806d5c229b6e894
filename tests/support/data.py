"""Test data helpers: fresh products with known stock, logged-in clients, CSRF tokens."""

from __future__ import annotations

import itertools
import random
import re

import httpx
from sqlalchemy import func, select

from app.db import DatabaseConfig
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from catalog import outbox
from catalog.models import Category, LedgerReason, Product, StockLedgerEntry
from orders.models import Order, OrderEvent, Payment

STAFF_PHONES = {"lok-baintan": "081200000101", "telaga-bidadari": "081200000202", "tabanio": "081200000303"}

_counter = itertools.count(1)


async def cooperative(db: DatabaseConfig, slug: str) -> Cooperative:
    async with db.session() as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert coop is not None
        return coop


async def make_product(
    db: DatabaseConfig,
    slug: str = "lok-baintan",
    *,
    stock: int = 10,
    price: int = 12_000,
    producer_price: int = 10_000,
    max_qty: int | None = None,
    name: str | None = None,
    members_only: bool = False,
    requires_nik: bool = False,
    quota: tuple[int, str] | None = None,
    ceiling: tuple[str, int] | None = None,
) -> Product:
    """A product nobody else touches, so a test can reason about its exact stock."""
    async with db.session(write=True) as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        category = await session.scalar(select(Category).order_by(Category.position))
        assert coop is not None and category is not None
        product = Product(
            cooperative_id=coop.id,
            producer_id=None,
            category_id=category.id,
            name=name or f"Produk uji {next(_counter)}",
            unit="bungkus",
            producer_price=producer_price,
            retail_price=price,
            stock=stock,
            max_qty_per_order=max_qty,
            search_aliases=[],
            members_only=members_only,
            requires_nik=requires_nik,
            quota_qty=quota[0] if quota else None,
            quota_period=quota[1] if quota else None,
            ceiling_commodity=ceiling[0] if ceiling else None,
            ceiling_units_milli=ceiling[1] if ceiling else None,
        )
        session.add(product)
        await session.flush()
        session.add(
            StockLedgerEntry(product_id=product.id, cooperative_id=coop.id, delta=stock, reason=LedgerReason.INITIAL)
        )
        await outbox.enqueue(session, [product.id])
        await session.commit()
        return product


async def stock_of(db: DatabaseConfig, product_id: int) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(Product.stock).where(Product.id == product_id)) or 0)


async def ledger_sum(db: DatabaseConfig, product_id: int) -> int:
    async with db.session() as session:
        return int(
            await session.scalar(
                select(func.coalesce(func.sum(StockLedgerEntry.delta), 0)).where(
                    StockLedgerEntry.product_id == product_id
                )
            )
            or 0
        )


async def order_count(db: DatabaseConfig, cooperative_id: int | None = None) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(Order)
        if cooperative_id is not None:
            query = query.where(Order.cooperative_id == cooperative_id)
        return int(await session.scalar(query) or 0)


async def csrf_token(client: httpx.AsyncClient, path: str = "/masuk") -> str:
    """Load a page so the CSRF cookie is set, and return the token a form would carry."""
    response = await client.get(path)
    token = client.cookies.get("csrftoken")
    if token is None:
        match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
        assert match, "no CSRF token on the page"
        token = match.group(1)
    return token


async def login(client: httpx.AsyncClient, phone: str, password: str) -> httpx.Response:
    token = await csrf_token(client)
    return await client.post("/masuk", data={"phone": phone, "password": password, "_csrf_token": token})


def order_body(product_id: int, quantity: int = 1, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "customer": {"name": "Ibu Rahmah", "phone": "0812-3456-7890"},
        "fulfilment": "pickup",
        "payment_method": "cash",
        "lines": [{"product_id": product_id, "quantity": quantity}],
    }
    body.update(overrides)
    return body


_phones = itertools.count(1)


def new_phone() -> str:
    """A phone number no other test uses (the demo data uses 0812-0000-xxxx)."""
    return f"0857{random.randint(1000, 9999)}{next(_phones):04d}"


_niks = itertools.count(1)


def new_nik() -> str:
    """A structurally valid NIK (region 630304, born 15-06-1990) no other test uses."""
    return f"630304150690{next(_niks):04d}"


async def signup(client: httpx.AsyncClient, phone: str | None = None, name: str = "Warga Uji") -> str:
    """Create a resident account through the sign-up form, then sign in as a person would. Returns the phone."""
    phone = phone or new_phone()
    token = await csrf_token(client, "/daftar")
    response = await client.post(
        "/daftar", data={"name": name, "phone": phone, "password": "sandi-warga-uji", "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    signed_in = await login(client, phone, "sandi-warga-uji")
    assert signed_in.status_code == 303, signed_in.text
    return phone


async def set_nik(client: httpx.AsyncClient, nik: str, name: str = "Warga Uji") -> httpx.Response:
    token = await csrf_token(client, "/akun/profil")
    return await client.post("/akun/profil", data={"name": name, "nik": nik, "_csrf_token": token})


async def make_member(
    db: DatabaseConfig, phone: str, slug: str = "lok-baintan", status: str = MembershipStatus.APPROVED
) -> None:
    """Record a membership straight in the database (the approval flow has its own tests)."""
    async with db.session(write=True) as session:
        user = await session.scalar(select(User).where(User.phone == "+62" + phone.lstrip("0")))
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert user is not None and coop is not None
        session.add(Membership(user_id=user.id, cooperative_id=coop.id, role=Role.MEMBER, status=status))
        await session.commit()


async def resident(
    stack_url: str, db: DatabaseConfig, *, member_of: str | None = None, nik: bool = False
) -> httpx.AsyncClient:
    """A signed-in resident client, optionally an approved member and with a NIK on the profile."""
    client = httpx.AsyncClient(base_url=stack_url, timeout=60)
    phone = await signup(client)
    if member_of:
        await make_member(db, phone, member_of)
    if nik:
        response = await set_nik(client, new_nik())
        assert response.status_code == 303, response.text
    return client


async def staff(stack_url: str, slug: str = "lok-baintan") -> httpx.AsyncClient:
    """A client signed in (through the JSON API) as the demo staff of a cooperative."""
    from tests.conftest import DEMO_PASSWORD

    client = httpx.AsyncClient(base_url=stack_url, timeout=60)
    response = await client.post("/api/auth/login", json={"phone": STAFF_PHONES[slug], "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return client


async def order_row(db: DatabaseConfig, number: str) -> Order:
    async with db.session() as session:
        order = await session.scalar(select(Order).where(Order.number == number))
        assert order is not None
        return order


async def events_of(db: DatabaseConfig, number: str) -> list[OrderEvent]:
    async with db.session() as session:
        rows = await session.scalars(
            select(OrderEvent)
            .join(Order, Order.id == OrderEvent.order_id)
            .where(Order.number == number)
            .order_by(OrderEvent.id)
        )
        return list(rows)


async def payments_of(db: DatabaseConfig, number: str) -> list[Payment]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Payment).join(Order, Order.id == Payment.order_id).where(Order.number == number).order_by(Payment.id)
        )
        return list(rows)


# The database behind each live server, by its base URL, so helpers that only hold an HTTP client can
# prepare data (conftest registers every stack).
DATABASES: dict[str, DatabaseConfig] = {}


async def ensure_zone(db: DatabaseConfig, slug: str, name: str, fee: int = 0) -> None:
    """A delivery zone (dusun) the cooperative delivers to; tests use their own dusun names."""
    from orders.models import DeliveryZone

    async with db.session(write=True) as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert coop is not None
        exists = await session.scalar(
            select(DeliveryZone.id).where(DeliveryZone.cooperative_id == coop.id, DeliveryZone.name == name)
        )
        if exists is None:
            session.add(DeliveryZone(cooperative_id=coop.id, name=name, fee=fee, position=99, is_active=True))
            await session.commit()


async def wait_until_findable(client: httpx.AsyncClient, slug: str, query: str, product_id: int) -> None:
    """Wait (up to 30 s, not a speed check) until the search relay has indexed a new product."""
    import asyncio
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = (await client.get(f"/api/cooperatives/{slug}/search", params={"q": query, "per_page": 100})).json()
        if any(hit["id"] == product_id for hit in body.get("hits", [])):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"product {product_id} never became findable with {query!r}")
