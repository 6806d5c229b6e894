"""The demo has money to show: the demo resident saves at Lok Baintan and every demo cooperative has costs,
all posted to balanced books."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.last_year import member_phone
from finance.models import Expense, JournalLine, LoanPayment, ShuShare, YearClose
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data


async def test_demo_resident_savings_and_demo_costs(stack: Stack) -> None:
    async with stack.client() as client:
        assert (await data.login(client, "0812-0000-9001", DEMO_PASSWORD)).status_code == 303
        mine = (await client.get("/api/me/savings?cooperative=lok-baintan")).json()
    # Joined with the demo history's first month (4 months to date): pokok Rp100.000, wajib for two months
    # (2 × Rp10.000, so 2 months = Rp20.000 in arrears), sukarela Rp50.000 + Rp25.000.
    assert (mine["pokok"], mine["wajib"], mine["sukarela"], mine["arrears"]) == (100_000, 20_000, 75_000, 20_000)
    assert len(mine["entries"]) == 5
    async with stack.db.session() as session:
        for slug in ("lok-baintan", "tabanio", "telaga-bidadari"):
            coop = await data.cooperative(stack.db, slug)
            costs = await session.scalar(select(func.count()).where(Expense.cooperative_id == coop.id))
            assert costs and costs >= 9, slug
            debit, credit = (
                await session.execute(
                    select(func.sum(JournalLine.debit), func.sum(JournalLine.credit)).where(
                        JournalLine.cooperative_id == coop.id
                    )
                )
            ).one()
            assert debit == credit, slug


async def test_demo_last_year_closed_and_this_years_loan(stack: Stack) -> None:
    """Last year is closed with its SHU paid (part in cash, part into sukarela), the RAT report and a member's
    "SHU Anda" show it; a loan has the instalments due so far paid, and other income is on the statement."""
    async with stack.client() as member:
        assert (await data.login(member, member_phone(0, 2), DEMO_PASSWORD)).status_code == 303
        year = (await member.get("/api/me/shu?cooperative=lok-baintan")).json()["year"] - 1
        mine = (await member.get(f"/api/me/shu?cooperative=lok-baintan&year={year}")).json()
        assert mine["closed"] is True and mine["total"] > 0 and mine["paid_to"] in {"kas", "sukarela"}
        assert mine["total"] == mine["jasa_anggota"] + mine["jasa_modal"] and mine["jasa_modal"] > 0
        rat = await member.get(f"/k/lok-baintan/rat/{year}")
        assert rat.status_code == 200 and f"Rp{mine['total']:,}".replace(",", ".") in rat.text
        income = (await member.get(f"/api/cooperatives/lok-baintan/statements/income?year={year + 1}")).json()
        assert income["other_income"] >= 3 * 150_000
    async with stack.db.session() as session:
        coop = await data.cooperative(stack.db, "lok-baintan")
        paid_to = (await session.scalars(select(ShuShare.paid_to).where(ShuShare.cooperative_id == coop.id))).all()
        assert set(paid_to) == {"kas", "sukarela"}
        assert await session.scalar(select(func.count()).where(YearClose.cooperative_id == coop.id)) == 1
        instalments = await session.scalar(select(func.count()).where(LoanPayment.cooperative_id == coop.id))
        assert instalments and instalments >= 1
