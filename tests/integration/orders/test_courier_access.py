"""The kurir role: their own runs and cash hand-in only; every role against the delivery and hand-in routes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from app.clock import local_today
from app.models import Cooperative
from orders.models import CashReconciliation, Courier, DeliveryRun, DeliveryStop, Order, OrderEvent
from tests.conftest import Stack
from tests.support.roles import ROLES, Cast, signed_in_cast

STAFF = {"petugas", "bendahara", "pengawas", "pengurus", "assigned_pendamping"}
COURIERS = STAFF | {"kurir"}
# Who may hand orders out, add couriers and record a hand-in as received: staff who change things.
STAFF_WRITERS = STAFF - {"pengawas"}
TOTAL = 25_000


@dataclass(frozen=True)
class Runs:
    own_run: int
    other_run: int
    own_courier: int
    other_courier: int
    own_numbers: tuple[str, str]
    other_number: str


def _refused(role: str, response: httpx.Response) -> None:
    if role == "anonymous":
        assert response.status_code == 303 and response.headers["location"].startswith("/masuk?lanjut="), (
            response.status_code
        )
    else:
        assert response.status_code == 403, (role, response.status_code, response.text[:300])


def _order(cooperative_id: int, number: str) -> Order:
    return Order(
        cooperative_id=cooperative_id,
        number=number,
        token=f"token-{number}",
        status="out_for_delivery",
        payment_status="unpaid",
        payment_method="cash",
        fulfilment="delivery",
        customer_name="Ibu Rahmah",
        customer_phone="+6281234567890",
        dusun="Dusun Sungai",
        rt="004",
        subtotal=TOTAL,
        total=TOTAL,
    )


async def _runs(stack: Stack, cast: Cast) -> Runs:
    """Today's run of the cast's kurir (two cash orders) and of a named village courier (one)."""
    async with stack.db.session(write=True) as session:
        cooperative = await session.get(Cooperative, cast.cooperative_id)
        assert cooperative is not None
        today = local_today(cooperative)
        own = Courier(cooperative_id=cooperative.id, user_id=cast.users["kurir"], name="Uji kurir", phone=None)
        other = Courier(cooperative_id=cooperative.id, name="Pak Lain Kurir", phone=None)
        session.add_all([own, other])
        await session.flush()
        runs = {}
        numbers: dict[int, list[str]] = {own.id: [], other.id: []}
        for courier, count in ((own, 2), (other, 1)):
            run = DeliveryRun(cooperative_id=cooperative.id, courier_id=courier.id, business_date=today)
            session.add(run)
            await session.flush()
            runs[courier.id] = run.id
            for i in range(count):
                number = f"UJI{cooperative.id}-{courier.id}-{i}"
                order = _order(cooperative.id, number)
                session.add(order)
                await session.flush()
                session.add(
                    DeliveryStop(cooperative_id=cooperative.id, run_id=run.id, courier_id=courier.id, order_id=order.id)
                )
                numbers[courier.id].append(number)
        await session.commit()
        return Runs(
            own_run=runs[own.id],
            other_run=runs[other.id],
            own_courier=own.id,
            other_courier=other.id,
            own_numbers=(numbers[own.id][0], numbers[own.id][1]),
            other_number=numbers[other.id][0],
        )


async def _state(stack: Stack, cooperative_id: int) -> tuple[object, ...]:
    """What a refused request must leave as it was: orders, stops, couriers, runs, hand-ins, events."""
    async with stack.db.session() as session:
        orders = (
            await session.execute(
                select(Order.number, Order.status, Order.payment_status)
                .where(Order.cooperative_id == cooperative_id)
                .order_by(Order.number)
            )
        ).all()
        stops = (
            await session.execute(
                select(DeliveryStop.id, DeliveryStop.delivered_at, DeliveryStop.cash_collected)
                .where(DeliveryStop.cooperative_id == cooperative_id)
                .order_by(DeliveryStop.id)
            )
        ).all()
        counts = []
        for model in (Courier, DeliveryRun, CashReconciliation):
            query = select(func.count()).select_from(model).where(model.cooperative_id == cooperative_id)
            counts.append(int(await session.scalar(query) or 0))
        events = await session.scalar(
            select(func.count()).select_from(OrderEvent).join(Order).where(Order.cooperative_id == cooperative_id)
        )
        return (tuple(orders), tuple(stops), tuple(counts), int(events or 0))


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


async def test_who_sees_runs_run_sheets_and_the_hand_in(stack: Stack, cast: Cast) -> None:
    runs = await _runs(stack, cast)
    base = f"/staf/{cast.slug}"
    for role in ROLES:
        client = cast.clients[role]
        for path in (f"{base}/antar", f"{base}/antar/{runs.own_run}", f"{base}/setoran"):
            response = await client.get(path, follow_redirects=False)
            if role in COURIERS:
                assert response.status_code == 200, (role, path, response.status_code)
            else:
                _refused(role, response)
        other = await client.get(f"{base}/antar/{runs.other_run}", follow_redirects=False)
        if role in STAFF:
            assert other.status_code == 200, role
            assert "Pak Lain Kurir" in other.text
        else:
            _refused(role, other)


async def test_a_kurir_sees_only_their_own_runs_and_hand_in_and_a_kurir_menu(stack: Stack, cast: Cast) -> None:
    runs = await _runs(stack, cast)
    kurir = cast.clients["kurir"]
    base = f"/staf/{cast.slug}"
    listing = await kurir.get(f"{base}/antar")
    assert listing.status_code == 200
    assert f"{base}/antar/{runs.own_run}" in listing.text
    assert f"{base}/antar/{runs.other_run}" not in listing.text and "Pak Lain Kurir" not in listing.text
    assert "Bertindak sebagai <strong>Kurir</strong>" in listing.text
    # No handing out, no adding couriers: those are staff forms.
    assert 'action="/staf/' + cast.slug + '/kurir"' not in listing.text and "Serahkan ke kurir" not in listing.text
    menu = re.search(r'<nav class="chips staff-nav".*?</nav>', listing.text, re.S)
    assert menu is not None
    assert re.findall(r'href="([^"]+)"', menu.group(0)) == [f"{base}/antar", f"{base}/setoran"]
    # Staff see every run, the hand-out form and the whole menu.
    petugas = await cast.clients["petugas"].get(f"{base}/antar")
    assert "Pak Lain Kurir" in petugas.text and f"{base}/antar/{runs.own_run}" in petugas.text
    assert f'href="{base}/pesanan"' in petugas.text and "Tambah kurir" in petugas.text
    # The kurir's hand-in page: only their own cash, and no form to record it as received.
    sheet = await kurir.get(f"{base}/antar/{runs.own_run}")
    assert runs.own_numbers[0] in sheet.text and runs.other_number not in sheet.text
    delivered = await kurir.post(
        f"{base}/antar/{runs.own_run}/{runs.own_numbers[0]}/terkirim",
        data={"tunai": "1", "_csrf_token": cast.csrf("kurir")},
        follow_redirects=False,
    )
    assert delivered.status_code == 303, delivered.text[:300]
    handed = await kurir.get(f"{base}/setoran")
    assert "Uji kurir" in handed.text and "Pak Lain Kurir" not in handed.text
    assert 'name="received"' not in handed.text and "Rp25.000" in handed.text.replace("\xa0", "")
    staff_view = await cast.clients["bendahara"].get(f"{base}/setoran")
    assert 'name="received"' in staff_view.text and "Catat setoran Uji kurir" in staff_view.text


async def test_a_kurir_works_their_own_stops_and_nothing_else(stack: Stack, cast: Cast) -> None:
    runs = await _runs(stack, cast)
    kurir = cast.clients["kurir"]
    base = f"/staf/{cast.slug}"
    token = {"_csrf_token": cast.csrf("kurir")}
    before = await _state(stack, cast.cooperative_id)
    refused = [
        await kurir.post(f"{base}/antar/{runs.other_run}/{runs.other_number}/terkirim", data={**token, "tunai": "1"}),
        await kurir.post(f"{base}/antar/{runs.other_run}/{runs.other_number}/tunai", data=token),
        await kurir.post(f"{base}/antar", data={**token, "kurir": f"kurir:{runs.own_courier}", "pilih": "X"}),
        await kurir.post(f"{base}/kurir", data={**token, "name": "Kurir Palsu"}),
        await kurir.post(f"{base}/pesanan/{runs.other_number}/langkah", data={**token, "to": "completed"}),
        await kurir.post(f"{base}/pesanan/aksi", data={**token, "aksi": "confirm", "pilih": runs.other_number}),
    ]
    for response in refused:
        assert response.status_code == 403, (response.request.url, response.status_code)
    for section in ("", "/pesanan", "/ambil", "/slip", "/stok", "/produk", "/produk/baru", "/produsen",
                    "/anggota", "/pengaturan", "/tim", "/log", "/ekspor", "/tinjauan", "/bayar-produsen"):  # fmt: skip
        page = await kurir.get(f"{base}{section}", follow_redirects=False)
        assert page.status_code == 403, (section, page.status_code)
    assert await _state(stack, cast.cooperative_id) == before
    # Their own stops: delivered with the cash, delivered unpaid then paid later.
    first, second = runs.own_numbers
    sheet = f"{base}/antar/{runs.own_run}"
    assert (await kurir.post(f"{sheet}/{first}/terkirim", data={**token, "tunai": "1"})).status_code == 303
    assert (await kurir.post(f"{sheet}/{second}/terkirim", data=token)).status_code == 303
    assert (await kurir.post(f"{sheet}/{second}/tunai", data=token)).status_code == 303
    async with stack.db.session() as session:
        rows = await session.execute(
            select(Order.status, Order.payment_status).where(Order.number.in_([first, second, runs.other_number]))
        )
        assert sorted(rows.tuples()) == [
            ("completed", "paid"),
            ("completed", "paid"),
            ("out_for_delivery", "unpaid"),
        ]
    # The kurir may not record their own hand-in as received; the bendahara does.
    hand_in = {"kurir": str(runs.own_courier), "tanggal": "", "received": str(2 * TOTAL)}
    async with stack.db.session() as session:
        cooperative = await session.get(Cooperative, cast.cooperative_id)
        assert cooperative is not None
        hand_in["tanggal"] = local_today(cooperative).isoformat()
    before = await _state(stack, cast.cooperative_id)
    own = await kurir.post(f"{base}/setoran", data={**hand_in, **token}, follow_redirects=False)
    assert own.status_code == 403
    assert await _state(stack, cast.cooperative_id) == before
    received = await cast.clients["bendahara"].post(
        f"{base}/setoran", data={**hand_in, "_csrf_token": cast.csrf("bendahara")}, follow_redirects=False
    )
    assert received.status_code == 303
    page = await kurir.get(f"{base}/setoran", params={"tanggal": hand_in["tanggal"]})
    assert "Setoran tercatat" in page.text and "Uji kurir" in page.text


async def test_every_role_against_the_delivery_and_hand_in_actions(stack: Stack, cast: Cast) -> None:
    runs = await _runs(stack, cast)
    base = f"/staf/{cast.slug}"
    for role in ROLES:
        client = cast.clients[role]
        token = {"_csrf_token": cast.csrf(role)}
        before = await _state(stack, cast.cooperative_id)
        answers = {
            "assign": await client.post(f"{base}/antar", data={**token, "kurir": "", "pilih": "TIDAK-ADA"}),
            "add": await client.post(f"{base}/kurir", data={**token, "name": ""}),
            "hand_in": await client.post(f"{base}/setoran", data={**token, "kurir": "", "received": ""}),
            "delivered": await client.post(
                f"{base}/antar/{runs.other_run}/TIDAK-ADA/terkirim", data=token, follow_redirects=False
            ),
        }
        for action, response in answers.items():
            # The kurir too is refused: the run is another courier's, and the rest is staff work.
            if role in STAFF_WRITERS:
                # Allowed in, then refused for the empty or unknown input: never a permission answer.
                assert response.status_code in {400, 404, 409, 422}, (role, action, response.status_code)
            else:
                _refused(role, response)
        assert await _state(stack, cast.cooperative_id) == before, role
