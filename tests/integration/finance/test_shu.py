"""A worked SHU example a person can check by hand: three members, last year's sales, savings and costs.

Sales Rp10.000.000 (A 5 jt, B 3 jt, C 2 jt), cost of goods Rp7.000.000, costs Rp1.000.000: SHU Rp2.000.000.
Jasa anggota 25% = Rp500.000 by purchases: A 250.000, B 150.000, C 100.000.
Jasa modal 20% = Rp400.000 by the average of the 12 month-end pokok + wajib balances:
A 1.200.000 and B 600.000 all year; C 100.000 all year plus 200.000 from July (6 of 12 month-ends) = 200.000.
Total capital 2.000.000: A 240.000, B 120.000, C 40.000. SHU: A 490.000, B 270.000, C 140.000.
"""

from __future__ import annotations

import datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import hash_password_async
from app.clock import local_today
from app.models import Cooperative, CooperativeStatus, Membership, MembershipStatus, Role, User
from finance import chart, expenses, savings
from finance.models import JournalEntry, JournalLine
from finance.posting import Draft, reversal, write
from finance.schemas import ExpenseForm, SavingsForm
from tests.conftest import Stack
from tests.support import data

PASSWORD = "sandi-shu-uji"
PURCHASES = {"A": 5_000_000, "B": 3_000_000, "C": 2_000_000}
SAVINGS = {
    "A": [("pokok", 100_000, 1), ("wajib", 1_100_000, 1)],
    "B": [("pokok", 100_000, 1), ("wajib", 500_000, 1)],
    "C": [("pokok", 100_000, 1), ("wajib", 200_000, 7)],
}
EXPECTED = {"A": (250_000, 240_000, 490_000), "B": (150_000, 120_000, 270_000), "C": (100_000, 40_000, 140_000)}


async def _setup(stack: Stack) -> tuple[str, dict[str, str], int]:
    """A cooperative with three members and last year's books; returns its slug, the phones and the year."""
    password_hash = await hash_password_async(PASSWORD)
    phones = {name: data.new_phone() for name in PURCHASES}
    async with stack.db.session(write=True) as session:
        coop = Cooperative(
            slug=f"uji-shu-{phones['A'][-6:]}",
            name="Koperasi Uji SHU",
            short_name="KU SHU",
            order_prefix="SHU",
            desa="Desa Uji",
            kecamatan="Kecamatan Uji",
            kabupaten="Kabupaten Uji",
            provinsi="Kalimantan Selatan",
            kode_wilayah="63.03.04.2005",
            whatsapp="6281200000998",
            status=CooperativeStatus.OPEN,
        )
        session.add(coop)
        await session.flush()
        year = local_today(coop).year - 1
        users = {}
        for name, phone in phones.items():
            users[name] = User(phone="+62" + phone[1:], name=f"Anggota {name}", password_hash=password_hash)
            session.add(users[name])
            await session.flush()
            session.add(
                Membership(
                    user_id=users[name].id, cooperative_id=coop.id, role=Role.MEMBER, status=MembershipStatus.APPROVED
                )
            )
        await session.flush()
        for name, rows in SAVINGS.items():
            for kind, amount, month in rows:
                form = SavingsForm(
                    member_phone=phones[name],
                    kind=kind,
                    direction="deposit",
                    amount=amount,
                    method="cash",
                    date=f"{year}-{month:02d}-01",
                )
                await savings.record(session, coop, form, users["A"].id, "Bendahara uji")
        form = ExpenseForm(date=f"{year}-06-01", category="sewa", amount=1_000_000, paid_from="cash")
        await expenses.record(session, coop, form, users["A"].id)

        def sales(sync: Session) -> None:
            for name, amount in PURCHASES.items():
                draft = Draft(coop.id, datetime.date(year, 3, 1), f"Penjualan {name}", "sale", None)
                draft.debit(chart.KAS, amount).credit(chart.PENJUALAN, amount, member_user_id=users[name].id)
                draft.debit(chart.HPP, amount * 7 // 10).credit(chart.UTANG_PRODUSEN, amount * 7 // 10)
                write(sync.connection(), draft)

        await session.run_sync(sales)
        await session.commit()
        return coop.slug, phones, year


async def test_worked_example_by_api_and_on_the_members_page(stack: Stack) -> None:
    slug, phones, year = await _setup(stack)
    for name, phone in phones.items():
        async with httpx.AsyncClient(base_url=stack.url, timeout=60) as client:
            login = await client.post("/api/auth/login", json={"phone": phone, "password": PASSWORD})
            assert login.status_code == 200, login.text
            got = (await client.get(f"/api/me/shu?cooperative={slug}&year={year}")).json()
            assert got["estimate"] is False
            assert (got["pool_jasa_anggota"], got["pool_jasa_modal"]) == (500_000, 400_000)
            assert (got["total_member_purchases"], got["total_capital"]) == (10_000_000, 2_000_000)
            assert (got["jasa_anggota"], got["jasa_modal"], got["total"]) == EXPECTED[name], name
            income = (await client.get(f"/api/cooperatives/{slug}/statements/income?year={year}")).json()
            assert income["surplus"] == 2_000_000
            page = await client.get(f"/akun/simpanan?tahun={year}")
            assert page.status_code == 200
            for amount in EXPECTED[name]:
                assert f"Rp{amount:,}".replace(",", ".") in page.text, (name, amount)
            if name == "C":
                assert got["my_capital"] == 200_000
                mine = (await client.get(f"/api/me/savings?cooperative={slug}")).json()
                assert (mine["pokok"], mine["wajib"]) == (100_000, 200_000)


async def test_entries_are_never_edited_only_reversed(stack: Stack) -> None:
    async with stack.db.session(write=True) as session:
        entry = await session.scalar(select(JournalEntry).order_by(JournalEntry.id.desc()).limit(1))
        assert entry is not None
        entry_id = entry.id
        entry.memo = "diubah"
        with pytest.raises(RuntimeError, match="jurnal pembalik"):
            await session.flush()
        await session.rollback()

        def reverse(sync: Session) -> int | None:
            return write(sync.connection(), reversal(sync.connection(), entry_id, datetime.date.today(), "Koreksi"))

        reversed_id = await session.run_sync(reverse)
        net = await session.execute(
            select(JournalLine.account_code, func.sum(JournalLine.debit - JournalLine.credit))
            .where(JournalLine.entry_id.in_((entry_id, reversed_id)))
            .group_by(JournalLine.account_code)
        )
        assert all(total == 0 for _, total in net.tuples())
        await session.rollback()
