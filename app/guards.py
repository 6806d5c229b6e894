"""Who may open what: the signed-in user loaded once per request, role guards, and the cooperative in the URL.

Use on a controller or handler:

    class MembersController(Controller):
        path = "/staf/{slug:str}/anggota"
        guards = [requires_staff]
        dependencies = {"cooperative": Provide(provide_cooperative)}

A guard runs before the handler's dependencies: anyone signed out is sent to the login page (API
requests get a JSON 401), a signed-in person without the role gets 403, an unknown or closed
cooperative 404. The handler then receives `cooperative: Cooperative` and `user: CurrentUser`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

from advanced_alchemy.extensions.litestar.plugins.init.plugin import SQLAlchemyInitPlugin
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from sqlalchemy import column, exists, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from app import cooperatives
from app.auth import CurrentUser, load_current_user, session_user_id
from app.errors import login_redirect
from app.models import Cooperative, Role
from app.web import render

Connection = ASGIConnection[Any, Any, Any, Any]
Guard = Callable[[Connection, BaseRouteHandler], Awaitable[None]]

# Approved memberships only (CurrentUser.roles holds no pending ones). New cooperative roles go here.
STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})
MEMBER_ROLES = frozenset(Role)
NOT_SIGNED_IN = "Silakan masuk terlebih dahulu."

# Request-scoped cache, in the ASGI scope like the session backend's own keys.
_USER_KEY = "_pd_current_user"
_COOPERATIVE_KEY = "_pd_cooperative"
_PRODUCER_KEY = "_pd_is_producer"
_LOCK_KEY = "_pd_guard_lock"
# The producer link belongs to the producers package, which app must not import; only the table is named.
_PRODUCER_ACCOUNT = table("producer_account", column("user_id"))


def _scope(connection: Connection) -> dict[str, Any]:
    return cast("dict[str, Any]", connection.scope)


def _lock(connection: Connection) -> asyncio.Lock:
    # Litestar resolves a handler's dependencies concurrently; one AsyncSession must not run two queries at once.
    return cast("asyncio.Lock", _scope(connection).setdefault(_LOCK_KEY, asyncio.Lock()))


def request_session(connection: Connection) -> AsyncSession:
    """The request's database session: the same one handlers get as `db_session`."""
    plugin = connection.app.plugins.get(SQLAlchemyInitPlugin)
    config = plugin.config[0]
    return cast("AsyncSession", config.provide_session(connection.app.state, connection.scope))


async def current_user(connection: Connection) -> CurrentUser | None:
    """The signed-in user with their roles, loaded at most once per request."""
    scope = _scope(connection)
    async with _lock(connection):
        if _USER_KEY not in scope:
            user_id = session_user_id(connection)
            scope[_USER_KEY] = await load_current_user(request_session(connection), user_id) if user_id else None
    return cast("CurrentUser | None", scope[_USER_KEY])


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
        raise NotAuthorizedException(NOT_SIGNED_IN)
    return user


async def requires_login(connection: Connection, _: BaseRouteHandler) -> None:
    await _signed_in(connection)


def requires_role(roles: Iterable[str], message: str) -> Guard:
    """A guard: the user holds one of `roles` in the cooperative named by the URL's `{slug}`."""
    allowed = frozenset(roles)

    async def guard(connection: Connection, _: BaseRouteHandler) -> None:
        user = await _signed_in(connection)
        cooperative = await cooperative_in_path(connection)
        if user.roles.get(cooperative.id) not in allowed:
            raise PermissionDeniedException(message)

    guard.__qualname__ = guard.__name__ = f"requires_role({', '.join(sorted(allowed))})"
    return guard


requires_staff = requires_role(STAFF_ROLES, "Halaman ini hanya untuk staf koperasi ini.")
requires_member = requires_role(MEMBER_ROLES, "Halaman ini hanya untuk anggota koperasi ini.")


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


async def requires_producer(connection: Connection, _: BaseRouteHandler) -> None:
    await _signed_in(connection)
    if not await is_producer(connection):
        raise PermissionDeniedException("Halaman ini hanya untuk akun produsen (UMKM).")


async def staff_entry(request: Request[Any, Any, Any], section: str) -> Response[Any]:
    """An old staff URL without the cooperative (`/staf/anggota`): go to `/staf/{slug}/{section}`.

    Staff of one cooperative are sent straight there; staff of several choose, so none is out of reach.
    """
    user = await current_user(request)
    if user is None:
        return login_redirect(request)
    choices = await cooperatives.cooperatives_of_staff(request_session(request), user)
    if not choices:
        raise PermissionDeniedException("Akun ini bukan staf koperasi.")
    query = f"?{request.url.query}" if request.url.query else ""
    if len(choices) == 1:
        return Redirect(path=f"/staf/{choices[0].slug}/{section}{query}", status_code=303)
    return render(request, "app/choose_cooperative.html", choices=choices, section=section, query=query)
