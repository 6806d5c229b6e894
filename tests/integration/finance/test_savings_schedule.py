"""Simpanan wajib arrears: on a fixed clock through the service, and as the member, the bendahara and the API
show them today; the monthly amount is the pengurus's setting, validated."""

from __future__ import annotations

import datetime

import httpx
import pytest
from sqlalchemy import select, update

from app.clock import local_today
from app.models import Cooperative, Membership
from finance import savings, schedule
from finance.models import SavingsSchedule
from finance.schemas import SavingsForm
from tests.conftest import Stack
from tests.support.roles import Cast

UTC = datetime.UTC


@pytest.fixture
def cast(money_cast: Cast) -> Cast:
    return money_cast


async def _deposit(stack: Stack, cast: Cast, day: datetime.date, amount: int, joined: datetime.datetime) -> None:
    async with stack.db.session(write=True) as session:
        coop = await session.get_one(Cooperative, cast.cooperative_id)
        await session.execute(
            update(Membership).where(Membership.id == cast.memberships["member"]).values(created_at=joined)
        )
        form = SavingsForm(cast.phones["member"], "wajib", "deposit", amount, "cash", day.isoformat())
        await savings.record(session, coop, form, cast.users["bendahara"], "Uji bendahara")
        await session.commit()


async def test_arrears_on_a_fixed_clock(stack: Stack, cast: Cast) -> None:
    # Joined 15 March 2026; Rp10.000 a month; on 1 December: 10 months = Rp100.000 due, Rp60.000 paid.
    joined = datetime.datetime(2026, 3, 15, 2, 0, tzinfo=UTC)
    for day, amount in ((datetime.date(2026, 3, 20), 10_000), (datetime.date(2026, 5, 2), 20_000)):
        await _deposit(stack, cast, day, amount, joined)
    await _deposit(stack, cast, datetime.date(2026, 9, 10), 30_000, joined)
    today = datetime.date(2026, 12, 1)
    async with stack.db.session() as session:
        coop = await session.get_one(Cooperative, cast.cooperative_id)
        mine = await schedule.member_arrears(session, coop, cast.users["member"], today)
        assert mine is not None and (mine.months, mine.due, mine.paid, mine.owed) == (10, 100_000, 60_000, 40_000)
        listed = {m.user_id: m.arrears.owed for m in await schedule.in_arrears(session, coop, today)}
        assert listed[cast.users["member"]] == 40_000
        assert await schedule.member_arrears(session, coop, cast.users["resident"], today) is None


async def test_member_bendahara_and_api_see_the_same_arrears(
    stack: Stack, cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    # Rp25.000 a month from two months ago: 3 months = Rp75.000; Rp30.000 paid today → Rp45.000 owed.
    async with stack.db.session(write=True) as session:
        coop = await session.get_one(Cooperative, cast.cooperative_id)
        today = local_today(coop)
        start = today.replace(day=1)
        for _ in range(2):
            start = (start - datetime.timedelta(days=1)).replace(day=1)
        await schedule.save_schedule(session, coop, "25.000", f"{start:%Y-%m}")
        await session.commit()
    await _deposit(stack, cast, today, 30_000, datetime.datetime(2020, 1, 1, tzinfo=UTC))

    got = (await clients["member"].get(f"/api/me/savings?cooperative={cast.slug}")).json()
    assert (got["wajib"], got["arrears"]) == (30_000, 45_000)
    page = (await clients["member"].get("/akun/simpanan")).text
    assert "Rp45.000" in page and "3 bulan × Rp25.000 = Rp75.000" in page and "Rp30.000" in page

    staff = (await clients["bendahara"].get(f"/staf/{cast.slug}/simpanan")).text
    row = staff.split('id="tunggakan"')[1].split("</section>")[0]
    assert "Uji member" in row and "Rp45.000" in row
    digits = "62" + cast.phones["member"][1:]
    link = row.split(f'href="https://wa.me/{digits}?text=')[1].split('"')[0]
    assert "Rp45.000" in link and "Ingatkan lewat WhatsApp" in row


async def test_only_the_pengurus_sets_the_amount_and_bad_input_changes_nothing(
    stack: Stack, cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    async def saved() -> tuple[int, datetime.date | None] | None:
        async with stack.db.session() as session:
            row = await session.scalar(
                select(SavingsSchedule).where(SavingsSchedule.cooperative_id == cast.cooperative_id)
            )
            return None if row is None else (row.wajib_amount, row.starts_on)

    path = f"/staf/{cast.slug}/simpanan/jadwal"

    async def post(role: str, amount: str, start: str = "") -> httpx.Response:
        form = {"wajib_amount": amount, "starts_on": start, "_csrf_token": clients[role].cookies["csrftoken"]}
        return await clients[role].post(path, data=form, follow_redirects=False)

    assert (await post("bendahara", "20000")).status_code == 403
    for amount, start in (("abc", ""), ("0", ""), ("10.000,50", ""), ("20000000", ""), ("20000", "2099-01")):
        response = await post("pengurus", amount, start)
        assert response.status_code == 422, (amount, start, response.status_code)
        assert "Simpanan wajib per bulan" in response.text
    assert await saved() is None
    assert (await post("pengurus", "Rp15.000", "2026-01")).status_code == 303
    assert await saved() == (15_000, datetime.date(2026, 1, 1))
    assert "Rp15.000 per bulan" in (await clients["pengurus"].get(f"/staf/{cast.slug}/simpanan")).text
