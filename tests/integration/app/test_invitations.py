"""Invitations and password links end to end: single use, expiry, stored hashed, clear pages, audit entries."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import io
from contextlib import redirect_stdout

import httpx
import pytest
from sqlalchemy import select, text

from app import cli, people
from app.audit import Actor, AuditEntry
from app.auth import CurrentUser
from app.models import Cooperative, Invitation, Membership, Role, User
from app.ratelimit import rate_limit
from app.tokens import OneTimeToken, TokenPurpose
from tests.conftest import SECRET, Stack
from tests.support import data
from tests.support.roles import PASSWORD, Cast, signed_in_cast


@pytest.fixture
async def cast(stack: Stack) -> object:
    async with signed_in_cast(stack.url, stack.db) as made:
        yield made


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def _invite(cast: Cast, role: str = "petugas", phone: str | None = None, by: str = "pengurus") -> tuple[str, str]:
    phone = phone or data.new_phone()
    response = await cast.clients[by].post(
        f"/api/cooperatives/{cast.slug}/invitations", json={"phone": phone, "name": "Siti Petugas", "role": role}
    )
    assert response.status_code == 201, response.text
    return response.json()["url"], phone


async def test_a_new_person_accepts_once_and_works_in_the_cooperative(stack: Stack, cast: Cast) -> None:
    url, phone = await _invite(cast)
    token = _token(url)
    async with stack.client() as newcomer:
        page = await newcomer.get(f"/undangan/{token}")
        assert page.status_code == 200
        assert f"Koperasi Uji {cast.slug}" in page.text and "<strong>Petugas</strong>" in page.text
        assert 'name="name"' in page.text  # no account yet: a name and a new password
        accepted = await newcomer.post("/api/invitations/accept", json={"token": token, "password": "sandi-baru-123"})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["home"] == f"/staf/{cast.slug}"
        assert "pd_session" in accepted.headers.get("set-cookie", "")
        staff_page = await newcomer.get(f"/staf/{cast.slug}/anggota")
        assert staff_page.status_code == 200 and "Bertindak sebagai <strong>Petugas</strong>" in staff_page.text
    again = await stack.client().post("/api/invitations/accept", json={"token": token, "password": "sandi-baru-123"})
    assert again.status_code == 410 and again.json()["code"] == "token_invalid"
    async with stack.client() as late:
        gone = await late.get(f"/undangan/{token}")
        assert gone.status_code == 410 and "tidak berlaku lagi" in gone.text
    async with stack.db.session() as session:
        user = await session.scalar(select(User).where(User.phone == "+62" + phone[1:]))
        assert user is not None and user.name == "Siti Petugas"
        membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership is not None and membership.role == Role.PETUGAS
        # Stored hashed: the raw token is nowhere in the table, its SHA-256 is.
        row = await session.scalar(
            select(OneTimeToken).where(OneTimeToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
        )
        assert row is not None and row.used_at is not None and row.purpose == TokenPurpose.INVITATION
        raw_hits = await session.scalar(
            text("SELECT count(*) FROM one_time_token WHERE token_hash = :raw"), {"raw": token}
        )
        assert raw_hits == 0
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.cooperative_id == cast.cooperative_id)
                .order_by(AuditEntry.id)
            )
        )
        assert actions[-2:] == ["invitation.created", "invitation.accepted"]


async def test_an_existing_account_signs_in_with_its_own_password(stack: Stack, cast: Cast) -> None:
    url, _ = await _invite(cast, role="kurir", phone=cast.phones["resident"])
    token = _token(url)
    async with stack.client() as resident:
        page = await resident.get(f"/undangan/{token}")
        assert "Nomor ini sudah punya akun" in page.text and 'name="name"' not in page.text
        wrong = await resident.post("/api/invitations/accept", json={"token": token, "password": "bukan-sandinya"})
        assert wrong.status_code == 422
        # The wrong password used nothing up.
        right = await resident.post("/api/invitations/accept", json={"token": token, "password": PASSWORD})
        assert right.status_code == 200, right.text
        assert right.json()["id"] == cast.users["resident"]
    async with stack.db.session() as session:
        role = await session.scalar(
            select(Membership.role).where(
                Membership.user_id == cast.users["resident"], Membership.cooperative_id == cast.cooperative_id
            )
        )
        user = await session.get(User, cast.users["resident"])
        assert role == Role.KURIR and user is not None and user.name == "Uji resident"


async def test_the_page_form_accepts_and_signs_in(stack: Stack, cast: Cast) -> None:
    url, _ = await _invite(cast, role="bendahara", by="assigned_pendamping")
    token = _token(url)
    async with stack.client() as newcomer:
        csrf = await data.csrf_token(newcomer, f"/undangan/{token}")
        short = await newcomer.post(
            f"/undangan/{token}", data={"name": "Bu Bendahara", "password": "pendek", "_csrf_token": csrf}
        )
        assert short.status_code == 422 and "paling sedikit 8" in short.text
        done = await newcomer.post(
            f"/undangan/{token}", data={"name": "Bu Bendahara", "password": "sandi-bendahara", "_csrf_token": csrf}
        )
        assert done.status_code == 303 and done.headers["location"] == f"/staf/{cast.slug}"
    async with stack.db.session() as session:
        entry = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.cooperative_id == cast.cooperative_id, AuditEntry.action == "invitation.created")
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.acting_as == "pendamping" and entry.actor_label == "Uji assigned_pendamping"
        assert entry.client_address


async def test_a_new_invitation_replaces_the_old_and_expired_ones_are_refused(stack: Stack, cast: Cast) -> None:
    first, phone = await _invite(cast)
    second, _ = await _invite(cast, role="kurir", phone=phone)
    async with stack.client() as newcomer:
        old = await newcomer.post(
            "/api/invitations/accept", json={"token": _token(first), "password": "sandi-baru-123"}
        )
        assert old.status_code == 410
    async with stack.db.session(write=True) as session:
        cooperative = await session.get(Cooperative, cast.cooperative_id)
        assert cooperative is not None
        pengurus = CurrentUser(id=cast.users["pengurus"], name="Uji pengurus", phone="", roles={})
        past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=8)
        _, link = await people.invite(
            session,
            cooperative,
            Actor(pengurus, "pengurus"),
            people.InvitationIn(phone=data.new_phone(), name="Lama", role="petugas"),
            now=past,
        )
        await session.commit()
    async with stack.client() as late:
        assert (await late.get(link.path)).status_code == 410
        expired = await late.post("/api/invitations/accept", json={"token": link.raw, "password": "sandi-baru-123"})
        assert expired.status_code == 410
        fresh = await late.post("/api/invitations/accept", json={"token": _token(second), "password": "sandi-baru-123"})
        assert fresh.status_code == 200


@pytest.mark.parametrize("token", ["%C3%A4%C3%B6%C3%BC", "x" * 500, "abc", "..%2F..%2Fetc", "%00"])
async def test_broken_links_get_a_clear_page_never_a_500(stack: Stack, token: str) -> None:
    async with stack.client() as visitor:
        for path in (f"/atur-sandi/{token}", f"/undangan/{token}"):
            response = await visitor.get(path)
            assert response.status_code in {404, 410}, (path, response.status_code)
            if response.status_code == 410:
                assert "tidak berlaku lagi" in response.text
        api = await visitor.post("/api/auth/password-setup", json={"token": "ä" * 10, "password": "sandi-baru-123"})
        assert api.status_code == 410 and api.json()["code"] == "token_invalid"


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["create-operator", *args])
    return code, out.getvalue().strip()


async def test_create_operator_then_set_the_password(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "DATABASE_URL": stack.settings.database_url,
        "VAR_DIR": str(stack.settings.var_dir),
        "SECRET_KEY": SECRET,
        "BASE_URL": "https://pasardesa.example",
    }.items():
        monkeypatch.setenv(key, value)
    phone = data.new_phone()
    # The command runs its own event loop: off this one, in a thread.
    code, out = await asyncio.to_thread(_cli, "--name", "Dinas Koperasi Banjar", "--phone", phone, "--region", "63.03")
    first = out.splitlines()[-1]
    assert code == 0 and first.startswith("https://pasardesa.example/atur-sandi/")
    code, out = await asyncio.to_thread(_cli, "--name", "Dinas", "--phone", phone)
    link = out.splitlines()[-1]
    assert code == 0 and link != first
    code, _ = await asyncio.to_thread(_cli, "--name", "X", "--phone", data.new_phone(), "--region", "99.99")
    assert code == 2
    await _set_operator_password(stack, phone, _token(first), _token(link))


async def _set_operator_password(stack: Stack, phone: str, old: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as operator:
        assert (await operator.post("/api/auth/login", json={"phone": phone, "password": ""})).status_code == 422
        replaced = await operator.post("/api/auth/password-setup", json={"token": old, "password": "sandi-operator"})
        assert replaced.status_code == 410  # the second run's link replaced the first
        page = await operator.get(f"/atur-sandi/{token}")
        assert page.status_code == 200 and "Dinas Koperasi Banjar" in page.text
        short = await operator.post("/api/auth/password-setup", json={"token": token, "password": "pendek"})
        assert short.status_code == 422
        done = await operator.post("/api/auth/password-setup", json={"token": token, "password": "sandi-operator"})
        assert done.status_code == 200, done.text
        assert done.json()["home"] == "/operator"
        again = await operator.post("/api/auth/password-setup", json={"token": token, "password": "sandi-operator"})
        assert again.status_code == 410
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as operator:
        login = await operator.post("/api/auth/login", json={"phone": phone, "password": "sandi-operator"})
        assert login.status_code == 200
    async with stack.db.session() as session:
        scopes = await session.execute(
            text(
                "SELECT region_code FROM platform_role p JOIN user_account u ON u.id = p.user_id "
                "WHERE u.phone = :phone ORDER BY region_code"
            ),
            {"phone": "+62" + phone[1:]},
        )
        assert [r[0] for r in scopes] == ["", "63.03"]


async def test_a_reset_link_works_once_and_replaces_the_previous_one(stack: Stack, cast: Cast) -> None:
    helper = cast.clients["operator"]
    first = await helper.post(f"/api/cooperatives/{cast.slug}/password-resets", json={"phone": cast.phones["petugas"]})
    second = await helper.post(f"/api/cooperatives/{cast.slug}/password-resets", json={"phone": cast.phones["petugas"]})
    assert first.status_code == second.status_code == 201
    async with stack.client() as petugas:
        csrf = await data.csrf_token(petugas, "/masuk")
        old = await petugas.post(
            f"/atur-sandi/{_token(first.json()['url'])}", data={"password": "sandi-baru-99", "_csrf_token": csrf}
        )
        assert old.status_code == 410
        token = _token(second.json()["url"])
        assert "Buat kata sandi baru" in (await petugas.get(f"/atur-sandi/{token}")).text
        done = await petugas.post(f"/atur-sandi/{token}", data={"password": "sandi-baru-99", "_csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == "/staf"
    async with stack.client() as petugas:
        assert (await data.login(petugas, cast.phones["petugas"], "sandi-baru-99")).status_code == 303
    async with stack.db.session() as session:
        entry = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "password_link.issued", AuditEntry.target_id == str(cast.users["petugas"]))
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.acting_as == "operator" and entry.region_code == "63.03.04.2004"


async def test_password_setup_counts_against_the_login_limit(stack: Stack) -> None:
    async with stack.client() as visitor:
        async with stack.db.session() as session:
            before = await session.scalar(select(rate_limit.c.hits).where(rate_limit.c.key == "login:127.0.0.1"))
        await visitor.post("/api/auth/password-setup", json={"token": "x" * 43, "password": "sandi-baru-123"})
        await visitor.post("/api/invitations/accept", json={"token": "x" * 43, "password": "sandi-baru-123"})
        async with stack.db.session() as session:
            after = await session.scalar(select(rate_limit.c.hits).where(rate_limit.c.key == "login:127.0.0.1"))
    # Two more in the same window, or a new window started by them.
    assert after is not None and (after == (before or 0) + 2 or after <= 2)


async def test_the_log_page_lists_the_cooperative_entries_newest_first(stack: Stack, cast: Cast) -> None:
    await _invite(cast, role="kurir")
    await cast.clients["pengurus"].put(
        f"/api/cooperatives/{cast.slug}/team/{cast.memberships['petugas']}", json={"role": "bendahara"}
    )
    page = await cast.clients["pengurus"].get(f"/staf/{cast.slug}/log")
    assert page.status_code == 200
    changed, invited = page.text.index("Mengubah peran"), page.text.index("Mengirim undangan")
    assert changed < invited and "Petugas → Bendahara" in page.text
    assert "Lebih lama" not in page.text
    other = await cast.clients["other_pengurus"].get(f"/staf/{cast.other_slug}/log")
    assert other.status_code == 200 and "Mengubah peran" not in other.text
    assert (await cast.clients["pengurus"].get(f"/staf/{cast.slug}/log?halaman=2")).status_code == 200
    async with stack.db.session() as session:
        invitation = await session.scalar(
            select(Invitation).where(Invitation.cooperative_id == cast.cooperative_id).order_by(Invitation.id.desc())
        )
        assert invitation is not None and invitation.role == "kurir"


def test_link_apis_never_answer_5xx(stack: Stack) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalar = st.one_of(
        st.none(), st.booleans(), st.integers(), st.text(max_size=60), st.floats(allow_nan=False, allow_infinity=False)
    )
    body = st.dictionaries(st.sampled_from(["token", "password", "name", "phone", "role", "x"]), scalar, max_size=5)
    with httpx.Client(base_url=stack.url, timeout=60) as client:

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            payload=body | st.lists(scalar, max_size=3),
            path=st.sampled_from(["auth/password-setup", "invitations/accept"]),
        )
        def check(payload: object, path: str) -> None:
            response = client.post(f"/api/{path}", json=payload)
            assert response.status_code < 500, (payload, response.text)
            assert response.headers["content-type"].startswith("application/json")

        check()
