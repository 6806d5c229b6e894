"""Login and logout (pages and API), and the health check."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.errors import DomainError
from app.web import flash, render
from producers import services as producer_services


class LoginForm(msgspec.Struct):
    phone: str = ""
    password: str = ""
    lanjut: str = ""


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: str
    password: str


class LoginOut(msgspec.Struct):
    id: int
    name: str
    phone: str
    roles: dict[str, str]


def _safe_next(path: str | None) -> str:
    # Only same-site paths: "//evil.example" and "https://…" would send people elsewhere after login.
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path and len(path) < 300:
        return path
    return "/"


async def provide_current_user(request: Request[Any, Any, Any], db_session: AsyncSession) -> auth.CurrentUser | None:
    return await auth.load_current_user(db_session, auth.session_user_id(request))


class AuthController(Controller):
    include_in_schema = False

    @get("/masuk", name="login")
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        lanjut: Annotated[str | None, Parameter(query="lanjut", max_length=300)] = None,
    ) -> Any:
        return render(request, "app/login.html", form=LoginForm(lanjut=_safe_next(lanjut)), errors={})

    @post("/masuk", name="login_submit", status_code=303)
    async def login_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            user = await auth.authenticate(db_session, data.phone[:40], data.password[:200])
        except DomainError as exc:
            return render(
                request,
                "app/login.html",
                status_code=exc.status_code,
                form=LoginForm(phone=data.phone[:40], lanjut=_safe_next(data.lanjut)),
                errors=exc.field_errors,
                error=exc.message,
            )
        auth.login(request, user)
        flash(request, f"Selamat datang, {user.name}.", "ok")
        current = await auth.load_current_user(db_session, user.id)
        target = _safe_next(data.lanjut)
        if target == "/" and current and current.staff_cooperative_ids:
            target = "/staf"
        elif target == "/" and await producer_services.producer_for_user(db_session, user.id) is not None:
            target = "/produsen"
        return Redirect(path=target, status_code=303)

    @post("/keluar", name="logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        auth.logout(request)
        return Redirect(path="/", status_code=303)


class AuthApiController(Controller):
    path = "/api/auth"
    tags = ["akun"]

    @post("/login", name="api_login", status_code=200)
    async def api_login(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: LoginIn) -> LoginOut:
        user = await auth.authenticate(db_session, data.phone[:40], data.password[:200])
        auth.login(request, user)
        current = await auth.load_current_user(db_session, user.id)
        assert current is not None
        return LoginOut(
            id=user.id, name=user.name, phone=user.phone, roles={str(cid): role for cid, role in current.roles.items()}
        )

    @post("/logout", name="api_logout", status_code=204)
    async def api_logout(self, request: Request[Any, Any, Any]) -> None:
        auth.logout(request)


@get("/healthz", name="health", include_in_schema=False)
async def health(db_session: AsyncSession) -> Response[dict[str, str]]:
    await db_session.execute(text("SELECT 1"))
    return Response({"status": "ok"})
