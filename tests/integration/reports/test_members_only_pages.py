"""A signed-in resident who is not a member is told the books are for members, and where to apply."""

from __future__ import annotations

from tests.conftest import Stack
from tests.support import data


async def test_a_non_member_is_pointed_to_the_membership_application(stack: Stack) -> None:
    async with stack.client() as resident:
        await data.signup(resident)
        page = await resident.get("/k/lok-baintan/laporan")
        assert page.status_code == 403
        assert "hanya untuk anggota" in page.text
        assert 'href="/k/lok-baintan/anggota"' in page.text and "Daftar menjadi anggota" in page.text
        # The API says the same in its structured error.
        api = await resident.get("/api/cooperatives/lok-baintan/statements/income")
        assert api.status_code == 403
        assert api.json()["next_step"]["href"] == "/k/lok-baintan/anggota"
        # The link leads to the application form.
        assert (await resident.get("/k/lok-baintan/anggota")).status_code == 200


async def test_the_cooperatives_own_people_read_the_books_without_the_application_link(stack: Stack) -> None:
    staff = await data.staff(stack.url)
    try:
        own = await staff.get("/k/lok-baintan/laporan")
        assert own.status_code == 200 and "Daftar menjadi anggota" not in own.text
    finally:
        await staff.aclose()
