"""The role guards and the cooperative resolver on a tiny app, without a database.

The user and the cooperative are looked up through stand-ins that count their calls, so the tests also
show that a request loads each at most once however many guards and dependencies ask.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, Request, get, post
from litestar.di import Provide
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.testing import TestClient

from app import guards
from app.auth import CurrentUser
from app.errors import EXCEPTION_HANDLERS, NotFound
from app.models import Cooperative, Role
from app.web import TEMPLATE_DIR, configure_environment

COOPS = {
    "lok-baintan": Cooperative(id=1, slug="lok-baintan", name="KDMP Lok Baintan", is_active=True),
    "tabanio": Cooperative(id=2, slug="tabanio", name="KDMP Tabanio", is_active=True),
}
USERS = {
    1: CurrentUser(id=1, name="Staf Dua Koperasi", phone="+6281200000001", roles={1: Role.PETUGAS, 2: Role.PENGURUS}),
    2: CurrentUser(id=2, name="Anggota", phone="+6281200000002", roles={1: Role.MEMBER}),
    3: CurrentUser(id=3, name="Produsen", phone="+6281200000003", roles={}),
}
PRODUCERS = {3}
# The handlers take `user` and `cooperative` by name, as the app's handlers do (Litestar 3 will want them marked).
pytestmark = pytest.mark.filterwarnings("ignore:.*Inferred dependency field")


class Calls:
    def __init__(self) -> None:
        self.users = 0
        self.cooperatives = 0
        self.producers = 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    counted = Calls()

    async def session_user(connection: Any, _session: object, _policy: object) -> CurrentUser | None:
        counted.users += 1
        return USERS.get(guards.session_user_id(connection) or 0)

    async def get_cooperative(_session: object, slug: str) -> Cooperative:
        counted.cooperatives += 1
        if slug not in COOPS:
            raise NotFound("Koperasi tidak ditemukan. Periksa kembali alamatnya.")
        return COOPS[slug]

    async def has_producer_account(_session: object, user_id: int) -> bool:
        counted.producers += 1
        return user_id in PRODUCERS

    monkeypatch.setattr(guards, "session_user", session_user)
    monkeypatch.setattr(guards.cooperatives, "get_cooperative", get_cooperative)
    monkeypatch.setattr(guards, "has_producer_account", has_producer_account)
    monkeypatch.setattr(guards, "request_session", lambda _connection: object())
    # The signed-in user comes from a header here instead of a server-side session.
    monkeypatch.setattr(guards, "session_user_id", lambda c: int(c.headers.get("x-user", "0")) or None)
    return counted


def _who(user: CurrentUser | None, cooperative: Cooperative | None = None) -> dict[str, Any]:
    return {"user": user.name if user else None, "cooperative": cooperative.slug if cooperative else None}


tenant = {"cooperative": Provide(guards.provide_cooperative)}


@get("/akun", guards=[guards.requires_login])
async def account(user: CurrentUser) -> dict[str, Any]:
    return _who(user)


@get("/staf/{slug:str}/anggota", guards=[guards.requires_staff], dependencies=tenant)
async def staff_page(user: CurrentUser, cooperative: Cooperative) -> dict[str, Any]:
    return _who(user, cooperative)


@post("/staf/{slug:str}/anggota", guards=[guards.requires_staff], dependencies=tenant, status_code=200)
async def staff_action(user: CurrentUser, cooperative: Cooperative) -> dict[str, Any]:
    return _who(user, cooperative)


@get("/k/{slug:str}/buku", guards=[guards.requires_member], dependencies=tenant)
async def member_page(user: CurrentUser, cooperative: Cooperative) -> dict[str, Any]:
    return _who(user, cooperative)


@get(
    "/k/{slug:str}/ketua",
    guards=[guards.requires_role({Role.PENGURUS}, "Hanya untuk pengurus.")],
    dependencies=tenant,
)
async def admin_page(user: CurrentUser, cooperative: Cooperative) -> dict[str, Any]:
    return _who(user, cooperative)


@get("/k/{slug:str}", dependencies=tenant)
async def shop(user: CurrentUser | None, cooperative: Cooperative) -> dict[str, Any]:
    return _who(user, cooperative)


@get("/produsen", guards=[guards.requires_producer, guards.requires_login])
async def producer_page(user: CurrentUser) -> dict[str, Any]:
    return _who(user)


@get("/api/saya", guards=[guards.requires_login])
async def api_me(user: CurrentUser) -> dict[str, Any]:
    return _who(user)


@get("/staf/anggota")
async def staff_entry_page(request: Request[Any, Any, Any]) -> Any:
    return await guards.staff_entry(request, "anggota")


@pytest.fixture
def client(calls: Calls) -> Iterator[TestClient[Litestar]]:
    app = Litestar(
        route_handlers=[
            account,
            staff_page,
            staff_action,
            member_page,
            admin_page,
            shop,
            producer_page,
            api_me,
            staff_entry_page,
        ],
        dependencies={"user": Provide(guards.provide_current_user)},
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(
            directory=TEMPLATE_DIR,
            engine=JinjaTemplateEngine,
            engine_callback=lambda e: configure_environment(e.engine, demo_notice=None),
        ),
    )
    with TestClient(app) as test_client:
        yield test_client


def _as(user_id: int) -> dict[str, str]:
    return {"x-user": str(user_id)}


@pytest.mark.parametrize(
    ("path", "user_id", "status"),
    [
        ("/akun", 1, 200),
        ("/akun", 2, 200),
        ("/staf/lok-baintan/anggota", 1, 200),
        ("/staf/tabanio/anggota", 1, 200),  # staff of two cooperatives reach both
        ("/staf/lok-baintan/anggota", 2, 403),  # a member is not staff
        ("/staf/tabanio/anggota", 2, 403),
        ("/staf/lok-baintan/anggota", 3, 403),
        ("/staf/tidak-ada/anggota", 1, 404),
        ("/k/lok-baintan/buku", 2, 200),
        ("/k/lok-baintan/buku", 1, 200),  # staff are members too
        ("/k/tabanio/buku", 2, 403),
        ("/k/tabanio/ketua", 1, 200),
        ("/k/lok-baintan/ketua", 1, 403),
        ("/produsen", 3, 200),
        ("/produsen", 1, 403),
    ],
)
def test_every_role_against_every_guard(client: TestClient[Litestar], path: str, user_id: int, status: int) -> None:
    response = client.get(path, headers=_as(user_id), follow_redirects=False)
    assert response.status_code == status, response.text
    if status == 403:
        assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("path", ["/akun", "/staf/lok-baintan/anggota", "/staf/tidak-ada/anggota", "/produsen"])
def test_signed_out_visitors_go_to_login_and_come_back(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path, params={"tanggal": "2026-11-27"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/masuk?lanjut={path}%3Ftanggal%3D2026-11-27"


def test_a_signed_out_form_post_returns_to_the_page_it_came_from(client: TestClient[Litestar]) -> None:
    referer = "http://testserver.local/staf/lok-baintan/anggota?x=1"
    posted = client.post("/staf/lok-baintan/anggota", headers={"referer": referer}, follow_redirects=False)
    assert posted.headers["location"] == "/masuk?lanjut=/staf/lok-baintan/anggota%3Fx%3D1"
    elsewhere = client.post(
        "/staf/lok-baintan/anggota", headers={"referer": "https://evil.example/x"}, follow_redirects=False
    )
    assert elsewhere.headers["location"] == "/masuk?lanjut=/staf/lok-baintan/anggota"


def test_htmx_swaps_redirect_the_whole_page(client: TestClient[Litestar]) -> None:
    response = client.get(
        "/staf/lok-baintan/anggota",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver.local/staf/lok-baintan/anggota?q=a"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/masuk?lanjut=/staf/lok-baintan/anggota%3Fq%3Da"


def test_the_api_gets_json_problems(client: TestClient[Litestar]) -> None:
    anonymous = client.get("/api/saya")
    assert anonymous.status_code == 401 and anonymous.json()["detail"] == "Silakan masuk terlebih dahulu."
    forbidden = client.get("/staf/tabanio/anggota", headers={**_as(2), "accept": "application/json"})
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "Halaman ini hanya untuk staf koperasi ini."


def test_user_and_cooperative_are_loaded_once_per_request(client: TestClient[Litestar], calls: Calls) -> None:
    response = client.get("/staf/tabanio/anggota", headers=_as(1))
    assert response.json() == {"user": "Staf Dua Koperasi", "cooperative": "tabanio"}
    assert (calls.users, calls.cooperatives) == (1, 1)
    assert client.get("/produsen", headers=_as(3)).status_code == 200
    assert (calls.users, calls.producers) == (2, 1)


def test_the_resolver_without_a_guard_serves_public_pages(client: TestClient[Litestar], calls: Calls) -> None:
    assert client.get("/k/tabanio").json() == {"user": None, "cooperative": "tabanio"}
    assert calls.users == 0  # no session, no query
    assert client.get("/k/tidak-ada", headers={"accept": "application/json"}).status_code == 404


def test_old_staff_urls_lead_to_the_cooperative(client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch) -> None:
    async def cooperatives_of_staff(_session: object, user: CurrentUser | None) -> list[Cooperative]:
        return [COOPS[s] for s in ("lok-baintan", "tabanio") if user and COOPS[s].id in user.staff_cooperative_ids]

    monkeypatch.setattr(guards.cooperatives, "cooperatives_of_staff", cooperatives_of_staff)
    USERS[4] = CurrentUser(id=4, name="Staf Satu", phone="+6281200000004", roles={2: Role.PETUGAS})
    try:
        one = client.get("/staf/anggota", params={"a": "1"}, headers=_as(4), follow_redirects=False)
        assert one.status_code == 303 and one.headers["location"] == "/staf/tabanio/anggota?a=1"
        several = client.get("/staf/anggota", headers=_as(1))
        assert several.status_code == 200
        assert 'href="/staf/lok-baintan/anggota"' in several.text and 'href="/staf/tabanio/anggota"' in several.text
        assert client.get("/staf/anggota", headers=_as(2)).status_code == 403
        signed_out = client.get("/staf/anggota", follow_redirects=False)
        assert signed_out.headers["location"] == "/masuk?lanjut=/staf/anggota"
    finally:
        del USERS[4]


@get("/operator/wilayah/{region:str}", guards=[guards.requires_operator])
async def operator_region() -> dict[str, Any]:
    return {}


@get("/pendamping", guards=[guards.requires_pendamping])
async def pendamping_home(request: Request[Any, Any, Any]) -> dict[str, Any]:
    acting = guards.acting_as(request)
    return {"acting": acting.label if acting else None}


BANJAR_OPERATOR = CurrentUser(id=5, name="O", phone="", roles={}, operator_regions=("63.03",))


@pytest.mark.parametrize(
    ("path", "user", "status"),
    [
        ("/operator/wilayah/63.03.04", BANJAR_OPERATOR, 200),
        ("/operator/wilayah/63.01", BANJAR_OPERATOR, 403),
        ("/operator/wilayah/63.01", CurrentUser(id=5, name="O", phone="", roles={}, operator_regions=("",)), 200),
        ("/operator/wilayah/63", CurrentUser(id=5, name="O", phone="", roles={1: Role.PENGURUS}), 403),
        ("/pendamping", CurrentUser(id=5, name="P", phone="", roles={}, is_pendamping=True), 200),
        ("/pendamping", CurrentUser(id=5, name="P", phone="", roles={1: Role.PENGURUS}), 403),
    ],
)
def test_platform_guards(calls: Calls, path: str, user: CurrentUser, status: int) -> None:
    USERS[5] = user
    app = Litestar(
        route_handlers=[operator_region, pendamping_home],
        dependencies={"user": Provide(guards.provide_current_user)},
        exception_handlers=EXCEPTION_HANDLERS,
    )
    try:
        with TestClient(app) as client:
            response = client.get(path, headers={**_as(5), "accept": "application/json"})
            assert response.status_code == status, response.text
            if path == "/pendamping" and status == 200:
                assert response.json() == {"acting": "Pendamping"}
    finally:
        del USERS[5]
