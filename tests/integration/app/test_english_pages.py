"""The core pages in English once the language is switched (and nothing English before): sign-in, registration,
the account page with its language choice, and the API's error messages."""

from __future__ import annotations

from tests.conftest import Stack
from tests.support import data
from tests.support.i18n_check import english_left, indonesian_left


async def test_a_resident_signs_up_and_reads_the_account_in_english_then_switches_back(stack: Stack) -> None:
    async with stack.client() as client:
        for path in ("/daftar", "/masuk"):
            page = await client.get(path)
            assert page.status_code == 200 and english_left(page.text) == [], path
        assert "Lupa kata sandi?" in page.text
        token = await data.csrf_token(client, "/masuk")
        switched = await client.post("/bahasa", data={"bahasa": "en", "next": "/masuk", "_csrf_token": token})
        assert switched.status_code == 303 and client.cookies.get("pd_lang") == "en"
        login = await client.get("/masuk")
        assert login.status_code == 200 and indonesian_left(login.text) == []
        assert "Forgot your password?" in login.text and login.headers["content-language"] == "en"
        signup = await client.get("/daftar")
        assert indonesian_left(signup.text) == [] and "Just a phone number and a password." in signup.text
        token = await data.csrf_token(client, "/daftar")
        refused = await client.post("/daftar", data={"name": "", "phone": "12", "password": "x", "_csrf_token": token})
        assert refused.status_code == 422 and indonesian_left(refused.text) == []
        assert "Name is required." in refused.text
        phone = await data.signup(client)
        account = await client.get("/akun")
        assert account.status_code == 200 and indonesian_left(account.text) == []
        assert "Current language: <strong>English</strong>" in account.text and "Edit profile" in account.text
        wrong = await client.post("/api/auth/login", json={"phone": phone, "password": "salah-sekali"})
        assert wrong.status_code == 422 and wrong.json()["detail"] == "Wrong phone number or password."
        # The account page's choice: Indonesian again, kept on the account.
        token = await data.csrf_token(client, "/akun")
        switched = await client.post("/bahasa", data={"bahasa": "id", "next": "/akun", "_csrf_token": token})
        assert switched.status_code == 303 and switched.headers["location"] == "/akun"
        back = await client.get("/akun")
        assert english_left(back.text) == [] and "Bahasa sekarang: <strong>Bahasa Indonesia</strong>" in back.text
    # Another browser asking for English gets the account's Indonesian once signed in.
    async with stack.client(headers={"Accept-Language": "en"}) as other:
        assert (await data.login(other, phone, "sandi-warga-uji")).status_code == 303
        page = await other.get("/akun")
        assert english_left(page.text) == [] and "Bahasa sekarang" in page.text
