"""Accounts that hold: sign-up that does not tell who is registered, the NIK sealed at rest, password change,
sign out everywhere, and staff sessions that end when left alone."""

from __future__ import annotations

import json
import time

import httpx
from sqlalchemy import select, update

from app.models import User, WebSession
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

PASSWORD = "sandi-warga-uji"


async def _sign_up(client: httpx.AsyncClient, phone: str, password: str, name: str = "Warga Uji") -> httpx.Response:
    token = await data.csrf_token(client, "/daftar")
    return await client.post(
        "/daftar", data={"name": name, "phone": phone, "password": password, "_csrf_token": token, "lanjut": "/akun"}
    )


async def test_sign_up_answers_a_taken_number_like_a_free_one_and_tells_the_owner(stack: Stack) -> None:
    phone = data.new_phone()
    async with stack.client() as first, stack.client() as second:
        free = await _sign_up(first, phone, PASSWORD, "Ibu Rusmini")
        taken = await _sign_up(second, phone, "sandi-orang-lain", "Orang lain")
        for answer in (free, taken):
            assert answer.status_code == 303 and answer.headers["location"] == "/masuk?lanjut=/akun"
        pages = [await client.get("/masuk?lanjut=/akun") for client in (first, second)]
        for page in pages:
            assert "Pendaftaran diterima" in page.text and "Lupa kata sandi?" in page.text
            assert f'value="{phone}"' in page.text  # the number typed is filled in
            assert "sudah terdaftar" not in page.text
        # Neither is signed in by the sign-up itself; the new password of the taken number opens nothing.
        assert (await second.get("/akun")).status_code == 303
        assert (await data.login(second, phone, "sandi-orang-lain")).status_code == 422
        assert (await data.login(first, phone, PASSWORD)).status_code == 303
        account = await first.get("/akun")
        assert "Ibu Rusmini" in account.text
        assert "seseorang mencoba mendaftar akun baru dengan nomor HP Anda" in account.text
        forgot = await first.get("/lupa-sandi")
        assert forgot.status_code == 200 and "tautan kata sandi baru" in forgot.text


async def test_sign_ups_per_number_are_limited_with_retry_after(stack: Stack) -> None:
    phone = data.new_phone()
    async with stack.client() as client:
        codes = [(await _sign_up(client, phone, PASSWORD)).status_code for _ in range(6)]
        assert codes == [303] * 5 + [429]
        limited = await _sign_up(client, phone, PASSWORD)
        assert limited.status_code == 429 and 0 < int(limited.headers["retry-after"]) <= 3600
        assert "Terlalu banyak percobaan" in limited.text


async def test_the_nik_is_sealed_at_rest_and_a_taken_one_is_not_named(stack: Stack) -> None:
    nik = data.new_nik()
    holder = await data.resident(stack.url, stack.db)
    other = await data.resident(stack.url, stack.db)
    try:
        assert (await data.set_nik(holder, nik)).status_code == 303
        async with stack.db.session() as session:
            row = await session.scalar(select(User).where(User.nik_hash.is_not(None)).order_by(User.id.desc()))
            assert row is not None and row.nik == nik
            stored = f"{row.nik_hash} {row.nik_sealed}"
        assert nik not in stored and nik[-4:] not in stored
        refused = await data.set_nik(other, nik)
        assert refused.status_code == 303
        profile = await other.get("/akun/profil")
        assert "Profil tersimpan. NIK ini tidak dapat dicatat pada akun ini" in profile.text
        assert "terdaftar" not in profile.text and "belum" in (await other.get("/akun")).text
        assert "mencoba mencatat NIK Anda pada akun lain" in (await holder.get("/akun")).text
    finally:
        await holder.aclose()
        await other.aclose()


async def test_password_change_signs_out_the_other_devices_only(stack: Stack) -> None:
    async with stack.client() as here, stack.client() as there:
        phone = await data.signup(here)
        assert (await data.login(there, phone, PASSWORD)).status_code == 303
        token = await data.csrf_token(here, "/akun/sandi")
        wrong = await here.post(
            "/akun/sandi",
            data={
                "current_password": "bukan-sandinya",
                "new_password": "sandi-baru-123",
                "confirm": "sandi-baru-123",
                "_csrf_token": token,
            },
        )
        assert wrong.status_code == 422 and "Kata sandi sekarang salah." in wrong.text
        changed = await here.post(
            "/akun/sandi",
            data={
                "current_password": PASSWORD,
                "new_password": "sandi-baru-123",
                "confirm": "sandi-baru-123",
                "_csrf_token": token,
            },
        )
        assert changed.status_code == 303 and changed.headers["location"] == "/akun"
        assert "Kata sandi baru tersimpan" in (await here.get("/akun")).text
        ended = await there.get("/akun/pesanan")
        assert ended.status_code == 303 and ended.headers["location"] == "/masuk?lanjut=/akun/pesanan"
        assert "kata sandi akun diganti" in (await there.get(ended.headers["location"])).text
        assert (await data.login(there, phone, PASSWORD)).status_code == 422
        assert (await data.login(there, phone, "sandi-baru-123")).status_code == 303


async def test_sign_out_everywhere_ends_every_session_and_the_api_says_so(stack: Stack) -> None:
    async with stack.client() as here, stack.client() as there:
        phone = await data.signup(here)
        assert (await there.post("/api/auth/login", json={"phone": phone, "password": PASSWORD})).status_code == 200
        token = await data.csrf_token(here, "/akun/sandi")
        out = await here.post("/akun/keluar-semua", data={"_csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/masuk"
        assert "Anda sudah keluar dari semua perangkat" in (await here.get("/masuk")).text
        api = await there.get("/akun", headers={"Accept": "application/json"})
        assert api.status_code == 401 and api.json()["code"] == "http_error"
        # The JSON API does the same.
        assert (await there.post("/api/auth/login", json={"phone": phone, "password": PASSWORD})).status_code == 200
        assert (await there.post("/api/auth/logout-everywhere", json={})).status_code == 204
        assert (await there.get("/akun")).status_code == 303


async def _age_session(stack: Stack, client: httpx.AsyncClient, seconds: int) -> None:
    """Move the session's clock back, as if the person had left the device alone for `seconds`."""
    key = client.cookies["pd_session"]
    async with stack.db.session(write=True) as session:
        raw = await session.scalar(select(WebSession.value).where(WebSession.key == key))
        assert raw is not None
        body = json.loads(raw)
        now = int(time.time())
        body["seen"] = now - seconds
        body["iat"] = min(int(body.get("iat", now)), now - seconds)
        await session.execute(update(WebSession).where(WebSession.key == key).values(value=json.dumps(body).encode()))
        await session.commit()


async def test_staff_left_idle_sign_in_again_and_return_where_they_were(stack: Stack) -> None:
    resident = await data.resident(stack.url, stack.db)
    try:
        async with stack.client() as staff:
            assert (await data.login(staff, data.STAFF_PHONES["lok-baintan"], DEMO_PASSWORD)).status_code == 303
            assert (await staff.get("/staf/lok-baintan/pesanan")).status_code == 200
            await _age_session(stack, staff, 29 * 60)
            assert (await staff.get("/staf/lok-baintan/pesanan")).status_code == 200  # 29 minutes: still in
            await _age_session(stack, staff, 31 * 60)
            away = await staff.get("/staf/lok-baintan/pesanan")
            assert away.status_code == 303 and away.headers["location"] == "/masuk?lanjut=/staf/lok-baintan/pesanan"
            login_page = await staff.get(away.headers["location"])
            assert "tidak ada kegiatan selama 30 menit" in login_page.text
            token = await data.csrf_token(staff)
            back = await staff.post(
                "/masuk",
                data={
                    "phone": data.STAFF_PHONES["lok-baintan"],
                    "password": DEMO_PASSWORD,
                    "lanjut": "/staf/lok-baintan/pesanan",
                    "_csrf_token": token,
                },
            )
            assert back.status_code == 303 and back.headers["location"] == "/staf/lok-baintan/pesanan"
            # However busy, a staff session ends after STAFF_SESSION_HOURS (12 h).
            await _age_session(stack, staff, 0)
            key = staff.cookies["pd_session"]
            async with stack.db.session(write=True) as session:
                raw = await session.scalar(select(WebSession.value).where(WebSession.key == key))
                assert raw is not None
                body = json.loads(raw) | {"iat": int(time.time()) - 13 * 3600}
                await session.execute(
                    update(WebSession).where(WebSession.key == key).values(value=json.dumps(body).encode())
                )
                await session.commit()
            assert (await staff.get("/staf/lok-baintan/pesanan")).status_code == 303
        # A resident's session does not end for being idle.
        await _age_session(stack, resident, 3 * 24 * 3600)
        assert (await resident.get("/akun")).status_code == 200
    finally:
        await resident.aclose()
