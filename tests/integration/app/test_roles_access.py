"""Every route of the roles work against every role: exactly the right people get in, refusals change nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.models import CooperativeStatus, Membership, Role
from tests.conftest import Stack
from tests.support.roles import ROLES, Cast, signed_in_cast, snapshot

PENGURUS_LIKE = {"pengurus", "assigned_pendamping"}
PASSWORD_HELPERS = {"pengurus", "assigned_pendamping", "operator"}
STAFF = {"petugas", "bendahara", "pengawas", "pengurus", "assigned_pendamping"}


def _refused(role: str, response: httpx.Response, *, api: bool) -> None:
    if role == "anonymous":
        if api:
            assert response.status_code == 401, response.text
            assert response.json()["code"] == "http_error"
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/masuk?lanjut=")
    else:
        assert response.status_code == 403, (role, response.status_code, response.text[:300])
        if api:
            assert response.json()["status"] == 403


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


async def test_team_and_log_pages(stack: Stack, cast: Cast) -> None:
    for role in ROLES:
        client = cast.clients[role]
        for path in (f"/staf/{cast.slug}/tim", f"/staf/{cast.slug}/log"):
            response = await client.get(path, follow_redirects=False)
            if role in PENGURUS_LIKE:
                assert response.status_code == 200, (role, path)
                label = "Pengurus" if role == "pengurus" else "Pendamping"
                assert f"Bertindak sebagai <strong>{label}</strong>" in response.text
            else:
                _refused(role, response, api=False)


async def test_inviting_through_the_api(stack: Stack, cast: Cast) -> None:
    for role in ROLES:
        before = await snapshot(stack.db, cast.cooperative_id)
        body = {"phone": f"0819{cast.cooperative_id:04d}{ROLES.index(role):04d}", "name": "Calon", "role": "kurir"}
        response = await cast.clients[role].post(f"/api/cooperatives/{cast.slug}/invitations", json=body)
        if role in PENGURUS_LIKE:
            assert response.status_code == 201, (role, response.text)
            assert "/undangan/" in response.json()["url"]
        else:
            _refused(role, response, api=True)
            assert await snapshot(stack.db, cast.cooperative_id) == before, role


async def test_inviting_through_the_page(stack: Stack, cast: Cast) -> None:
    for role in ROLES:
        before = await snapshot(stack.db, cast.cooperative_id)
        form = {"phone": f"0818{cast.cooperative_id:04d}{ROLES.index(role):04d}", "name": "Calon", "role": "petugas"}
        response = await cast.clients[role].post(
            f"/staf/{cast.slug}/tim/undang", data={**form, "_csrf_token": cast.csrf(role)}, follow_redirects=False
        )
        if role in PENGURUS_LIKE:
            assert response.status_code == 200, (role, response.text[:300])
            assert "Kirim lewat WhatsApp" in response.text and "https://wa.me/62818" in response.text
        else:
            _refused(role, response, api=False)
            assert await snapshot(stack.db, cast.cooperative_id) == before, role


async def test_password_links(stack: Stack, cast: Cast) -> None:
    for role in ROLES:
        before = await snapshot(stack.db, cast.cooperative_id)
        response = await cast.clients[role].post(
            f"/api/cooperatives/{cast.slug}/password-resets", json={"phone": cast.phones["member"]}
        )
        if role in PASSWORD_HELPERS:
            assert response.status_code == 201, (role, response.text)
            body = response.json()
            assert "/atur-sandi/" in body["url"] and body["whatsapp_url"].startswith("https://wa.me/62")
        else:
            _refused(role, response, api=True)
            assert await snapshot(stack.db, cast.cooperative_id) == before, role


async def test_changing_roles_and_removing(stack: Stack, cast: Cast) -> None:
    kurir = cast.memberships["kurir"]
    for role in ROLES:
        if role in PENGURUS_LIKE:
            continue
        before = await snapshot(stack.db, cast.cooperative_id)
        client = cast.clients[role]
        changed = await client.put(f"/api/cooperatives/{cast.slug}/team/{kurir}", json={"role": "petugas"})
        removed = await client.request(
            "DELETE", f"/api/cooperatives/{cast.slug}/team/{kurir}", headers={"content-type": "application/json"}
        )
        page = await client.post(
            f"/staf/{cast.slug}/tim/{kurir}/hapus", data={"_csrf_token": cast.csrf(role)}, follow_redirects=False
        )
        for response, api in ((changed, True), (removed, True), (page, False)):
            _refused(role, response, api=api)
        assert await snapshot(stack.db, cast.cooperative_id) == before, role
    # The allowed ones: a role change, then a removal.
    changed = await cast.clients["pengurus"].put(
        f"/api/cooperatives/{cast.slug}/team/{kurir}", json={"role": "petugas"}
    )
    assert changed.status_code == 200 and changed.json()["role"] == "petugas"
    removed = await cast.clients["assigned_pendamping"].request(
        "DELETE", f"/api/cooperatives/{cast.slug}/team/{kurir}", headers={"content-type": "application/json"}
    )
    assert removed.status_code == 204
    async with stack.db.session() as session:
        assert await session.get(Membership, kurir) is None


async def test_the_staff_area_and_what_each_role_may_do_there(stack: Stack, cast: Cast) -> None:
    """requires_staff: four cooperative roles and the assigned pendamping; the pengawas only looks."""
    for role in ROLES:
        client = cast.clients[role]
        response = await client.get(f"/staf/{cast.slug}/anggota", follow_redirects=False)
        if role in STAFF:
            assert response.status_code == 200, role
            assert "Bertindak sebagai" in response.text
        else:
            _refused(role, response, api=False)
        # A decision on a request that does not exist: staff who may act get 404, the pengawas 403.
        decided = await client.post(
            f"/staf/{cast.slug}/anggota/999999999",
            data={"decision": "approve", "_csrf_token": cast.csrf(role)},
            follow_redirects=False,
        )
        if role in STAFF - {"pengawas"}:
            assert decided.status_code == 404, role
        else:
            _refused(role, decided, api=False)
    pengawas = await cast.clients["pengawas"].get(f"/staf/{cast.slug}/anggota")
    assert "Bertindak sebagai <strong>Pengawas</strong>" in pengawas.text


async def test_once_open_the_pendamping_helps_but_no_longer_runs_the_cooperative(stack: Stack) -> None:
    async with signed_in_cast(stack.url, stack.db, status=CooperativeStatus.OPEN) as cast:
        pendamping = cast.clients["assigned_pendamping"]
        assert (await pendamping.get(f"/staf/{cast.slug}/tim")).status_code == 403
        invite = {"phone": "081977770001", "name": "Calon", "role": "petugas"}
        assert (await pendamping.post(f"/api/cooperatives/{cast.slug}/invitations", json=invite)).status_code == 403
        assert (await pendamping.get(f"/staf/{cast.slug}/anggota")).status_code == 200
        reset = {"phone": cast.phones["member"]}
        assert (await pendamping.post(f"/api/cooperatives/{cast.slug}/password-resets", json=reset)).status_code == 201


async def test_the_last_pengurus_stays(stack: Stack, cast: Cast) -> None:
    pengurus = cast.clients["pengurus"]
    own = cast.memberships["pengurus"]
    demoted = await pengurus.put(f"/api/cooperatives/{cast.slug}/team/{own}", json={"role": "petugas"})
    assert demoted.status_code == 409 and "paling sedikit satu pengurus" in demoted.json()["detail"]
    removed = await pengurus.request(
        "DELETE", f"/api/cooperatives/{cast.slug}/team/{own}", headers={"content-type": "application/json"}
    )
    assert removed.status_code == 409
    page = await pengurus.post(
        f"/staf/{cast.slug}/tim/{own}/peran", data={"role": "member", "_csrf_token": cast.csrf("pengurus")}
    )
    assert page.status_code == 409
    # With a second pengurus, the first may step down.
    bendahara = cast.memberships["bendahara"]
    promoted = await pengurus.put(f"/api/cooperatives/{cast.slug}/team/{bendahara}", json={"role": "pengurus"})
    assert promoted.status_code == 200
    assert (
        await pengurus.put(f"/api/cooperatives/{cast.slug}/team/{own}", json={"role": "petugas"})
    ).status_code == 200
    async with stack.db.session() as session:
        rows = await session.execute(select(Membership.id, Membership.role).where(Membership.id.in_([own, bendahara])))
        roles = {membership_id: role for membership_id, role in rows.tuples()}
    assert roles == {own: Role.PETUGAS, bendahara: Role.PENGURUS}


async def test_a_pengurus_cannot_take_over_accounts_beyond_their_cooperative(stack: Stack, cast: Cast) -> None:
    """A reset link gives the account to whoever holds it: never for someone who answers to others too."""
    async with stack.db.session(write=True) as session:
        other = await session.scalar(select(Membership).where(Membership.user_id == cast.users["other_pengurus"]))
        assert other is not None
        session.add(Membership(user_id=cast.users["other_pengurus"], cooperative_id=cast.cooperative_id))
        session.add(Membership(user_id=cast.users["operator"], cooperative_id=cast.cooperative_id))
        await session.commit()
    pengurus = cast.clients["pengurus"]
    for target in ("other_pengurus", "operator"):
        response = await pengurus.post(
            f"/api/cooperatives/{cast.slug}/password-resets", json={"phone": cast.phones[target]}
        )
        assert response.status_code == 403, target
    unknown = await pengurus.post(f"/api/cooperatives/{cast.slug}/password-resets", json={"phone": "081999999999"})
    assert unknown.status_code == 404
