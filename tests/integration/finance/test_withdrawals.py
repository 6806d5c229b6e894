"""Sukarela withdrawals need a second board member: pending until another pengurus or bendahara approves,
no money (no journal entry) before that, never approved by whoever recorded it, never past the balance,
also when requests arrive at the same moment (PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from finance.models import JournalEntry, WithdrawalRequest
from tests.conftest import Stack
from tests.integration.finance.conftest import sign_in
from tests.support.roles import Cast


async def _entries(stack: Stack, cooperative_id: int) -> int:
    async with stack.db.session() as session:
        query = select(func.count()).select_from(JournalEntry).where(JournalEntry.cooperative_id == cooperative_id)
        return int(await session.scalar(query) or 0)


async def _status(stack: Stack, request_id: int) -> str:
    async with stack.db.session() as session:
        return (await session.get_one(WithdrawalRequest, request_id)).status


def _body(cast: Cast, kind: str, direction: str, amount: int) -> dict[str, object]:
    return {"member_phone": cast.phones["member"], "kind": kind, "direction": direction, "amount": amount}


async def _sukarela(clients: dict[str, httpx.AsyncClient], cast: Cast) -> int:
    mine = await clients["member"].get(f"/api/me/savings?cooperative={cast.slug}")
    return int(mine.json()["sukarela"])


async def test_a_second_person_approves_before_the_money_leaves(
    stack: Stack, money_cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    cast, api = money_cast, f"/api/cooperatives/{money_cast.slug}/savings"
    bendahara, pengurus = clients["bendahara"], clients["pengurus"]
    assert (await bendahara.post(api, json=_body(cast, "sukarela", "deposit", 100_000))).status_code == 201
    entries = await _entries(stack, cast.cooperative_id)

    asked = await bendahara.post(api, json=_body(cast, "sukarela", "withdrawal", 70_000))
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "pending"
    assert await _entries(stack, cast.cooperative_id) == entries and await _sukarela(clients, cast) == 100_000
    waiting = (await clients["member"].get("/akun/simpanan")).text
    assert "Rp70.000 penarikan menunggu persetujuan" in waiting
    # Rp100.000 held, Rp70.000 promised: a second request may take only Rp30.000.
    more = await bendahara.post(api, json=_body(cast, "sukarela", "withdrawal", 40_000))
    assert more.status_code == 409 and "menunggu persetujuan" in more.json()["errors"]["amount"], more.text

    page = (await bendahara.get(f"/staf/{cast.slug}/simpanan")).text
    assert f'id="penarikan-{request_id}"' in page and "Menunggu persetujuan orang lain" in page
    assert f"/penarikan/{request_id}/setujui" in (await pengurus.get(f"/staf/{cast.slug}/simpanan")).text
    supervisor = (await clients["pengawas"].get(f"/staf/{cast.slug}/simpanan")).text
    assert f'id="penarikan-{request_id}"' in supervisor and "/setujui" not in supervisor

    own = await bendahara.post(f"{api}/withdrawals/{request_id}/approve", json={})
    assert own.status_code == 403, own.text
    reader = await clients["pengawas"].post(f"{api}/withdrawals/{request_id}/approve", json={})
    assert reader.status_code == 403
    assert await _status(stack, request_id) == "pending" and await _entries(stack, cast.cooperative_id) == entries

    approved = await pengurus.post(f"{api}/withdrawals/{request_id}/approve", json={})
    assert approved.status_code == 201, approved.text
    assert approved.json()["balance"] == 30_000 and await _sukarela(clients, cast) == 30_000
    assert await _entries(stack, cast.cooperative_id) == entries + 1
    mine = (await clients["member"].get(f"/api/me/savings?cooperative={cast.slug}")).json()
    assert mine["entries"][0]["receipt_url"] == f"/simpanan/kuitansi/{approved.json()['id']}"
    receipt = (await clients["member"].get(mine["entries"][0]["receipt_url"])).text
    assert "Uji bendahara, disetujui oleh Uji pengurus" in receipt and "Rp70.000" in receipt
    again = await pengurus.post(f"{api}/withdrawals/{request_id}/approve", json={})
    assert again.status_code == 409 and await _entries(stack, cast.cooperative_id) == entries + 1


async def test_turned_down_on_the_staff_page_moves_no_money(
    stack: Stack, money_cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    cast, page = money_cast, f"/staf/{money_cast.slug}/simpanan"
    bendahara, pengurus = clients["bendahara"], clients["pengurus"]

    def form(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
        return {**fields, "_csrf_token": client.cookies["csrftoken"]}

    body = _body(cast, "sukarela", "deposit", 20_000)
    assert (await bendahara.post(page, data=form(bendahara, **body))).status_code == 303
    asked = await bendahara.post(page, data=form(bendahara, **_body(cast, "sukarela", "withdrawal", 15_000)))
    assert asked.status_code == 303
    async with stack.db.session() as session:
        request_id = await session.scalar(
            select(WithdrawalRequest.id).where(WithdrawalRequest.cooperative_id == cast.cooperative_id)
        )
    assert request_id is not None
    entries = await _entries(stack, cast.cooperative_id)
    own = await bendahara.post(f"{page}/penarikan/{request_id}/setujui", data=form(bendahara))
    assert own.status_code == 303 and await _status(stack, request_id) == "pending"
    assert "bukan yang mencatatnya" in (await bendahara.get(page)).text
    no = await pengurus.post(f"{page}/penarikan/{request_id}/tolak", data=form(pengurus))
    assert no.status_code == 303 and await _status(stack, request_id) == "rejected"
    assert await _entries(stack, cast.cooperative_id) == entries and await _sukarela(clients, cast) == 20_000
    late = await pengurus.post(f"{page}/penarikan/{request_id}/setujui", data=form(pengurus))
    assert late.status_code == 303 and await _status(stack, request_id) == "rejected"


async def test_simultaneous_withdrawals_never_overdraw(
    stack: Stack, money_cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    if stack.backend != "postgres":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE); the row lock matters on PostgreSQL")
    cast, api = money_cast, f"/api/cooperatives/{money_cast.slug}/savings"
    extra = [await sign_in(stack, cast, role) for role in ("bendahara", "pengurus", "pengurus")]
    try:
        bendahara = clients["bendahara"]
        for kind in ("wajib", "sukarela"):
            assert (await bendahara.post(api, json=_body(cast, kind, "deposit", 100_000))).status_code == 201
        # Two tabs ask for Rp60.000 of the Rp100.000 at the same moment: one is taken, one refused.
        for kind, ok in (("wajib", 201), ("sukarela", 202)):
            both = await asyncio.gather(
                *(c.post(api, json=_body(cast, kind, "withdrawal", 60_000)) for c in (bendahara, extra[0]))
            )
            assert sorted(r.status_code for r in both) == [ok, 409], [r.text for r in both]
        mine = (await clients["member"].get(f"/api/me/savings?cooperative={cast.slug}")).json()
        assert (mine["wajib"], mine["sukarela"]) == (40_000, 100_000)
        # Two approvals of the one pending request at the same moment: paid out once.
        async with stack.db.session() as session:
            request_id = await session.scalar(
                select(WithdrawalRequest.id).where(WithdrawalRequest.cooperative_id == cast.cooperative_id)
            )
        entries = await _entries(stack, cast.cooperative_id)
        both = await asyncio.gather(*(c.post(f"{api}/withdrawals/{request_id}/approve", json={}) for c in extra[1:]))
        assert sorted(r.status_code for r in both) == [201, 409], [r.text for r in both]
        assert await _entries(stack, cast.cooperative_id) == entries + 1 and await _sukarela(clients, cast) == 40_000
    finally:
        for client in extra:
            await client.aclose()
