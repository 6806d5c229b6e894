"""Loans and other income over HTTP: the drawdown and each instalment post balanced entries, the schedule shows
what was paid, other income reaches the income statement, and bad input changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from finance import chart
from finance.models import JournalEntry, JournalLine, Loan
from tests.conftest import Stack
from tests.support import data

SLUG = "lok-baintan"
API = f"/api/cooperatives/{SLUG}"


async def _accounts(stack: Stack, cooperative_id: int) -> dict[str, int]:
    async with stack.db.session() as session:
        rows = await session.execute(
            select(JournalLine.account_code, func.sum(JournalLine.debit - JournalLine.credit))
            .where(JournalLine.cooperative_id == cooperative_id)
            .group_by(JournalLine.account_code)
        )
        return {code: int(v or 0) for code, v in rows.tuples()}


async def _counts(stack: Stack, cooperative_id: int) -> tuple[int, int]:
    async with stack.db.session() as session:
        loans = await session.scalar(select(func.count()).where(Loan.cooperative_id == cooperative_id))
        entries = await session.scalar(select(func.count()).where(JournalEntry.cooperative_id == cooperative_id))
        return int(loans or 0), int(entries or 0)


def _moved(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        code: after.get(code, 0) - before.get(code, 0) for code in after if after.get(code, 0) != before.get(code, 0)
    }


async def test_loan_drawdown_instalments_and_refusals(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, SLUG)
    staff = await data.staff(stack.url, SLUG)
    try:
        start = await _accounts(stack, coop.id)
        body = {"lender": "LPDB-KUMKM", "principal": "1.000.000", "instalments": 3, "interest_per_instalment": 10_000}
        made = await staff.post(f"{API}/loans", json={**body, "received_into": "bank"})
        assert made.status_code == 201, made.text
        loan = made.json()
        assert [(i["principal"], i["interest"], i["paid"]) for i in loan["schedule"]] == [
            (333_333, 10_000, False),
            (333_333, 10_000, False),
            (333_334, 10_000, False),
        ]
        assert loan["outstanding"] == 1_000_000
        drawn = await _accounts(stack, coop.id)
        assert _moved(start, drawn) == {chart.BANK: 1_000_000, chart.PINJAMAN: -1_000_000}

        pay = f"{API}/loans/{loan['id']}/instalments"
        skipped = await staff.post(f"{pay}/2/pay", json={"paid_from": "cash"})
        assert skipped.status_code == 409 and skipped.json()["detail"], skipped.text
        paid = await staff.post(f"{pay}/1/pay", json={"paid_from": "cash"})
        assert paid.status_code == 201, paid.text
        assert paid.json()["outstanding"] == 666_667 and paid.json()["schedule"][0]["paid"] is True
        assert _moved(drawn, await _accounts(stack, coop.id)) == {
            chart.PINJAMAN: 333_333,
            chart.BEBAN_BUNGA: 10_000,
            chart.KAS: -343_333,
        }
        twice = await staff.post(f"{pay}/1/pay", json={"paid_from": "cash"})
        assert twice.status_code == 409, twice.text
        assert (await staff.post(f"{pay}/9/pay", json={})).status_code == 404

        before = await _counts(stack, coop.id)
        too_big = await staff.post(f"{API}/loans", json={**body, "principal": 3_000_000_001, "received_into": "bank"})
        assert too_big.status_code == 422 and set(too_big.json()["errors"]) == {"principal"}, too_big.text
        blank = await staff.post(f"{API}/loans", json={"instalments": "x", "received_into": "laci"})
        assert blank.status_code == 422
        assert {"lender", "principal", "instalments", "received_into"} <= set(blank.json()["errors"])
        page = await staff.post(
            f"/staf/{SLUG}/pinjaman",
            data={
                **body,
                "principal": "3.500.000.000",
                "_csrf_token": await data.csrf_token(staff, f"/staf/{SLUG}/pinjaman"),
            },
            follow_redirects=False,
        )
        assert page.status_code == 422 and "LPDB-KUMKM" in page.text and "3.500.000.000" in page.text
        assert "aria-invalid" in page.text
        assert await _counts(stack, coop.id) == before

        listed = (await staff.get(f"{API}/loans")).json()
        assert any(row["id"] == loan["id"] and row["outstanding"] == 666_667 for row in listed)
        shown = await staff.get(f"/staf/{SLUG}/pinjaman")
        assert "LPDB-KUMKM" in shown.text and "Sisa pokok: Rp666.667" in shown.text
    finally:
        await staff.aclose()


async def test_other_income_reaches_the_income_statement(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, SLUG)
    staff = await data.staff(stack.url, SLUG)
    try:
        first = (await staff.get(f"{API}/statements/income")).json()
        made = await staff.post(
            f"{API}/other-income",
            json={"category": "sewa", "amount": "75.000", "received_into": "cash", "note": "lapak"},
        )
        assert made.status_code == 201, made.text
        after = (await staff.get(f"{API}/statements/income")).json()
        assert after["other_income"] == first["other_income"] + 75_000
        assert after["surplus"] == first["surplus"] + 75_000
        bad = await staff.post(f"{API}/other-income", json={"category": "judi", "amount": 0, "received_into": "cash"})
        assert bad.status_code == 422 and set(bad.json()["errors"]) == {"category", "amount"}, bad.text
        assert (await staff.get(f"{API}/statements/income")).json()["other_income"] == after["other_income"]
        page = await staff.get(f"/staf/{SLUG}/pendapatan")
        assert "Rp75.000" in page.text and "lapak" in page.text
        balances = await _accounts(stack, coop.id)
        assert sum(balances.values()) == 0
    finally:
        await staff.aclose()
