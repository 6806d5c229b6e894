"""Closing a year after the RAT, on the worked SHU example of test_shu (surplus Rp2.000.000, shares A 490.000,
B 270.000, C 140.000), checkable by hand:

cadangan 40% = 800.000, jasa anggota 25% = 500.000 and jasa modal 20% = 400.000 (together 900.000 owed to
members), pengurus 5% = 100.000, karyawan 5% = 100.000, pendidikan 2,5% = 50.000, sosial 2,5% = 50.000.
A is paid 490.000 in cash, B's 270.000 goes into simpanan sukarela, C is not paid yet (140.000 still owed).
"""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from app.auth import hash_password_async
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from finance.models import JournalEntry, ShuShare
from tests.conftest import Stack
from tests.integration.finance.test_shu import EXPECTED, PASSWORD, _setup
from tests.support import data

PARTS = {
    "cadangan": 800_000,
    "jasa_anggota": 500_000,
    "jasa_modal": 400_000,
    "pengurus": 100_000,
    "karyawan": 100_000,
    "pendidikan": 50_000,
    "sosial": 50_000,
}


async def _board(stack: Stack, slug: str) -> dict[str, str]:
    """A pengurus and a bendahara for the example cooperative; their phones."""
    password_hash = await hash_password_async(PASSWORD)
    phones = {}
    async with stack.db.session(write=True) as session:
        coop = await session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        assert coop is not None
        for role in (Role.PENGURUS, Role.BENDAHARA):
            phone = data.new_phone()
            user = User(phone="+62" + phone[1:], name=f"Uji {role}", password_hash=password_hash)
            session.add(user)
            await session.flush()
            session.add(
                Membership(user_id=user.id, cooperative_id=coop.id, role=role, status=MembershipStatus.APPROVED)
            )
            phones[str(role)] = phone
        await session.commit()
    return phones


async def _client(stack: Stack, phone: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=stack.url, timeout=60)
    await data.csrf_token(client)
    login = await client.post("/api/auth/login", json={"phone": phone, "password": PASSWORD})
    assert login.status_code == 200, login.text
    await data.csrf_token(client)
    return client


async def _entries(stack: Stack) -> int:
    async with stack.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def _rp(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


async def test_close_pay_and_report(stack: Stack) -> None:
    slug, phones, year = await _setup(stack)
    board = await _board(stack, slug)
    api = f"/api/cooperatives/{slug}"
    pengurus, bendahara = await _client(stack, board["pengurus"]), await _client(stack, board["bendahara"])
    members = {name: await _client(stack, phone) for name, phone in phones.items()}
    try:
        # The current year cannot be closed; nothing is posted.
        before = await _entries(stack)
        current = await pengurus.post(f"{api}/shu/{year + 1}/close", json={})
        assert current.status_code == 422 and current.json()["detail"], current.text
        assert await _entries(stack) == before

        # The pengurus closes last year on the staff SHU page.
        page = await pengurus.get(f"/staf/{slug}/shu")
        assert f'<option value="{year}">' in page.text and "1 Januari tahun berikutnya" in page.text
        token = pengurus.cookies.get("csrftoken") or ""
        closed = await pengurus.post(
            f"/staf/{slug}/shu/tutup", data={"tahun": str(year), "_csrf_token": token}, follow_redirects=False
        )
        assert closed.status_code == 303, closed.text
        assert await _entries(stack) == before + 1

        # A second closing: a clear message, 409, nothing posted.
        again = await pengurus.post(f"{api}/shu/{year}/close", json={})
        assert again.status_code == 409 and "sudah ditutup" in again.json()["detail"], again.text
        page_again = await pengurus.post(
            f"/staf/{slug}/shu/tutup", data={"tahun": str(year), "_csrf_token": token}, follow_redirects=False
        )
        assert page_again.status_code == 409 and "sudah ditutup" in page_again.text
        assert await _entries(stack) == before + 1

        async with stack.db.session() as session:
            shares = {
                name: (s.id, s.jasa_anggota, s.jasa_modal, s.total)
                for s, name in (
                    await session.execute(select(ShuShare, User.name).join(User, User.id == ShuShare.member_user_id))
                ).tuples()
                if s.year == year and name.startswith("Anggota ")
            }
        assert {n[-1]: v[1:] for n, v in shares.items()} == EXPECTED

        sheet = (await pengurus.get(f"{api}/statements/balance?date={year}-12-31")).json()
        lines = {line["code"]: line["amount"] for line in sheet["lines"]}
        assert lines["2104"] == 900_000 and lines["3201"] == 800_000
        assert (lines["2105"], lines["2106"], lines["2107"], lines["2108"]) == (100_000, 100_000, 50_000, 50_000)
        assert sheet["assets"] == sheet["liabilities"] + sheet["equity"]

        # Payouts: A in cash by the bendahara, B into sukarela by the pengurus; each once.
        id_a, id_b = shares["Anggota A"][0], shares["Anggota B"][0]
        paid = await bendahara.post(f"{api}/shu/shares/{id_a}/pay", json={"to": "kas"})
        assert paid.status_code == 201 and paid.json()["paid_to"] == "kas", paid.text
        twice = await pengurus.post(f"{api}/shu/shares/{id_a}/pay", json={"to": "sukarela"})
        assert twice.status_code == 409 and "sudah dibayar" in twice.json()["detail"]
        token = pengurus.cookies.get("csrftoken") or ""
        to_savings = await pengurus.post(
            f"/staf/{slug}/shu/bagian/{id_b}/bayar",
            data={"ke": "sukarela", "_csrf_token": token},
            follow_redirects=False,
        )
        assert to_savings.status_code == 303, to_savings.text
        bad = await bendahara.post(f"{api}/shu/shares/{shares['Anggota C'][0]}/pay", json={"to": "bank"})
        assert bad.status_code == 422

        savings_b = (await members["B"].get(f"/api/me/savings?cooperative={slug}")).json()
        assert savings_b["sukarela"] == 270_000
        assert [e["method"] for e in savings_b["entries"] if e["kind"] == "sukarela"] == ["shu"]
        shu_entry = next(e for e in savings_b["entries"] if e["method"] == "shu")
        receipt = await members["B"].get(shu_entry["receipt_url"])
        assert receipt.status_code == 200 and "Pembayaran SHU" in receipt.text and _rp(270_000) in receipt.text

        tb = (await pengurus.get(f"{api}/ledger/trial-balance")).json()
        assert tb["total_debit"] == tb["total_credit"]
        accounts = {a["code"]: a for a in tb["accounts"]}
        assert accounts["2104"]["credit"] == 140_000  # only C's share is still owed

        # Each member's "SHU Anda": the fixed amount and whether and how it was paid.
        for name, how in (("A", "kas"), ("B", "sukarela"), ("C", None)):
            mine = (await members[name].get(f"/api/me/shu?cooperative={slug}&year={year}")).json()
            assert mine["closed"] is True and mine["total"] == EXPECTED[name][2] and mine["paid_to"] == how
        page_c = (await members["C"].get(f"/akun/simpanan?tahun={year}")).text
        assert "sudah ditutup" in page_c and "belum dibayar" in page_c and f"/k/{slug}/rat/{year}" in page_c
        assert "ke simpanan sukarela Anda" in (await members["B"].get(f"/akun/simpanan?tahun={year}")).text

        # A late expense dated in the closed year is booked on 1 January after it; the year stays as closed.
        late = await bendahara.post(
            f"{api}/expenses",
            json={"date": f"{year}-11-30", "category": "listrik", "amount": 10_000, "paid_from": "cash"},
        )
        assert late.status_code == 201, late.text
        income = (await pengurus.get(f"{api}/statements/income?year={year}")).json()
        assert income["surplus"] == 2_000_000
        assert (await pengurus.get(f"{api}/statements/income?year={year + 1}")).json()["expenses"] >= 10_000

        # The RAT report: the member sees their own line, the pengurus every line.
        own = await members["C"].get(f"/k/{slug}/rat/{year}")
        assert own.status_code == 200 and "Anggota C" in own.text and "Anggota A" not in own.text
        assert _rp(140_000) in own.text and _rp(800_000) in own.text
        everyone = (await pengurus.get(f"/k/{slug}/rat/{year}")).text
        for name in ("A", "B", "C"):
            assert f"Anggota {name}" in everyone
        assert "Tunai dari kas" in everyone and "Ke simpanan sukarela" in everyone and "Belum dibayar" in everyone
    finally:
        for client in (pengurus, bendahara, *members.values()):
            await client.aclose()
