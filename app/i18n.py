"""Languages: the request's locale, gettext over the catalogs in app/locales, Babel number and date formats.

Indonesian is the source language: every user-facing text is written in Indonesian inside `_()` (Python)
or `_()` / `{% trans %}` (templates), and `app/locales/en/*.po` translate it into English. The locale of a
request comes from the `pd_lang` cookie (set by the language switch, and on sign-in from the account's
choice), else from `Accept-Language`, else Indonesian.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, overload

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from litestar.types import ASGIApp, Message, Receive, Scope, Send

LOCALES: tuple[str, ...] = ("id", "en")
DEFAULT_LOCALE = "id"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
COOKIE = "pd_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
# Set by a handler (sign-in, the language switch) to make the middleware send the cookie.
SET_COOKIE_KEY = "pd_set_lang"

_current: ContextVar[str] = ContextVar("pd_locale", default=DEFAULT_LOCALE)


def get_locale() -> str:
    """The active locale code: "id" or "en"."""
    return _current.get()


@contextlib.contextmanager
def use_locale(code: str) -> Iterator[None]:
    """Run a block in another locale (tests, messages written for someone else)."""
    token = _current.set(code if code in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def load_catalog(code: str, directory: Path = LOCALE_DIR) -> Catalog:
    """Every `<code>/*.po` file of the project merged into one catalog (the first translation of a text wins)."""
    merged = Catalog(locale=code)
    for path in sorted((directory / code).glob("*.po")):
        with path.open("rb") as handle:
            part = read_po(handle, locale=code)
        for message in part:
            if message.id and message.id not in merged and message.string and not message.fuzzy:
                merged[message.id] = message
    return merged


@functools.cache
def translations(code: str) -> NullTranslations:
    """Compiled once per process; Indonesian, the source language, needs no catalog."""
    if code == DEFAULT_LOCALE or code not in LOCALES:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(code))
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str) -> str:
    """The text in the active locale (the Indonesian source when the locale is Indonesian)."""
    code = _current.get()
    if code == DEFAULT_LOCALE:
        return message
    return translations(code).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    code = _current.get()
    if code == DEFAULT_LOCALE:
        return singular  # Indonesian nouns do not change with the number
    return translations(code).ngettext(singular, plural, count)


def _(message: str, **values: Any) -> str:
    """`_("Stok %(name)s habis.", name=product.name)`: translate, then fill the named values in."""
    text = gettext(message)
    return text % values if values else text


def N_(message: str) -> str:
    """Mark a text for the catalogs where it is defined (module constants); translate it where shown."""
    return message


def n_(singular: str, plural: str, count: int, **values: Any) -> str:
    """Plural-aware `_`: `n_("%(n)s barang", "%(n)s barang", n, n=n)`."""
    text = ngettext(singular, plural, count)
    return text % values if values else text


@functools.cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def format_number(value: int) -> str:
    """`18500` → `18.500` in Indonesian, `18,500` in English."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0", locale=_babel_locale(_current.get()))


def format_date(day: Any, pattern: str = "d MMMM y") -> str:
    """`2026-12-01` → `1 Desember 2026` / `1 December 2026`."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, pattern, locale=_babel_locale(_current.get()))


@functools.cache
def _month_names(code: str, width: str) -> tuple[str, ...]:
    names = _babel_locale(code).months["format"][width]
    return tuple(str(names[month]) for month in range(1, 13))


class MonthNames(Sequence[str]):
    """Month names of the active locale, indexed 0-11 (January first)."""

    def __init__(self, width: str = "wide") -> None:
        self._width = width

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return _month_names(_current.get(), self._width)[index]

    def __len__(self) -> int:
        return 12


def parse_accept_language(header: str) -> str | None:
    """The supported locale the browser prefers most, or None: `en-US,en;q=0.9,id;q=0.8` → "en"."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "in":  # the old code for Indonesian, still sent by some Android browsers
            primary = "id"
        if primary in LOCALES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def negotiate(cookie_value: str | None, accept_language: str | None) -> str:
    if cookie_value in LOCALES:
        return str(cookie_value)
    return parse_accept_language(accept_language or "") or DEFAULT_LOCALE


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw or COOKIE not in raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):
        jar.load(raw)
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def cookie_header(code: str, *, secure: bool) -> bytes:
    flags = "; Secure" if secure else ""
    return f"{COOKIE}={code}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax{flags}".encode("latin-1")


def remember(scope: Scope, code: str) -> None:
    """Send the language cookie with this response (the account's choice on sign-in, or the switch)."""
    if code in LOCALES:
        scope[SET_COOKIE_KEY] = code  # type: ignore[literal-required]
        _current.set(code)


def locale_middleware_factory(*, secure_cookies: bool) -> Any:
    """ASGI middleware: picks the request's locale, says it in Content-Language, sends a changed cookie."""

    def locale_middleware(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) != "http":
                await app(scope, receive, send)
                return
            token = _current.set(negotiate(_cookie(scope), _header(scope, b"accept-language")))

            async def send_with_language(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    chosen = scope.get(SET_COOKIE_KEY)
                    headers.append((b"content-language", str(chosen or _current.get()).encode()))
                    if chosen:
                        headers.append((b"set-cookie", cookie_header(str(chosen), secure=secure_cookies)))
                    message["headers"] = headers
                await send(message)

            try:
                await app(scope, receive, send_with_language)
            finally:
                _current.reset(token)

        return middleware

    return locale_middleware


@functools.cache
def _group_separator(code: str) -> str:
    return str(_babel_locale(code).number_symbols["latn"]["group"])


def group_separator() -> str:
    """The thousands separator of the active locale (Babel's CLDR data): "." in Indonesian, "," in English."""
    return _group_separator(_current.get())
