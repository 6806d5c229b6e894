"""Every onboarding route against every role: exactly the right people get in; refusals change nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Cooperative, CooperativeStatus
from tests.conftest import Stack
from tests.integration.onboarding.support import PENGURUS_LIKE, cooperative_row, free_desas
from tests.support.roles import ROLES, Cast, signed_in_cast, snapshot

READERS = {"pengurus", "assigned_pendamping", "operator"}
REGISTRARS = {"operator", "unassigned_pendamping", "assigned_pendamping"}
OPERATORS = {"operator", "other_operator"}
PENDAMPING = {"unassigned_pendamping", "assigned_pendamping"}


def _refused(role: str, response: httpx.Response, *, api: bool) -> None:
    if role == "anonymous":
        if api:
            assert response.status_code == 401, response.text
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/masuk?lanjut=")
    else:
        assert response.status_code == 403, (role, response.status_code, response.text[:300])


async def _cooperatives(stack: Stack) -> int:
    async with stack.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Cooperative)) or 0)


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


async def test_pages(stack: Stack, cast: Cast) -> None:
    pages = {
        f"/staf/{cast.slug}/siap": READERS,
        "/operator": OPERATORS,
        "/pendamping": PENDAMPING,
        "/koperasi-baru": REGISTRARS | {"other_operator"},
        "/daftar-koperasi": set(ROLES) - {"anonymous"},
    }
    for path, allowed in pages.items():
        for role in ROLES:
            response = await cast.clients[role].get(path, follow_redirects=False)
            if role in allowed:
                assert response.status_code == 200, (role, path, response.status_code)
            else:
                _refused(role, response, api=False)


async def test_readiness_api_and_changes(stack: Stack, cast: Cast) -> None:
    base = f"/api/cooperatives/{cast.slug}"
    for role in ROLES:
        response = await cast.clients[role].get(f"{base}/readiness")
        if role in READERS:
            assert response.status_code == 200 and response.json()["ready"] is False, role
        else:
            _refused(role, response, api=True)
    for role in ROLES:
        before = await snapshot(stack.db, cast.cooperative_id)
        hours = f"Jam buka oleh {role}"
        response = await cast.clients[role].patch(base, json={"opening_hours": hours})
        page = await cast.clients[role].post(
            f"/staf/{cast.slug}/siap/profil",
            data={"opening_hours": hours, "whatsapp": "081234567000", "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        opened = await cast.clients[role].post(f"{base}/open", json={})
        closed = await cast.clients[role].post(f"{base}/close", json={})
        coop = await cooperative_row(stack.db, cast.slug)
        if role in PENGURUS_LIKE:
            assert response.status_code == 200 and page.status_code == 303, role
            assert opened.status_code == 409 and closed.status_code == 409, role  # not ready; not open yet
            assert coop.opening_hours == hours
        else:
            for answer, api in ((response, True), (page, False), (opened, True), (closed, True)):
                _refused(role, answer, api=api)
            assert coop.opening_hours != hours and coop.status == CooperativeStatus.ONBOARDING
            assert await snapshot(stack.db, cast.cooperative_id) == before, role


async def test_approving_and_rejecting(stack: Stack) -> None:
    async with signed_in_cast(stack.url, stack.db, CooperativeStatus.APPLIED) as cast:
        base = f"/api/cooperatives/{cast.slug}"
        for role in [r for r in ROLES if r != "operator"]:
            before = await snapshot(stack.db, cast.cooperative_id)
            for action, body in (("approve", {}), ("reject", {"reason": "Tidak lengkap"}), ("deactivate", {})):
                _refused(role, await cast.clients[role].post(f"{base}/{action}", json=body), api=True)
            page = await cast.clients[role].post(
                f"/operator/koperasi/{cast.slug}/setujui", data={"_csrf_token": cast.csrf(role)}, follow_redirects=False
            )
            _refused(role, page, api=False)
            coop = await cooperative_row(stack.db, cast.slug)
            assert coop.status == CooperativeStatus.APPLIED and coop.is_active, role
            assert await snapshot(stack.db, cast.cooperative_id) == before, role
        rejected = await cast.clients["operator"].post(f"{base}/reject", json={"reason": "Desa salah."})
        assert rejected.status_code == 200 and rejected.json()["reason"] == "Desa salah."


async def test_registering(stack: Stack, cast: Cast) -> None:
    desas = await free_desas(stack.db, "63.03", 2 * len(ROLES))
    for index, role in enumerate(ROLES):
        before = await _cooperatives(stack)
        body = {"name": f"Koperasi Desa Merah Putih Akses {index}", "desa_code": desas[2 * index],
                "whatsapp": "081234567010"}  # fmt: skip
        created = await cast.clients[role].post("/api/cooperatives", json=body)
        if role in REGISTRARS:
            assert created.status_code == 201 and created.json()["status"] == "onboarding", (role, created.text)
        elif role == "other_operator":
            assert created.status_code == 403  # a Kabupaten Banjar desa, outside Tanah Laut
        else:
            _refused(role, created, api=True)
        expected = before + (1 if role in REGISTRARS else 0)
        assert await _cooperatives(stack) == expected, role
        applied = await cast.clients[role].post(
            "/api/cooperatives/applications", json={**body, "desa_code": desas[2 * index + 1]}
        )
        if role == "anonymous":
            _refused(role, applied, api=True)
            assert await _cooperatives(stack) == expected
        else:
            assert applied.status_code == 201 and applied.json()["status"] == "applied", role


async def test_assigning_pendamping(stack: Stack, cast: Cast) -> None:
    target = cast.users["unassigned_pendamping"]
    for role in [r for r in ROLES if r != "operator"]:
        before = await snapshot(stack.db, cast.cooperative_id)
        response = await cast.clients[role].post(
            f"/operator/koperasi/{cast.slug}/pendamping",
            data={"user_id": str(target), "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        _refused(role, response, api=False)
        assert await snapshot(stack.db, cast.cooperative_id) == before, role
    response = await cast.clients["operator"].post(
        f"/operator/koperasi/{cast.slug}/pendamping",
        data={"user_id": str(target), "_csrf_token": cast.csrf("operator")},
        follow_redirects=False,
    )
    assert response.status_code == 303
