"""Typed input no database can hold (ids past 64 bits, NUL characters, bytes that are not UTF-8): 4xx, never 500."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.exc import StatementError

from app.errors import internal_error_handler, problem
from app.i18n import _

# Every id is a 64-bit identity column: anything outside 1..MAX_ID names nothing.
MAX_ID = 2**63 - 1
_SAFE = {"GET", "HEAD", "OPTIONS"}
# What the drivers say when a bound value cannot be represented (asyncpg, PostgreSQL, sqlite3).
_UNREPRESENTABLE = (
    "out of int64 range",
    "out of int32 range",
    "out of int16 range",
    "integer out of range",
    "invalid byte sequence for encoding",
    "too large to convert to sqlite",
    "int too big to convert",
)


def _impossible(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not 1 <= value <= MAX_ID
    return isinstance(value, str) and "\x00" in value


def path_guard_middleware(app: ASGIApp) -> ASGIApp:
    """A path naming an id no row can have, or carrying a NUL, is 404 before any guard or query sees it.

    Runs after routing (Litestar parses typed path parameters there), for every route at once.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope["type"]) == "http" and any(_impossible(v) for v in scope.get("path_params", {}).values()):
            raise NotFoundException()
        await app(scope, receive, send)

    return middleware


def is_unrepresentable(exc: BaseException) -> bool:
    """The database (or its driver) refused a value it cannot store or compare, not a fault of ours."""
    seen: BaseException | None = exc
    for _attempt in range(4):
        if seen is None:
            return False
        if isinstance(seen, OverflowError):
            return True
        text = str(seen).lower()
        if any(marker in text for marker in _UNREPRESENTABLE):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def unrepresentable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A lookup by such a value finds nothing (404); a change carrying one is invalid (422). Anything else is
    still a server error, logged with its traceback."""
    if not is_unrepresentable(exc):
        return internal_error_handler(request, exc)
    if request.method in _SAFE:
        return problem(request, 404, _("Halaman atau data yang dicari tidak ada."), code="not_found")
    return problem(
        request,
        422,
        _("Ada isian yang tidak bisa diproses: angka terlalu besar atau karakter tidak sah."),
        code="invalid",
    )


def undecodable_handler(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """A form field (or a file sent without a file name) that is not UTF-8 text."""
    return problem(
        request,
        400,
        _("Data yang dikirim tidak bisa dibaca sebagai teks. Kirim berkas sebagai lampiran, dan teks dalam UTF-8."),
        code="bad_encoding",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    OverflowError: unrepresentable_handler,
    StatementError: unrepresentable_handler,
    UnicodeDecodeError: undecodable_handler,
}
