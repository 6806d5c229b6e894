"""Browser-facing hardening: security headers, CSRF tokens that survive key rotation, the real client address."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from collections.abc import Sequence
from secrets import compare_digest
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import csrf as litestar_csrf
from litestar.middleware._utils import should_bypass_middleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Inline code the pages carry today, allowed by its exact hash instead of 'unsafe-inline':
# the "Cetak" buttons (onclick), the print-page sizes of staff/slips.html, htmx's indicator styles.
_PRINT_HANDLER = "window.print()"
_INLINE_STYLES = (
    "@page { size: A4; margin: 10mm; }",
    "@page { size: A6; margin: 5mm; }",
    ".htmx-indicator{opacity:0;visibility: hidden} "
    ".htmx-request .htmx-indicator, .htmx-request.htmx-indicator{opacity:1;visibility: visible;"
    "transition: opacity 200ms ease-in}",
)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-hashes' {_sha256(_PRINT_HANDLER)}",
        "style-src 'self' " + " ".join(_sha256(style) for style in _INLINE_STYLES),
        # Bar charts set their width in a style attribute; attributes cannot run code.
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode(), value.encode())
    for name, value in (
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )
)
# Pages and API answers that carry an order's secret token or a person's data: never kept by a
# shared computer's browser cache or a proxy.
PRIVATE_PATHS = re.compile(
    r"^/(akun|staf|produsen|masuk|daftar)(/|$)"
    r"|/(pesanan|keranjang|checkout)(/|$)"
    r"|^/api/(orders|auth)(/|$)"
    r"|^/api/cooperatives/[^/]+/orders(/|$)"
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """`before_send` hook: every response, including errors and static files, carries the headers."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS:
        headers[name.decode()] = value.decode()
    if PRIVATE_PATHS.search(str(scope.get("path", ""))):
        headers["Cache-Control"] = "no-store"


# -- the real client address ---------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES entries as networks; a bare address is a one-address network."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: str, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The address of the person, not of our proxies.

    X-Forwarded-For is read right to left and only while each hop is one of our proxies: the
    left part is written by whoever sent the request, so it counts for nothing on its own.
    """
    address = peer
    if not forwarded_for or not _is_trusted(peer, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not hop:
            break
        address = hop
        if not _is_trusted(hop, trusted):
            break
    return address


def real_client_middleware(trusted: Sequence[Network]) -> Any:
    """Put the person's address in the scope, so logs, limits and handlers all see the same one."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) == "http":
                client = scope.get("client")
                peer = client[0] if client else ""
                forwarded = b", ".join(v for k, v in scope.get("headers", []) if k == b"x-forwarded-for")
                address = client_address(peer, forwarded.decode("latin-1") or None, trusted)
                if address != peer:
                    scope["client"] = (address, 0)
            await app(scope, receive, send)

        return middleware

    return factory


# -- CSRF ----------------------------------------------------------------------------------------------


class CSRFMiddleware(litestar_csrf.CSRFMiddleware):
    """Litestar's double-submit CSRF check, with two changes.

    - Tokens signed with a previous key (SECRET_KEY_PREVIOUS) still verify, so rotating the key
      breaks no open form.
    - A page view that brings a cookie no key can verify (a key changed under it) gets a fresh
      token. Litestar keeps the stale cookie, so that browser got 403 on every form until its
      cookies were cleared.
    """

    def __init__(self, app: ASGIApp, config: CSRFConfig, previous_secrets: Sequence[str] = ()) -> None:
        super().__init__(app, config)
        self.secrets = (config.secret, *previous_secrets)

    def _decode_csrf_token(self, token: str) -> str | None:
        if len(token) < litestar_csrf.CSRF_SECRET_LENGTH + 1:
            return None
        token_secret = token[: litestar_csrf.CSRF_SECRET_LENGTH]
        existing_hash = token[litestar_csrf.CSRF_SECRET_LENGTH :]
        for secret in self.secrets:
            expected = litestar_csrf.generate_csrf_hash(token=token_secret, secret=secret)
            if compare_digest(existing_hash, expected):
                return token_secret
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope["type"]) != "http" or should_bypass_middleware(
            scope=scope,
            scopes=self.scopes,
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        cookie = request.cookies.get(self.config.cookie_name)
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            if cookie is not None and self._decode_csrf_token(cookie) is None:
                cookie = None  # signed by a key nobody holds any more: hand out a new one
            token = state.csrf_token = cookie or litestar_csrf.generate_csrf_token(secret=self.config.secret)
            await self.app(scope, receive, self.create_send_wrapper(send=send, csrf_cookie=cookie, token=token))
            return
        sent = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not sent and content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            sent = (await request.form()).get("_csrf_token", None)
        if sent is not None and cookie is not None and self._csrf_tokens_match(sent, cookie):
            state.csrf_token = sent
            await self.app(scope, receive, send)
            return
        raise PermissionDeniedException("CSRF token verification failed")
