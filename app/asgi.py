"""The application factory: `create_app(settings=None)` wires settings, database, sessions and routes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXRequest
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import (
    ASGIApp,
    ControllerRouterHandler,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Middleware,
    Receive,
    Scope,
    Send,
)

from app import maintenance, nik_vault, people
from app.account_routes import AccountSecurityApiController, AccountSecurityController
from app.alchemy import RequestSessions, SessionsPlugin, SessionStore
from app.db import DatabaseConfig, WriterQueue, limit_malloc_arenas, make_alchemy_config, write_intent
from app.errors import EXCEPTION_HANDLERS, problem
from app.health import healthz, readyz
from app.i18n import _, locale_middleware_factory
from app.icons import favicon, manifest
from app.inputs import EXCEPTION_HANDLERS as INPUT_HANDLERS
from app.inputs import path_guard_middleware
from app.language_routes import switch_language
from app.logs import app_logging_config, configure_server_logging
from app.member_import_routes import MemberImportApiController, MemberImportController
from app.metrics import Metrics, metrics
from app.models import WebSession
from app.offline import offline_page, service_worker
from app.onboarding_routes import LinkController, OnboardingApiController
from app.ratelimit import Limiter, account_throttle, login_throttle
from app.registry import import_models
from app.routes import AccountController, AuthApiController, AuthController, provide_current_user
from app.secret_key import resolve_secret_keys
from app.security import CSRFMiddleware, add_security_headers, parse_networks, real_client_middleware
from app.settings import Settings
from app.storage import open_media_store
from app.team_routes import TeamController
from app.web import SESSION_COOKIE, STATIC_DIR, TEMPLATE_DIR, SessionConfig, configure_environment
from catalog.product_admin_routes import PriceListApiController, ProductAdminController, create_product_api
from catalog.routes import CatalogApiController, StaffCatalogController, StorefrontController
from catalog.stock_routes import StockController
from finance.api_routes import FinanceApiController, MyFinanceApiController
from finance.loan_routes import LoanApiController, StaffLoanController
from finance.routes import MemberFinanceController, StaffFinanceController
from onboarding.api_routes import CooperativeApiController, create_cooperative
from onboarding.helper_routes import OperatorController, PendampingController
from onboarding.readiness_routes import ReadinessController
from onboarding.registration_routes import RegistrationController
from orders import state as order_state
from orders.fulfilment.routes import BoardController, CashController, DeliveryController, PickingController
from orders.routes import (
    CartController,
    OrderApiController,
    OrderPageController,
    ShopSettingsController,
    StaffEntryController,
    StaffPaymentController,
)
from producers.invitations import PRODUCER_ROLE, link_producer_owner
from producers.routes import (
    MediaController,
    OldStaffUrlController,
    ProducerPaymentController,
    ProducerPortalController,
    ReviewController,
)
from producers.staff_routes import ProducerApiController, StaffProducerController
from reports.routes import BooksController, ProvinceApiController
from reports.staff_routes import DashboardController, ExportController
from search.relay import SearchRuntime
from search.routes import SearchApiController

DEMO_CATALOG = Path(__file__).resolve().parent / "demo" / "demo_catalog.json"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def write_intent_middleware(writers: WriterQueue) -> Callable[[ASGIApp], ASGIApp]:
    """Mark unsafe requests so SQLite transactions take the write lock up front (see app.db), and line them
    up in the process's writer queue first."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if str(scope["type"]) == "http" and scope.get("method") in _UNSAFE:
                token = write_intent.set(True)
                try:
                    async with writers.turn():
                        await app(scope, receive, send)
                finally:
                    write_intent.reset(token)
                return
            await app(scope, receive, send)

        return middleware

    return wrap


def json_api_middleware(app: ASGIApp) -> ASGIApp:
    """The API takes JSON only: a cross-site HTML form cannot send it, which is the API's CSRF defence.

    Every unsafe request needs the JSON content type, even without a body: a cross-site form can
    POST an empty body too (a bodiless "cancel" or "logout" would otherwise need no CSRF token).
    File uploads (`.../import`) are multipart: the session cookie is SameSite=Lax, so a cross-site
    form's upload arrives signed out and is refused by the guard.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if str(scope["type"]) == "http" and scope.get("method") in _UNSAFE and scope["path"].startswith("/api/"):
            headers = dict(scope.get("headers", []))
            content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
            upload = content_type.startswith("multipart/form-data") and scope["path"].endswith("/import")
            if not content_type.startswith("application/json") and not upload:
                body = json.dumps(
                    {
                        "status": 415,
                        "code": "unsupported_media_type",
                        "title": _("Format tidak didukung"),
                        "detail": _("Kirim data sebagai JSON (Content-Type: application/json)."),
                    }
                ).encode()
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": 415,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
                end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
                await send(start)
                await send(end)
                return
        await app(scope, receive, send)

    return middleware


def unit_of_work_finisher(alchemy: RequestSessions) -> Callable[[Scope, int], Awaitable[None]]:
    """Commit the request's transaction on success (2xx/3xx), roll it back otherwise."""

    async def finish(scope: Scope, status: int) -> None:
        session = alchemy.current(scope)
        if session is None:
            return
        if 200 <= status < 400:
            await session.commit()
        else:
            await session.rollback()

    return finish


def _state_error_handler(request: Request[Any, Any, Any], exc: order_state.StateError) -> Response[Any]:
    status = 403 if isinstance(exc, order_state.TransitionForbidden) else 409
    return problem(request, status, exc.message, code="illegal_transition" if status == 409 else "forbidden")


def _demo_notice(settings: Settings) -> dict[str, str] | None:
    """The data file's warning that the demo is invented, in each language the pages speak."""
    if not settings.demo_mode or not DEMO_CATALOG.exists():
        return None
    meta = json.loads(DEMO_CATALOG.read_text(encoding="utf-8")).get("_meta", {})
    notice_id = meta.get("fiction_notice_id") or meta.get("fiction_notice")
    if not notice_id:
        return None
    return {"id": str(notice_id), "en": str(meta.get("fiction_notice") or notice_id)}


def _middleware(
    settings: Settings, db: DatabaseConfig, alchemy: RequestSessions, metrics: Metrics, keys: tuple[str, ...]
) -> list[Middleware]:
    """Outermost first: who the client is, counting, throttling, then the request's unit of work."""
    csrf_config = CSRFConfig(
        secret=keys[0],
        cookie_name="csrftoken",
        header_name="x-csrftoken",
        exclude=["^/api/", "^/healthz$", "^/readyz$", "^/metrics$"],
        cookie_secure=settings.secure_cookies,
    )
    return [
        real_client_middleware(parse_networks(settings.trusted_proxies)),
        path_guard_middleware,
        locale_middleware_factory(secure_cookies=settings.secure_cookies),
        metrics.middleware,
        login_throttle(Limiter(db), settings.login_rate_limit),
        account_throttle(Limiter(db), settings.account_rate_limit),
        write_intent_middleware(db.writers),
        json_api_middleware,
        SessionConfig(
            store="sessions",
            key=SESSION_COOKIE,
            max_age=30 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            finish_unit_of_work=unit_of_work_finisher(alchemy),
        ).middleware,
        # Litestar's own CSRF check, with key rotation and a fresh token for a stale cookie.
        DefineMiddleware(CSRFMiddleware, config=csrf_config, previous_secrets=keys[1:]),
    ]


def _route_handlers() -> list[ControllerRouterHandler]:
    """Every page and API of the app, package by package, and the static files."""
    return [
        StorefrontController,
        CatalogApiController,
        create_cooperative,  # after CatalogApiController, which holds GET on the same path
        StaffCatalogController,
        ProductAdminController,
        create_product_api,
        PriceListApiController,
        StaffProducerController,
        ProducerApiController,
        CartController,
        OrderPageController,
        StaffEntryController,
        StaffPaymentController,
        ShopSettingsController,
        DashboardController,
        BoardController,
        PickingController,
        DeliveryController,
        CashController,
        StockController,
        ExportController,
        OrderApiController,
        AuthController,
        AccountController,
        AuthApiController,
        AccountSecurityController,
        AccountSecurityApiController,
        LinkController,
        OnboardingApiController,
        TeamController,
        MemberImportController,
        MemberImportApiController,
        SearchApiController,
        ProducerPortalController,
        MediaController,
        ReviewController,
        ProducerPaymentController,
        OldStaffUrlController,
        BooksController,
        ProvinceApiController,
        FinanceApiController,
        MyFinanceApiController,
        StaffFinanceController,
        MemberFinanceController,
        LoanApiController,
        StaffLoanController,
        CooperativeApiController,
        RegistrationController,
        ReadinessController,
        OperatorController,
        PendampingController,
        switch_language,
        healthz,
        readyz,
        metrics,
        favicon,
        manifest,
        service_worker,
        offline_page,
        create_static_files_router(
            path="/static",
            directories=[STATIC_DIR],
            name="static",
            cache_control=CacheControlHeader(max_age=30 * 24 * 3600, public=True),
            include_in_schema=False,
        ),
    ]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    limit_malloc_arenas()
    keys = resolve_secret_keys(settings)
    nik_vault.configure(keys)
    configure_server_logging(settings.log_format, access_log=settings.access_log)
    import_models()
    people.register_acceptance(PRODUCER_ROLE, link_producer_owner, home="/produsen")
    db = DatabaseConfig(settings)
    request_metrics = Metrics(settings.var_dir)
    alchemy = make_alchemy_config(db)
    demo_notice = _demo_notice(settings)

    def engine_callback(engine: JinjaTemplateEngine) -> None:
        configure_environment(
            engine.engine,
            demo_notice=demo_notice,
            filters=order_state.TEMPLATE_FILTERS,
            reload_templates=settings.debug,
        )

    search = SearchRuntime(settings, db)

    housekeeping: list[asyncio.Task[None]] = []

    async def on_startup() -> None:
        await search.start(background=settings.search_relay)
        housekeeping.append(asyncio.create_task(maintenance.run_forever(db), name="housekeeping"))

    async def on_shutdown() -> None:
        for task in housekeeping:
            task.cancel()
        await search.stop()
        await db.dispose()

    return Litestar(
        route_handlers=_route_handlers(),
        plugins=[SessionsPlugin(alchemy)],
        dependencies={"user": Provide(provide_current_user)},
        request_class=HTMXRequest,
        middleware=_middleware(settings, db, alchemy, request_metrics, keys),
        before_send=[add_security_headers],
        stores={"sessions": SessionStore(alchemy.sessionmaker, WebSession, namespace="sessions")},
        # Photos are WebP/JPEG already: gzip would only make them larger.
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6, exclude="^/media/"),
        template_config=TemplateConfig(
            directory=TEMPLATE_DIR, engine=JinjaTemplateEngine, engine_callback=engine_callback
        ),
        openapi_config=OpenAPIConfig(
            title="Pasar Desa API",
            version="0.1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(path=["/openapi.json", "/"])],
        ),
        exception_handlers={**EXCEPTION_HANDLERS, **INPUT_HANDLERS, order_state.StateError: _state_error_handler},
        logging_config=app_logging_config(settings.log_format),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State(
            {
                "settings": settings,
                "db": db,
                "search": search,
                "metrics": request_metrics,
                "media": open_media_store(settings),
            }
        ),
        debug=settings.debug,
    )
