"""Arus kas and perubahan ekuitas on a small book a person can check by hand (a fresh cooperative):

February 2026: simpanan pokok Rp100.000 in cash, electricity Rp5.000 from cash → kas and bank Rp95.000 on 1 March.
March 2026: wajib Rp20.000 by transfer, sukarela Rp50.000 in cash (financing +70.000); a sale of Rp30.000 paid in
cash (+30.000), the producer paid Rp25.000 from the bank (−25.000), electricity Rp15.000 (−15.000), a courier
short by Rp2.000 (−2.000), Rp10.000 moved from kas to bank (nothing) → operating −12.000, net +58.000,
kas and bank Rp153.000 on 31 March. March's surplus is 30.000 − 25.000 − 15.000 − 2.000 = −12.000, so equity goes
from 95.000 (pokok 100.000, SHU tahun berjalan −5.000) to 103.000 (pokok 100.000, wajib 20.000, SHU −17.000).

The ledger CSV of the same book: its debits equal its credits, and each account's debits less credits is the
trial balance's row.
"""

from __future__ import annotations

import csv
import datetime
import io

import httpx
from sqlalchemy.orm import Session

from app.models import Cooperative
from finance import chart, expenses, flows, savings, statements
from finance.posting import Draft, write_many
from finance.schemas import ExpenseForm, SavingsForm
from tests.conftest import Stack
from tests.support.roles import Cast


def _day(month: int, day: int) -> datetime.date:
    return datetime.date(2026, month, day)


async def _post(stack: Stack, drafts: list[Draft]) -> None:
    def post(sync: Session) -> list[int]:
        return write_many(sync.connection(), drafts)

    async with stack.db.session(write=True) as session:
        await session.run_sync(post)
        await session.commit()


async def _book(stack: Stack, cast: Cast) -> Cooperative:
    async with stack.db.session(write=True) as session:
        coop = await session.get_one(Cooperative, cast.cooperative_id)
        member, who = cast.phones["member"], cast.users["bendahara"]
        for kind, amount, method, day in (
            ("pokok", 100_000, "cash", _day(2, 3)),
            ("wajib", 20_000, "transfer", _day(3, 10)),
            ("sukarela", 50_000, "cash", _day(3, 11)),
        ):
            form = SavingsForm(member, kind, "deposit", amount, method, day.isoformat())
            await savings.record(session, coop, form, who, "Uji bendahara")
        for amount, day in ((5_000, _day(2, 20)), (15_000, _day(3, 12))):
            await expenses.record(session, coop, ExpenseForm(day.isoformat(), "listrik", amount, "cash"), who)
        c = coop.id
        drafts = [
            Draft(c, _day(3, 14), "Penjualan", "sale", 1)
            .debit(chart.PIUTANG, 30_000)
            .credit(chart.PENJUALAN, 30_000)
            .debit(chart.HPP, 25_000)
            .credit(chart.UTANG_PRODUSEN, 25_000),
            Draft(c, _day(3, 14), "Pembayaran", "payment", 1).debit(chart.KAS, 30_000).credit(chart.PIUTANG, 30_000),
            Draft(c, _day(3, 20), "Produsen", "settlement", 1)
            .debit(chart.UTANG_PRODUSEN, 25_000)
            .credit(chart.BANK, 25_000),
            Draft(c, _day(3, 21), "Setor ke bank", "transfer", 1).debit(chart.BANK, 10_000).credit(chart.KAS, 10_000),
            Draft(c, _day(3, 22), "Selisih", "hand_in", 1)
            .debit(chart.BEBAN_SELISIH_KAS, 2_000)
            .credit(chart.KAS, 2_000),
        ]
        await session.commit()
    await _post(stack, drafts)
    return coop


async def test_cash_flow_and_equity_changes_by_hand(
    stack: Stack, money_cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    coop = await _book(stack, money_cast)
    async with stack.db.session() as session:
        cash = await flows.cash_flow(session, coop, 2026, 3)
        amounts = {key: amount for key, _, _, amount in cash.lines}
        assert amounts == {
            "pembeli": 30_000,
            "produsen": -25_000,
            "biaya": -15_000,
            "lain": -2_000,
            "investasi": 0,
            "simpanan": 70_000,
            "shu": 0,
            "pinjaman": 0,
        }
        assert cash.sections == {flows.OPERATING: -12_000, flows.INVESTING: 0, flows.FINANCING: 70_000}
        assert (cash.opening, cash.net, cash.closing) == (95_000, 58_000, 153_000)
        assert cash.opening + cash.net == cash.closing
        year = await flows.cash_flow(session, coop, 2026, None)
        assert (year.opening, year.sections[flows.OPERATING], year.sections[flows.FINANCING]) == (0, -17_000, 170_000)
        assert year.opening + year.net == year.closing == 153_000

        equity = await flows.equity_changes(session, coop, 2026, 3)
        rows = {r.code: (r.opening, r.added, r.taken, r.closing) for r in equity.rows}
        assert rows[chart.SIMPANAN_POKOK] == (100_000, 0, 0, 100_000)
        assert rows[chart.SIMPANAN_WAJIB] == (0, 20_000, 0, 20_000)
        assert rows[chart.CADANGAN] == (0, 0, 0, 0)
        assert rows[chart.SHU_TAHUN_BERJALAN] == (-5_000, 0, 12_000, -17_000)
        assert (equity.opening, equity.closing) == (95_000, 103_000)
        sheet = await statements.balance_sheet(session, coop, _day(3, 31))
        assert equity.closing == sheet.equity == 103_000
        whole = await flows.equity_changes(session, coop, 2026, None)
        assert whole.opening == 0
        assert whole.closing == (await statements.balance_sheet(session, coop, _day(12, 31))).equity

    staff_page = await clients["pengurus"].get(f"/staf/{money_cast.slug}/keuangan", params={"tahun": 2026, "bulan": 3})
    members_page = await clients["member"].get(f"/k/{money_cast.slug}/keuangan", params={"tahun": 2026, "bulan": 3})
    for page in (staff_page, members_page):
        assert page.status_code == 200, page.text
        assert "Arus kas Maret 2026" in page.text and "Perubahan ekuitas Maret 2026" in page.text
        assert "Rp95.000" in page.text and "Rp153.000" in page.text and "-Rp12.000" in page.text
        assert "Rp103.000" in page.text
    rat = await clients["pengurus"].get(f"/k/{money_cast.slug}/rat/2026")
    assert rat.status_code == 200, rat.text
    assert "Arus kas Tahun 2026" in rat.text


async def test_ledger_csv_balances_and_matches_the_trial_balance(
    stack: Stack, money_cast: Cast, clients: dict[str, httpx.AsyncClient]
) -> None:
    coop = await _book(stack, money_cast)
    # A memo a spreadsheet would run as a formula; the previous year's entry shows the year filter at work.
    await _post(
        stack,
        [
            Draft(coop.id, _day(4, 1), "=HYPERLINK(1)", "hand_in", 2)
            .debit(chart.KAS, 1)
            .credit(chart.PENDAPATAN_LAIN, 1),
            Draft(coop.id, datetime.date(2025, 6, 1), "Tahun lalu", "hand_in", 3)
            .debit(chart.KAS, 7)
            .credit(chart.PENDAPATAN_LAIN, 7),
        ],
    )
    url = f"/api/cooperatives/{money_cast.slug}/ledger.csv"
    response = await clients["pengawas"].get(url, params={"year": 2026})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="' + money_cast.slug + '-buku-besar-2026.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["Tanggal", "No. jurnal", "Keterangan", "Kode akun", "Nama akun", "Debit", "Kredit"]
    body = rows[1:]
    # 3 savings + 2 expenses + sale (4 lines) + payment, settlement, transfer, hand-in, formula: 2 lines each.
    assert len(body) == 5 * 2 + 4 + 5 * 2
    assert all(r[0].startswith("2026-") for r in body)
    debit, credit = sum(int(r[5]) for r in body), sum(int(r[6]) for r in body)
    assert debit == credit == 100_000 + 20_000 + 50_000 + 5_000 + 15_000 + 55_000 + 30_000 + 25_000 + 10_000 + 2_000 + 1
    assert [body[-1][0], body[-1][2]] == ["2026-04-01", "'=HYPERLINK(1)"]
    assert {r[3]: r[4] for r in body}[chart.KAS] == "Kas"

    everything = await clients["pengurus"].get(url)
    assert everything.status_code == 200
    net: dict[str, int] = {}
    for r in list(csv.reader(io.StringIO(everything.text.lstrip("\ufeff"))))[1:]:
        net[r[3]] = net.get(r[3], 0) + int(r[5]) - int(r[6])
    async with stack.db.session() as session:
        tb = await statements.trial_balance(session, coop, _day(12, 31))
    assert {code: d - c for code, _, d, c in tb.accounts} == net
    assert sum(n for n in net.values() if n > 0) == tb.total_debit == tb.total_credit

    refused = await clients["bendahara"].get(url)
    assert refused.status_code == 403
    bad = await clients["pengurus"].get(url, params={"year": "1999"})
    assert bad.status_code == 422 and bad.json()["errors"]["year"], bad.text
    page = await clients["pengurus"].get(f"/staf/{money_cast.slug}/keuangan", params={"tahun": 2026})
    assert f"{url}?year=2026" in page.text
