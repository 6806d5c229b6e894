"""Members see a producer's own sales and payouts in the members' books only if the producer agreed; the board
sees every producer. The producer changes its own consent."""

from __future__ import annotations

from app import clock
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

STAFF_LOK, RESIDENT_LOK, PRODUCER_A = "081200000101", "081200009001", "081200001001"
NAME_A = "Kelompok Tani Jukung Bahagia"


async def _books(stack: Stack, phone: str, month: str) -> str:
    async with stack.client() as client:
        assert (await data.login(client, phone, DEMO_PASSWORD)).status_code == 303
        page = await client.get("/k/lok-baintan/laporan", params={"bulan": month})
        assert page.status_code == 200
        return page.text


async def test_members_see_producers_combined_unless_the_producer_agreed(stack: Stack) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    month = clock.period_containing("month", clock.local_today(coop)).previous().key
    member = await _books(stack, RESIDENT_LOK, month)
    assert NAME_A not in member and "produsen lain (digabung)" in member
    board = await _books(stack, STAFF_LOK, month)
    assert NAME_A in board and "(digabung)" not in board

    async with stack.client() as producer:
        assert (await data.login(producer, PRODUCER_A, DEMO_PASSWORD)).status_code == 303
        assert "hanya digabung" in (await producer.get("/produsen")).text
        token = producer.cookies["csrftoken"]
        try:
            saved = await producer.post("/produsen/keterbukaan", data={"shares_figures": "ya", "_csrf_token": token})
            assert saved.status_code == 303
            assert "ditampilkan dengan nama usaha Anda" in (await producer.get("/produsen/keterbukaan")).text
            assert NAME_A in await _books(stack, RESIDENT_LOK, month)
        finally:
            back = await producer.post("/produsen/keterbukaan", data={"shares_figures": "tidak", "_csrf_token": token})
            assert back.status_code == 303
    assert NAME_A not in await _books(stack, RESIDENT_LOK, month)
    async with stack.client() as anonymous:
        refused = await anonymous.post("/produsen/keterbukaan", data={"shares_figures": "ya"}, follow_redirects=False)
        assert refused.status_code in {303, 403}
