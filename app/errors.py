"""Domain errors raised by services, and the one place that maps them (and signed-out visits) to responses."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.i18n import N_, _

log = logging.getLogger("pasardesa.errors")


class DomainError(Exception):
    """A business rule said no. `message` is shown to people, in the request's language (`_()` when raised)."""

    status_code = 400
    code = "error"

    def __init__(self, message: str, *, field_errors: Mapping[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors: dict[str, str] = dict(field_errors or {})
        self.extra = extra


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    """The request needs a signed-in account and has none."""

    status_code = 401
    code = "unauthenticated"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"

    @classmethod
    def of(cls, errors: Mapping[str, str]) -> InvalidInput:
        """One error per field; the headline is the only message, or a summary when there are several."""
        message = next(iter(errors.values())) if len(errors) == 1 else _("Ada beberapa isian yang perlu diperbaiki.")
        return cls(message, field_errors=errors)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class OutOfStock(Conflict):
    code = "out_of_stock"


_TITLES = {
    400: N_("Permintaan tidak valid"),
    401: N_("Perlu masuk"),
    403: N_("Tidak diizinkan"),
    404: N_("Tidak ditemukan"),
    405: N_("Metode tidak diizinkan"),
    409: N_("Tidak bisa diproses"),
    413: N_("Permintaan terlalu besar"),
    415: N_("Format tidak didukung"),
    422: N_("Data belum benar"),
    429: N_("Terlalu banyak permintaan"),
    500: N_("Terjadi kesalahan"),
    503: N_("Sedang sibuk"),
}


def _title(status: int) -> str:
    return _(_TITLES.get(status, N_("Kesalahan")))


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def problem(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    *,
    code: str,
    field_errors: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response[Any]:
    """A JSON problem for the API, an error page (or htmx fragment) for people."""
    if _is_api(request):
        body: dict[str, Any] = {
            "status": status,
            "code": code,
            "title": _title(status),
            "detail": message,
        }
        if field_errors:
            body["errors"] = dict(field_errors)
        if extra:
            body.update(extra)
        return Response(body, status_code=status, media_type=MediaType.JSON)
    is_htmx = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    headers = {"Vary": "HX-Request"}
    if is_htmx:
        # A failed swap shows its message in the page's message area instead of replacing the target.
        headers |= {"HX-Retarget": "#toast", "HX-Reswap": "innerHTML"}
    return HTMXBlockTemplate(
        template_name="errors/message.html",
        block_name="error" if is_htmx else None,
        context={
            "status": status,
            "title": _title(status),
            "message": message,
            "field_errors": dict(field_errors or {}),
            "next_step": (extra or {}).get("next_step"),
            "fragment": is_htmx,
        },
        status_code=status,
        headers=headers,
        media_type="text/html",
    )


LOGIN_PATH = "/masuk"
MAX_NEXT = 300


def safe_next(path: str | None) -> str:
    """A same-site path to return to after login; anything else is `/`."""
    # "//evil.example" and "https://…" would send people elsewhere after login.
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path and len(path) < MAX_NEXT:
        return path
    return "/"


def _return_path(request: Request[Any, Any, Any]) -> str:
    """Where the person was going: this page, or for a form post or an htmx swap the page they were on."""
    url = request.url
    target = url.path + (f"?{url.query}" if url.query else "")
    came_from = request.headers.get("hx-current-url")
    if request.method not in {"GET", "HEAD"}:
        came_from = came_from or request.headers.get("referer")
    if came_from and (parts := urlsplit(came_from)).netloc == url.netloc and parts.path:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    # A return address too long to keep loses its query rather than being dropped.
    return safe_next(target) if safe_next(target) != "/" else safe_next(url.path)


def login_redirect(request: Request[Any, Any, Any]) -> Response[Any]:
    """Send a signed-out visitor to the login page, coming back to where they were afterwards."""
    target = f"{LOGIN_PATH}?lanjut={quote(_return_path(request), safe='/')}"
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        # An htmx swap would put the login page inside its target; make the browser go there instead.
        return Response(None, status_code=401, headers={"HX-Redirect": target, "Vary": "HX-Request"})
    return Redirect(path=target, status_code=303)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    response = problem(
        request, exc.status_code, exc.message, code=exc.code, field_errors=exc.field_errors, extra=exc.extra
    )
    if isinstance(wait := exc.extra.get("retry_after"), int):
        response.headers["Retry-After"] = str(wait)  # a rate limit says when to come back
    return response


def _validation_messages(exc: ValidationException) -> dict[str, str]:
    errors: dict[str, str] = {}
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            errors[key] = str(item.get("message", _("tidak valid")))
    if not errors and exc.detail:
        errors["body"] = exc.detail
    return errors


def validation_error_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return problem(
        request,
        422,
        _("Data yang dikirim tidak sesuai format."),
        code="invalid",
        field_errors=_validation_messages(exc),
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        # A guard found nobody signed in: people go to the login page, the API answers 401.
        return login_redirect(request)
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        message = _("Halaman atau data yang dicari tidak ada.")
    elif isinstance(exc, NotAuthorizedException):
        message = _("Silakan masuk terlebih dahulu.")
    elif isinstance(exc, PermissionDeniedException):
        message = exc.detail if exc.detail and exc.detail != "Forbidden" else _("Anda tidak punya akses ke sini.")
        if "CSRF" in (exc.detail or ""):
            message = _("Sesi formulir sudah kedaluwarsa. Muat ulang halaman lalu coba lagi.")
    else:
        message = exc.detail or _title(status)
    extra = exc.extra if isinstance(exc.extra, dict) else None
    return problem(request, status, message, code="http_error", extra=extra)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Litestar is silent about 500s unless debug is on: always log the traceback.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        _("Maaf, terjadi kesalahan di server. Pesanan Anda tidak berubah; silakan coba lagi."),
        code="internal",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
}
