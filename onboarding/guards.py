"""The two guards onboarding adds to `app.guards`: who may register a cooperative, who may read its checklist."""

from __future__ import annotations

from typing import Any, cast

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from app.guards import ACTING_AS_KEY, NOT_SIGNED_IN, ActingAs, Connection, cooperative_in_path, current_user
from app.i18n import _
from app.models import PlatformRole, Role


def _act(connection: Connection, acting: ActingAs) -> None:
    cast("dict[str, Any]", connection.scope)[ACTING_AS_KEY] = acting


async def requires_registrar(connection: Connection, _handler: BaseRouteHandler) -> None:
    """Creating a cooperative directly: an operator (the service checks the desa is in the region) or a pendamping."""
    user = await current_user(connection)
    if user is None:
        raise NotAuthorizedException(NOT_SIGNED_IN)
    if user.is_operator:
        _act(connection, ActingAs(PlatformRole.OPERATOR))
    elif user.is_pendamping:
        _act(connection, ActingAs(PlatformRole.PENDAMPING))
    else:
        raise PermissionDeniedException(
            _("Hanya operator Dinas Koperasi atau pendamping yang dapat mendaftarkan koperasi.")
        )


async def requires_readiness_reader(connection: Connection, _handler: BaseRouteHandler) -> None:
    """The checklist of the cooperative in the path: its pengurus, its assigned pendamping, its region's operator."""
    user = await current_user(connection)
    if user is None:
        raise NotAuthorizedException(NOT_SIGNED_IN)
    cooperative = await cooperative_in_path(connection)
    if user.role_in(cooperative.id) == Role.PENGURUS:
        role: str = Role.PENGURUS
    elif user.is_assigned_to(cooperative.id):
        role = PlatformRole.PENDAMPING
    elif user.operates(cooperative.kode_wilayah):
        role = PlatformRole.OPERATOR
    else:
        raise PermissionDeniedException(
            _("Daftar persiapan ini untuk pengurus, pendamping dan operator koperasi ini.")
        )
    _act(connection, ActingAs(role, cooperative.id, cooperative.name))
