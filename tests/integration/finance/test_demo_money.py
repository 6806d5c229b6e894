"""The demo has money to show: the demo resident saves at Lok Baintan and every demo cooperative has costs,
all posted to balanced books."""

from __future__ import annotations

from sqlalchemy import func, select

from finance.models import Expense, JournalLine
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
