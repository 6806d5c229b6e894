"""Who may open what: the signed-in user loaded once per request, role guards, and the cooperative in the URL.

Guards, all on the cooperative named by the URL's `{slug}` unless said otherwise:

- `requires_login`: anyone signed in.
- `requires_member`: any role in the cooperative (member, staff, kurir).
- `requires_staff`: the staff area: pengurus, bendahara, pengawas, petugas, or the pendamping assigned
  to it. A pengawas only reads: their POST/PUT/PATCH/DELETE are refused here.
- `requires_pengurus`: pengurus, or the assigned pendamping while the cooperative is not open yet.
- `requires_courier`: kurir, or staff as above (a pengawas only reads). Handlers narrow a kurir to their
  own runs and hand-ins (`is_kurir(connection)`).
- `requires_goods`: the cooperative's goods (products, price lists, producers): every staff role reads;
  pengurus and petugas change them, and the assigned pendamping until the cooperative opens.
- `requires_pendamping`: a pendamping; with `{slug}`, one assigned to that cooperative.
- `requires_operator`: an operator; with `{slug}`, one whose region covers the cooperative; with
  `{region}`, one whose region covers that region code.
- `requires_role(roles, message)`: one of these membership roles in the cooperative.
- `requires_producer`: runs a producer (UMKM) account.

Each cooperative guard records what the person acts as (`acting_as(connection)`, an `ActingAs`), which
staff pages show and audit entries name.

Use on a controller or handler:

    class MembersController(Controller):
        path = "/staf/{slug:str}/anggota"
        guards = [requires_staff]
        dependencies = {"cooperative": Provide(provide_cooperative)}

or, for the staff area, subclass `StaffController` (those three lines; override `path` below `/staf/{slug}`).

A guard runs before the handler's dependencies: anyone signed out is sent to the login page (API
requests get a JSON 401), a signed-in person without the role gets 403, an unknown or closed
cooperative 404. The handler then receives `cooperative: Cooperative` and `user: CurrentUser`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from litestar import Controller, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from sqlalchemy import column, exists, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import cooperatives
from app.alchemy import SessionsPlugin
from app.audit import Actor
from app.auth import CurrentUser, SessionPolicy, session_user, session_user_id
from app.errors import login_redirect
from app.i18n import N_, _
from app.models import COURIER_ROLES, READ_ONLY_ROLES, STAFF_ROLES, Cooperative, PlatformRole, Role, role_label
from app.settings import Settings
from app.web import render

Connection = ASGIConnection[Any, Any, Any, Any]
Guard = Callable[[Connection, BaseRouteHandler], Awaitable[None]]

# Approved memberships only (CurrentUser.roles holds no pending ones). STAFF_ROLES is defined with Role.
MEMBER_ROLES = frozenset(Role)
NOT_SIGNED_IN = N_("Silakan masuk terlebih dahulu.")
STAFF_ONLY = N_("Halaman ini hanya untuk staf koperasi ini.")
READ_ONLY = N_("Pengawas hanya dapat melihat; perubahan dilakukan oleh pengurus atau petugas.")
GOODS_READ_ONLY = N_("Produk dan produsen diubah oleh pengurus atau petugas koperasi ini.")
# Who changes the cooperative's goods: shop staff (issue 10: "petugas: orders, stock, reviews") and the board.
GOODS_ROLES: frozenset[str] = frozenset({Role.PENGURUS, Role.PETUGAS})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Templates read this scope key (templates/app/_acting_as.html).
ACTING_AS_KEY = "pd_acting_as"

# Request-scoped cache, in the ASGI scope like the session backend's own keys.
_USER_KEY = "_pd_current_user"
_COOPERATIVE_KEY = "_pd_cooperative"
_PRODUCER_KEY = "_pd_is_producer"
_LOCK_KEY = "_pd_guard_lock"
# The producer link belongs to the producers package, which app must not import; only the table is named.
_PRODUCER_ACCOUNT = table("producer_account", column("user_id"))


@dataclass(frozen=True)
class ActingAs:
    """The role a person acts in on this request, and where: shown on staff pages, written to the audit log."""

    role: str
    cooperative_id: int | None = None
    cooperative_name: str | None = None

    @property
    def label(self) -> str:
        return role_label(self.role)


def _scope(connection: Connection) -> dict[str, Any]:
    return cast("dict[str, Any]", connection.scope)


def _lock(connection: Connection) -> asyncio.Lock:
    # Litestar resolves a handler's dependencies concurrently; one AsyncSession must not run two queries at once.
    return cast("asyncio.Lock", _scope(connection).setdefault(_LOCK_KEY, asyncio.Lock()))


def request_engine(connection: Connection) -> AsyncEngine:
    """The app's database engine, for a read that needs no session (see catalog.page_cache)."""
    return connection.app.plugins.get(SessionsPlugin).sessions.provide_engine()


def request_session(connection: Connection) -> AsyncSession:
    """The request's database session: the same one handlers get as `db_session`."""
    plugin = connection.app.plugins.get(SessionsPlugin)
    return plugin.sessions.provide_session(connection.app.state, connection.scope)


async def current_user(connection: Connection) -> CurrentUser | None:
    """The signed-in user with their roles, loaded at most once per request."""
    scope = _scope(connection)
    async with _lock(connection):
        if _USER_KEY not in scope:
            user_id = session_user_id(connection)
            scope[_USER_KEY] = (
                await session_user(connection, request_session(connection), session_policy(connection))
                if user_id
                else None
            )
    return cast("CurrentUser | None", scope[_USER_KEY])


def session_policy(connection: Connection) -> SessionPolicy:
    """How long sessions last (STAFF_IDLE_MINUTES, STAFF_SESSION_HOURS); the defaults for an app without settings."""
    settings = connection.app.state.get("settings") or Settings()
    return SessionPolicy(settings.staff_idle_minutes * 60, settings.staff_session_hours * 3600)


async def provide_current_user(request: Request[Any, Any, Any]) -> CurrentUser | None:
    """The `user` dependency: None for visitors."""
    return await current_user(request)


async def cooperative_in_path(connection: Connection) -> Cooperative:
    """The active cooperative named by the URL's `{slug}`, loaded once per request; 404 when there is none."""
    slug = connection.path_params.get("slug")
    if not isinstance(slug, str):
        raise RuntimeError(f"{connection.url.path}: a cooperative guard needs a {{slug}} in the route's path")
    scope = _scope(connection)
    async with _lock(connection):
        cached = scope.get(_COOPERATIVE_KEY)
        if isinstance(cached, Cooperative) and cached.slug == slug:
            return cached
        cooperative = await cooperatives.get_cooperative(request_session(connection), slug)
        scope[_COOPERATIVE_KEY] = cooperative
    return cooperative


async def provide_cooperative(request: Request[Any, Any, Any]) -> Cooperative:
    """The `cooperative` dependency for routes under `…/{slug}/…`; the guard has already checked the role."""
    return await cooperative_in_path(request)


async def _signed_in(connection: Connection) -> CurrentUser:
    user = await current_user(connection)
    if user is None:
        raise NotAuthorizedException(_(NOT_SIGNED_IN))
    return user


async def requires_login(connection: Connection, _handler: BaseRouteHandler) -> None:
    await _signed_in(connection)


def acting_as(connection: Connection) -> ActingAs | None:
    """What the person acts as on this request, once a cooperative or platform guard has passed."""
    value = _scope(connection).get(ACTING_AS_KEY)
    return value if isinstance(value, ActingAs) else None


def _act(connection: Connection, role: str, cooperative: Cooperative | None = None) -> None:
    _scope(connection)[ACTING_AS_KEY] = ActingAs(
        role=role,
        cooperative_id=cooperative.id if cooperative else None,
        cooperative_name=cooperative.name if cooperative else None,
    )


def _named(guard: Guard, name: str) -> Guard:
    guard.__qualname__ = guard.__name__ = name
    return guard


JOIN_LABEL = N_("Daftar menjadi anggota koperasi ini")


def requires_role(roles: Iterable[str], message: str, *, apply_to_join: bool = False) -> Guard:
    """A guard: the user holds one of `roles` (membership roles) in the cooperative named by the URL's `{slug}`.

    `apply_to_join`: the refusal points a signed-in non-member to the cooperative's membership application.
    `message` is marked with `N_()` where the guard is made and translated when it refuses.
    """
    allowed = frozenset(roles)

    async def guard(connection: Connection, _handler: BaseRouteHandler) -> None:
        user = await _signed_in(connection)
        cooperative = await cooperative_in_path(connection)
        role = user.role_in(cooperative.id)
        if role not in allowed:
            extra = None
            if apply_to_join and role is None:
                extra = {"next_step": {"href": f"/k/{cooperative.slug}/anggota", "label": _(JOIN_LABEL)}}
            raise PermissionDeniedException(_(message), extra=extra)
        _act(connection, role, cooperative)

    return _named(guard, f"requires_role({', '.join(sorted(allowed))})")


def _staff_role(user: CurrentUser, cooperative: Cooperative) -> str | None:
    role = user.role_in(cooperative.id)
    if role in STAFF_ROLES:
        return role
    return PlatformRole.PENDAMPING if user.is_assigned_to(cooperative.id) else None


async def requires_staff(connection: Connection, _handler: BaseRouteHandler) -> None:
    """The staff area of the cooperative in the path; a pengawas may look, not change."""
    user = await _signed_in(connection)
    cooperative = await cooperative_in_path(connection)
    role = _staff_role(user, cooperative)
    if role is None:
        raise PermissionDeniedException(_(STAFF_ONLY))
    if role in READ_ONLY_ROLES and connection.scope.get("method") not in _SAFE_METHODS:
        raise PermissionDeniedException(_(READ_ONLY))
    _act(connection, role, cooperative)


async def requires_pengurus(connection: Connection, _handler: BaseRouteHandler) -> None:
    """Settings, staff and money: the pengurus, or the assigned pendamping until the cooperative opens."""
    user = await _signed_in(connection)
    cooperative = await cooperative_in_path(connection)
    if not user.is_pengurus_of(cooperative):
        raise PermissionDeniedException(_("Halaman ini hanya untuk pengurus koperasi ini."))
    role = Role.PENGURUS if user.role_in(cooperative.id) == Role.PENGURUS else PlatformRole.PENDAMPING
    _act(connection, role, cooperative)


async def requires_courier(connection: Connection, _handler: BaseRouteHandler) -> None:
    """Delivery runs and cash hand-in: a kurir of the cooperative, or its staff."""
    user = await _signed_in(connection)
    cooperative = await cooperative_in_path(connection)
    role = user.role_in(cooperative.id)
    if role not in COURIER_ROLES:
        role = _staff_role(user, cooperative)
    if role is None:
        raise PermissionDeniedException(_("Halaman ini hanya untuk kurir dan staf koperasi ini."))
    if role in READ_ONLY_ROLES and connection.scope.get("method") not in _SAFE_METHODS:
        raise PermissionDeniedException(_(READ_ONLY))
    _act(connection, role, cooperative)


def is_kurir(connection: Connection) -> bool:
    """Whether this request acts as a kurir: their own runs and hand-ins only, nothing of other couriers'."""
    acting = acting_as(connection)
    return acting is not None and acting.role == Role.KURIR


async def requires_goods(connection: Connection, _handler: BaseRouteHandler) -> None:
    """Products, price lists and producers: staff read; pengurus and petugas (and the pendamping during
    onboarding) change them. The bendahara keeps the money, the pengawas only looks."""
    user = await _signed_in(connection)
    cooperative = await cooperative_in_path(connection)
    role = _staff_role(user, cooperative)
    if role is None:
        raise PermissionDeniedException(_(STAFF_ONLY))
    if connection.scope.get("method") not in _SAFE_METHODS and not (
        role in GOODS_ROLES or user.is_pengurus_of(cooperative)
    ):
        raise PermissionDeniedException(_(GOODS_READ_ONLY))
    _act(connection, role, cooperative)


async def requires_pendamping(connection: Connection, _handler: BaseRouteHandler) -> None:
    """A pendamping; on a route with `{slug}`, the one assigned to that cooperative."""
    user = await _signed_in(connection)
    if not user.is_pendamping:
        raise PermissionDeniedException(_("Halaman ini hanya untuk pendamping koperasi."))
    cooperative = None
    if "slug" in connection.path_params:
        cooperative = await cooperative_in_path(connection)
        if not user.is_assigned_to(cooperative.id):
            raise PermissionDeniedException(_("Anda tidak ditugaskan mendampingi koperasi ini."))
    _act(connection, PlatformRole.PENDAMPING, cooperative)


async def requires_operator(connection: Connection, _handler: BaseRouteHandler) -> None:
    """An operator; with `{slug}` one whose region covers the cooperative, with `{region}` that region."""
    user = await _signed_in(connection)
    if not user.is_operator:
        raise PermissionDeniedException(_("Halaman ini hanya untuk operator Dinas Koperasi."))
    cooperative = None
    outside = _("Koperasi atau wilayah ini di luar wilayah kerja Anda.")
    if "slug" in connection.path_params:
        cooperative = await cooperative_in_path(connection)
        if not user.operates(cooperative.kode_wilayah):
            raise PermissionDeniedException(outside)
    region = connection.path_params.get("region")
    if region is not None and not user.operates(str(region)):
        raise PermissionDeniedException(outside)
    _act(connection, PlatformRole.OPERATOR, cooperative)


async def requires_password_help(connection: Connection, _handler: BaseRouteHandler) -> None:
    """Issuing password links for a cooperative's people: its pengurus, its assigned pendamping (whatever
    the cooperative's status), or an operator whose region covers it."""
    user = await _signed_in(connection)
    cooperative = await cooperative_in_path(connection)
    if user.role_in(cooperative.id) == Role.PENGURUS:
        role: str = Role.PENGURUS
    elif user.is_assigned_to(cooperative.id):
        role = PlatformRole.PENDAMPING
    elif user.operates(cooperative.kode_wilayah):
        role = PlatformRole.OPERATOR
    else:
        raise PermissionDeniedException(_("Hanya pengurus, pendamping atau operator wilayah koperasi ini."))
    _act(connection, role, cooperative)


def actor_of(connection: Connection, user: CurrentUser) -> Actor:
    """Who acts on this request, for the audit log: the account, the role its guard found, the client address."""
    acting = acting_as(connection)
    address = connection.client.host if connection.client else None
    return Actor(user=user, acting_as=acting.role if acting else None, address=address)


requires_member = requires_role(MEMBER_ROLES, N_("Halaman ini hanya untuk anggota koperasi ini."), apply_to_join=True)


async def has_producer_account(session: AsyncSession, user_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(_PRODUCER_ACCOUNT.c.user_id == user_id))))


async def is_producer(connection: Connection) -> bool:
    """Whether the signed-in user runs a producer (UMKM) account, asked at most once per request."""
    scope = _scope(connection)
    user = await current_user(connection)
    async with _lock(connection):
        if _PRODUCER_KEY not in scope:
            scope[_PRODUCER_KEY] = bool(user and await has_producer_account(request_session(connection), user.id))
    return bool(scope[_PRODUCER_KEY])


async def requires_producer(connection: Connection, _handler: BaseRouteHandler) -> None:
    await _signed_in(connection)
    if not await is_producer(connection):
        raise PermissionDeniedException(_("Halaman ini hanya untuk akun produsen (UMKM)."))


async def staff_entry(request: Request[Any, Any, Any], section: str) -> Response[Any]:
    """An old staff URL without the cooperative (`/staf/anggota`): go to `/staf/{slug}/{section}`.

    Staff of one cooperative are sent straight there; staff of several choose, so none is out of reach.
    """
    user = await current_user(request)
    if user is None:
        return login_redirect(request)
    choices = await cooperatives.cooperatives_of_staff(request_session(request), user)
    if not choices:
        raise PermissionDeniedException(_("Akun ini bukan staf koperasi."))
    query = f"?{request.url.query}" if request.url.query else ""
    if len(choices) == 1:
        return Redirect(path=f"/staf/{choices[0].slug}/{section}{query}", status_code=303)
    return render(request, "app/choose_cooperative.html", choices=choices, section=section, query=query)


def old_staff_url(path: str, section: str, *, name: str) -> HTTPRouteHandler:
    """A GET handler, in a controller at `/staf`, for an old staff URL without the cooperative.

    It leads on through `staff_entry` to `/staf/{slug}/{section}`; `section` may name the path's
    parameters: `old_staff_url("/tinjauan/{product_id:int}", "tinjauan/{product_id}", name=...)`.
    """

    async def lead_on(self: Controller, request: Request[Any, Any, Any]) -> Response[Any]:
        return await staff_entry(request, section.format_map(request.path_params))

    return get(path, name=name)(lead_on)


class StaffController(Controller):
    """A controller in the staff area of the cooperative its URL names: staff only, `cooperative` injected."""

    path = "/staf/{slug:str}"
    include_in_schema = False
    guards = [requires_staff]
    dependencies = {"cooperative": Provide(provide_cooperative)}
