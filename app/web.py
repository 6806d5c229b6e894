"""Web plumbing: the one render helper (page or htmx block), template filters, sessions, flash messages."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, pass_context
from jinja2_fragments import render_block
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.params import Body
from litestar.types import Empty, Message, Scope, ScopeSession
from markupsafe import Markup

from app.clock import MONTHS
from app.clock import local_time as local_time  # re-exported: templates' filter, older imports
from app.i18n import LANGUAGE_NAMES, N_, get_locale, gettext, ngettext
from app.text import display_phone, rupiah

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# The browser session's cookie (server-side sessions: the cookie holds only the id).
SESSION_COOKIE = "pd_session"
# The staff menu, one list for every staff page (macros/ui.html staff_menu): key, label, path after /staf/{slug}.
# Labels are marked here and translated where shown; "&amp;" is written as the page shows it.
STAFF_MENU: tuple[tuple[str, str, str], ...] = (
    ("ringkasan", N_("Ringkasan"), ""),
    ("pesanan", N_("Pesanan"), "/pesanan"),
    ("ambil", N_("Ambil &amp; kemas"), "/ambil"),
    ("antar", N_("Antar"), "/antar"),
    ("setoran", N_("Setoran kurir"), "/setoran"),
    ("stok", N_("Stok"), "/stok"),
    ("ekspor", N_("Ekspor"), "/ekspor"),
    ("produk", N_("Harga &amp; aturan"), "/produk"),
    ("tinjauan", N_("Tinjau produk"), "/tinjauan"),
    ("bayar-produsen", N_("Bayar produsen"), "/bayar-produsen"),
    ("keuangan", N_("Keuangan"), "/keuangan"),
    ("simpanan", N_("Simpanan"), "/simpanan"),
    ("biaya", N_("Biaya"), "/biaya"),
    ("pendapatan", N_("Pendapatan lain"), "/pendapatan"),
    ("pinjaman", N_("Pinjaman"), "/pinjaman"),
    ("shu", N_("SHU"), "/shu"),
    ("produsen", N_("Produsen"), "/produsen"),
    ("anggota", N_("Anggota"), "/anggota"),
    ("pengaturan", N_("Pengaturan"), "/pengaturan"),
    ("siap", N_("Siap berjualan"), "/siap"),
    ("tim", N_("Tim"), "/tim"),
    ("log", N_("Log"), "/log"),
)
# A handler's form body: `data: Annotated[SomeForm, Form]`.
Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def is_partial(request: Request[Any, Any, Any]) -> bool:
    """A real htmx swap gets a block; boosted and history-restore requests get the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request  # type: ignore[union-attr]


def render(
    request: Request[Any, Any, Any],
    template: str,
    block: str | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMXBlockTemplate:
    partial = block is not None and is_partial(request)
    flashes = pop_flashes(request)
    return HTMXBlockTemplate(
        template_name=template,
        block_name=block if partial else None,
        context={"flashes": flashes, "partial": partial, **context},
        status_code=status_code,
        headers={"Vary": "HX-Request", **(headers or {})},
        media_type="text/html",
    )


def template_environment(request: Request[Any, Any, Any]) -> Environment:
    """The app's Jinja environment (filters and globals set by configure_environment)."""
    return cast("Environment", request.app.template_engine.engine)  # type: ignore[union-attr]


def render_to_string(request: Request[Any, Any, Any], template: str, block: str | None = None, **context: Any) -> str:
    """What `render` would send, as text, for a caller that keeps it (csrf_input and csrf_token may be given)."""
    env = template_environment(request)
    partial = block is not None and is_partial(request)
    values = {"flashes": pop_flashes(request), "partial": partial, "request": request, **context}
    if partial:
        assert block is not None
        return render_block(env, template, block, **values)
    return env.get_template(template).render(**values)


def flash(request: Request[Any, Any, Any], message: str, kind: str = "info") -> None:
    if not isinstance(request.scope.get("session"), dict):
        request.scope["session"] = {}  # cleared in this request (sign-out): the message starts a new session
    messages = list(request.session.get("flash", [])) if request.session else []
    messages.append({"kind": kind, "message": message})
    request.session["flash"] = messages


def pop_flashes(request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    session = request.scope.get("session")
    if not isinstance(session, dict) or "flash" not in session:
        return []  # none, or cleared in this request (sign-out)
    messages = session.pop("flash")
    return list(messages) if isinstance(messages, list) else []


def _asset_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "0"


def _per_page(function: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def per_page(_context: Any, value: Any, *args: Any, **kwargs: Any) -> str:
        return function(value, *args, **kwargs)

    return per_page


def configure_environment(
    env: Environment,
    *,
    demo_notice: dict[str, str] | None,
    filters: Mapping[str, Callable[[Any], str]] | None = None,
    reload_templates: bool = True,
) -> None:
    """The shared filters and globals; domain packages hand in theirs (labels) through the composition root."""
    # Checking every template file's mtime on every render costs a few percent of a page; only debug wants it.
    env.auto_reload = reload_templates
    env.filters["rupiah"] = rupiah
    env.filters["phone"] = display_phone
    env.filters["local_time"] = local_time
    env.filters["percent"] = lambda part, whole: round(part * 100 / whole) if whole else 0
    env.globals["demo_notice"] = demo_notice
    env.globals["month_names"] = MONTHS
    # Translations: `{{ _("Teks") }}`, `{{ _("Stok %(n)s", n=n) }}` and `{% trans %}` blocks (app.i18n).
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["staff_menu_items"] = STAFF_MENU
    env.globals["get_locale"] = get_locale
    env.globals["language_names"] = LANGUAGE_NAMES
    env.globals["asset_version"] = {
        "css": _asset_version(STATIC_DIR / "css" / "app.css"),
        "js": _asset_version(STATIC_DIR / "js" / "app.js"),
    }
    env.filters.update(filters or {})
    # Jinja computes a filter over a constant once, when it compiles the template (`{{ "unpaid" | payment_label }}`,
    # `{{ 15000 | rupiah }}`), in whatever language the first request spoke; a context filter is run per page.
    for name in ("rupiah", *(filters or {})):
        env.filters[name] = _per_page(env.filters[name])
    env.globals["nl2br"] = lambda text: Markup("<br>").join(str(text or "").splitlines())


class SessionBackend(ServerSideSessionBackend):
    """Writes a session only when it changed, and never for a visitor who has none.

    Litestar's backend stores every non-empty session on every response and creates a row for
    every anonymous page view; on SQLite that turns page views into writes.
    """

    _RAW_KEY = "_pd_session_raw"
    ROTATE_KEY = "_pd_session_rotate"
    _NEW_ID_KEY = "_pd_session_new_id"

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        new_id = cast("dict[str, Any]", connection.scope).get(self._NEW_ID_KEY)
        return str(new_id) if new_id else super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            store = self.config.get_store_from_app(connection.scope["app"])
            data = await self.get(session_id, store=store)
            if data is not None:
                cast("dict[str, Any]", connection.scope)[self._RAW_KEY] = data
                return self.deserialize_data(data)
        return {}

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        # The request's database work must end before the session row is written: on SQLite the
        # request's transaction holds the write lock, and the session store would wait on it forever.
        # Ending it here also means a session change (a cleared cart) is saved only after its order.
        finish = getattr(self.config, "finish_unit_of_work", None)
        if finish is not None:
            await finish(connection.scope, int(cast("dict[str, Any]", message).get("status", 200)))
        scope = cast("dict[str, Any]", connection.scope)
        raw = scope.get(self._RAW_KEY)
        if scope.pop(self.ROTATE_KEY, False):
            # Logging in gets a new session id: an id planted before login (session fixation) is useless.
            if old_id := connection.cookies.get(self.config.key):
                await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
            scope[self._NEW_ID_KEY] = self.generate_session_id()
            raw = None
        if scope_session is Empty or not scope_session:
            if raw is None and not connection.cookies.get(self.config.key):
                return
            await super().store_in_message(Empty, message, connection)
            return
        if raw is not None and self.serialize_data(scope_session, connection.scope) == raw:
            return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    # Called with (scope, status) when the response starts: commits (2xx/3xx) or rolls back.
    finish_unit_of_work: Callable[[Scope, int], Awaitable[None]] | None = None
    _backend_class = SessionBackend
