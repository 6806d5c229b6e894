"""Every finance page and API against every role: the right people get in, refusals change nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from finance.models import Expense, JournalEntry, Loan, OtherIncome, SavingsTransaction
from tests.conftest import Stack
from tests.support.roles import ROLES, Cast, signed_in_cast

MEMBERS = {"member", "petugas", "bendahara", "pengawas", "kurir", "pengurus"}
BOOKS = {"pengurus", "bendahara", "pengawas"}
BOOKKEEPERS = {"pengurus", "bendahara"}


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


def _check(
    role: str, allowed: set[str], response: httpx.Response, *, api: bool, ok: int = 200, forbidden: int = 403
) -> None:
    if role in allowed:
        assert response.status_code == ok, (role, response.request.url, response.status_code, response.text[:300])
    elif role == "anonymous":
        if api:
            assert response.status_code == 401, (role, response.request.url, response.status_code)
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/masuk?lanjut=")
    else:
        assert response.status_code == forbidden, (
            role,
            response.request.url,
            response.status_code,
            response.text[:200],
        )


async def _counts(stack: Stack, cooperative_id: int) -> tuple[int, ...]:
    async with stack.db.session() as session:
        counts = []
        for model in (SavingsTransaction, Expense, JournalEntry, Loan, OtherIncome):
            query = select(func.count()).select_from(model).where(model.cooperative_id == cooperative_id)
            counts.append(int(await session.scalar(query) or 0))
        return tuple(counts)


async def test_reading(stack: Stack, cast: Cast) -> None:
    api = f"/api/cooperatives/{cast.slug}"
    reads = {
        f"{api}/ledger/trial-balance": (BOOKS, True),
        f"{api}/statements/income?year=2026": (MEMBERS, True),
        f"{api}/statements/balance": (MEMBERS, True),
        f"{api}/ledger.beancount": ({"pengurus", "pengawas"}, True),
        f"{api}/ledger.csv?year=2026": ({"pengurus", "pengawas"}, True),
        f"/api/me/savings?cooperative={cast.slug}": (MEMBERS, True),
        f"/api/me/shu?cooperative={cast.slug}": (MEMBERS, True),
        f"/staf/{cast.slug}/keuangan": (BOOKS, False),
        f"/staf/{cast.slug}/simpanan": (BOOKS, False),
        f"/staf/{cast.slug}/biaya": (BOOKS, False),
        f"/staf/{cast.slug}/shu": (BOOKS, False),
        f"/staf/{cast.slug}/pinjaman": (BOOKS, False),
        f"/staf/{cast.slug}/pendapatan": (BOOKS, False),
        f"{api}/loans": (BOOKS, True),
        f"/k/{cast.slug}/keuangan": (MEMBERS, False),
        "/akun/simpanan": (set(ROLES) - {"anonymous"}, False),
    }
    for path, (allowed, is_api) in reads.items():
        for role in ROLES:
            response = await cast.clients[role].get(path, follow_redirects=False)
            _check(role, allowed, response, api=is_api)


async def test_recording(stack: Stack, cast: Cast) -> None:
    api = f"/api/cooperatives/{cast.slug}"
    base = (
        await cast.clients["pengurus"].post(
            f"{api}/loans", json={"lender": "LPDB", "principal": 900_000, "instalments": 9, "received_into": "bank"}
        )
    ).json()
    next_instalment = 1
    for role in ROLES:
        before = await _counts(stack, cast.cooperative_id)
        client = cast.clients[role]
        saved = await client.post(
            f"{api}/savings",
            json={
                "member_phone": cast.phones["member"],
                "kind": "wajib",
                "direction": "deposit",
                "amount": 10000,
                "method": "cash",
            },
        )
        spent = await client.post(
            f"{api}/expenses", json={"date": "", "category": "listrik", "amount": 5000, "paid_from": "cash", "note": ""}
        )
        page = await client.post(
            f"/staf/{cast.slug}/biaya",
            data={"category": "sewa", "amount": "1.000", "paid_from": "bank", "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        split = await client.post(
            f"/staf/{cast.slug}/shu",
            data={
                "cadangan": "40",
                "jasa_anggota": "25",
                "jasa_modal": "20",
                "pengurus": "5",
                "karyawan": "5",
                "pendidikan": "2,5",
                "sosial": "2,5",
                "_csrf_token": cast.csrf(role),
            },
            follow_redirects=False,
        )
        loan = await client.post(
            f"{api}/loans", json={"lender": "Bank", "principal": 100_000, "instalments": 2, "received_into": "bank"}
        )
        income = await client.post(
            f"{api}/other-income", json={"category": "jasa", "amount": 2_000, "received_into": "cash"}
        )
        loan_page = await client.post(
            f"/staf/{cast.slug}/pinjaman",
            data={
                "lender": "BPR",
                "principal": "50.000",
                "instalments": "1",
                "received_into": "cash",
                "_csrf_token": cast.csrf(role),
            },
            follow_redirects=False,
        )
        income_page = await client.post(
            f"/staf/{cast.slug}/pendapatan",
            data={"category": "bunga", "amount": "1.000", "received_into": "bank", "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        _check(role, BOOKKEEPERS, loan, api=True, ok=201)
        _check(role, BOOKKEEPERS, income, api=True, ok=201)
        _check(role, BOOKKEEPERS, loan_page, api=False, ok=303)
        _check(role, BOOKKEEPERS, income_page, api=False, ok=303)
        paid = await client.post(f"{api}/loans/{base['id']}/instalments/{next_instalment}/pay", json={})
        _check(role, BOOKKEEPERS, paid, api=True, ok=201)
        next_instalment += role in BOOKKEEPERS
        _check(role, BOOKKEEPERS, saved, api=True, ok=201)
        _check(role, BOOKKEEPERS, spent, api=True, ok=201)
        _check(role, BOOKKEEPERS, page, api=False, ok=303)
        _check(role, {"pengurus"}, split, api=False, ok=303)
        after = await _counts(stack, cast.cooperative_id)
        if role in BOOKKEEPERS:
            # savings, 2 expenses, 2 loans, 2 other incomes; entries: 3 + 2 drawdowns + 1 instalment + 2 incomes
            assert after == (before[0] + 1, before[1] + 2, before[2] + 8, before[3] + 2, before[4] + 2), role
        else:
            assert after == before, role


async def test_savings_receipt(stack: Stack, cast: Cast) -> None:
    """The member and the cooperative's book readers open it; anyone else gets the same 404 as a made-up id."""
    bendahara = cast.clients["bendahara"]
    saved = await bendahara.post(
        f"/api/cooperatives/{cast.slug}/savings",
        json={"member_phone": cast.phones["member"], "kind": "pokok", "direction": "deposit", "amount": 50000},
    )
    assert saved.status_code == 201, saved.text
    receipt = saved.json()
    path = f"/simpanan/kuitansi/{receipt['id']}"
    for role in ROLES:
        response = await cast.clients[role].get(path, follow_redirects=False)
        _check(role, {"member", *BOOKS}, response, api=False, forbidden=404)
        if role in {"member", *BOOKS}:
            text = response.text
            for shown in (receipt["receipt_number"], "Uji member", "Setoran simpanan pokok", "Rp50.000", "Tunai"):
                assert shown in text, (role, shown)
            assert "Uji bendahara" in text and "Nomor jurnal" in text and "J-" in text
    missing = await cast.clients["pengurus"].get("/simpanan/kuitansi/999999999", follow_redirects=False)
    assert missing.status_code == 404
    assert path in (await cast.clients["member"].get("/akun/simpanan")).text
    assert path in (await bendahara.get(f"/staf/{cast.slug}/simpanan")).text
