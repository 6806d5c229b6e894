"""The year-close pages and APIs against every role (and a producer of another cooperative): only the pengurus
closes, the bendahara or pengurus pays, every member opens the RAT report; refusals post nothing."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import local_today
from app.models import Cooperative
from finance import chart
from finance.models import JournalEntry, ShuShare
from finance.posting import Draft, write
from tests.conftest import DEMO_PASSWORD, Stack
from tests.integration.finance.test_access import BOOKKEEPERS, MEMBERS, _check
from tests.support import data
from tests.support.roles import ROLES, Cast, signed_in_cast

PRODUCER_OF_ANOTHER = "081200001001"  # a demo producer of Lok Baintan
EVERYONE = (*ROLES, "producer")


@pytest.fixture
async def cast(stack: Stack) -> AsyncIterator[Cast]:
    async with signed_in_cast(stack.url, stack.db) as made:
        producer = stack.client()
        assert (await data.login(producer, PRODUCER_OF_ANOTHER, DEMO_PASSWORD)).status_code == 303
        await data.csrf_token(producer)
        made.clients["producer"] = producer
        yield made


async def _last_year_sale(stack: Stack, cast: Cast) -> int:
    """Rp1.000.000 sold to the member last year: the whole surplus, so the member's share is 25% of it."""
    async with stack.db.session(write=True) as session:
        coop = await session.get_one(Cooperative, cast.cooperative_id)
        year = local_today(coop).year - 1

        def sale(sync: Session) -> None:
            draft = Draft(coop.id, datetime.date(year, 5, 1), "Penjualan", "sale", None)
            draft.debit(chart.KAS, 1_000_000).credit(chart.PENJUALAN, 1_000_000, member_user_id=cast.users["member"])
            write(sync.connection(), draft)

        await session.run_sync(sale)
        await session.commit()
        return year


async def _state(stack: Stack, cast: Cast) -> tuple[int, int, int]:
    async with stack.db.session() as session:
        entries = await session.scalar(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.cooperative_id == cast.cooperative_id)
        )
        shares = await session.scalar(
            select(func.count()).select_from(ShuShare).where(ShuShare.cooperative_id == cast.cooperative_id)
        )
        paid = await session.scalar(
            select(func.count())
            .select_from(ShuShare)
            .where(ShuShare.cooperative_id == cast.cooperative_id, ShuShare.paid_at.is_not(None))
        )
        return int(entries or 0), int(shares or 0), int(paid or 0)


async def test_year_close_access(stack: Stack, cast: Cast) -> None:
    year = await _last_year_sale(stack, cast)
    api = f"/api/cooperatives/{cast.slug}"
    for role in EVERYONE:
        client = cast.clients[role]
        report = await client.get(f"/k/{cast.slug}/rat/{year}", follow_redirects=False)
        _check(role, MEMBERS, report, api=False)
        if role == "member":
            assert "Uji member" in report.text and "Rp250.000" in report.text
    for role in EVERYONE:
        before = await _state(stack, cast)
        closed = await cast.clients[role].post(f"{api}/shu/{year}/close", json={})
        _check(role, {"pengurus"}, closed, api=True, ok=201)
        after = await _state(stack, cast)
        if role == "pengurus":
            body = closed.json()
            assert body["surplus"] == 1_000_000 and body["allocation"]["cadangan"] == 400_000 + 200_000
            assert [(s["member_phone"], s["total"]) for s in body["shares"]] == [
                (body["shares"][0]["member_phone"], 250_000)
            ]
            share_id = body["shares"][0]["id"]
            assert after == (before[0] + 1, 1, 0)
        else:
            assert after == before, role
    for role in EVERYONE:
        client = cast.clients[role]
        page = await client.post(
            f"/staf/{cast.slug}/shu/tutup",
            data={"tahun": str(year), "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        _check(role, {"pengurus"}, page, api=False, ok=409)
    for role in EVERYONE:
        before = await _state(stack, cast)
        paid = await cast.clients[role].post(f"{api}/shu/shares/{share_id}/pay", json={"to": "kas"})
        # The bendahara comes first in ROLES and pays; the pengurus then finds the share paid.
        _check(role, BOOKKEEPERS, paid, api=True, ok=201 if role == "bendahara" else 409)
        after = await _state(stack, cast)
        assert after == ((before[0] + 1, 1, 1) if role == "bendahara" else before), role
    for role in EVERYONE:
        page = await cast.clients[role].post(
            f"/staf/{cast.slug}/shu/bagian/{share_id}/bayar",
            data={"ke": "sukarela", "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        _check(role, BOOKKEEPERS, page, api=False, ok=409)
    tb = (await cast.clients["pengawas"].get(f"{api}/ledger/trial-balance")).json()
    assert tb["total_debit"] == tb["total_credit"]
