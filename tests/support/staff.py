"""Helpers for the staff area: logged-in staff clients, form posts with CSRF, orders in a known state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import func, select

from app.db import DatabaseConfig
from orders.models import Order
from tests.support import data

STAFF_PHONES = {"lok-baintan": "081200000101", "telaga-bidadari": "081200000202", "tabanio": "081200000303"}


class StaffClient:
    def __init__(self, client: httpx.AsyncClient, slug: str) -> None:
        self.client = client
        self.slug = slug

    @property
    def token(self) -> str:
        return self.client.cookies.get("csrftoken") or ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, form: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        return await self.client.post(path, data={**(form or {}), "_csrf_token": self.token}, **kwargs)


@asynccontextmanager
async def staff(stack: Any, slug: str = "lok-baintan") -> AsyncIterator[StaffClient]:
    from tests.conftest import DEMO_PASSWORD

    async with stack.client() as client:
        response = await data.login(client, STAFF_PHONES[slug], DEMO_PASSWORD)
        assert response.status_code == 303, response.text
        yield StaffClient(client, slug)


async def place(
    http: httpx.AsyncClient,
    lines: list[tuple[int, int]],
    *,
    slug: str = "lok-baintan",
    delivery: bool = True,
    dusun: str = "Dusun Sungai",
    rt: str = "004",
    phone: str = "0812-3456-7890",
) -> dict[str, Any]:
    body = data.order_body(lines[0][0], lines[0][1])
    body["lines"] = [{"product_id": pid, "quantity": qty} for pid, qty in lines]
    body["customer"] = {"name": "Ibu Rahmah", "phone": phone}
    if delivery:
        await data.ensure_zone(data.DATABASES[str(http.base_url).rstrip("/")], slug, dusun)
        body["fulfilment"] = "delivery"
        body["address"] = {"dusun": dusun, "rt": rt, "landmark": "dekat langgar"}
    response = await http.post(f"/api/cooperatives/{slug}/orders", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def order_state(db: DatabaseConfig, number: str) -> tuple[str, str]:
    async with db.session() as session:
        row = (await session.execute(select(Order.status, Order.payment_status).where(Order.number == number))).one()
        return str(row[0]), str(row[1])


async def count_rows(db: DatabaseConfig, model: Any, **where: Any) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return int(await session.scalar(query) or 0)


async def send_out(stack: Any, numbers: list[str], slug: str = "lok-baintan") -> None:
    """Packed delivery orders go out the only way they can: onto a new courier's run from the board."""
    import re
    import uuid

    async with staff(stack, slug) as s:
        name = f"Kurir {uuid.uuid4().hex[:6]}"
        added = await s.post(f"/staf/{slug}/kurir", {"name": name, "phone": "0813 5555 0001"})
        assert added.status_code == 303, added.text
        page = await s.get(f"/staf/{slug}/antar")
        ref = re.search(rf'<option value="(kurir:\d+)">{name}</option>', page.text)
        assert ref, "the new courier is offered on the delivery page"
        sent = await s.post(f"/staf/{slug}/pesanan/aksi", {"aksi": "assign", "kurir": ref.group(1), "pilih": numbers})
        assert sent.status_code == 303, sent.text
