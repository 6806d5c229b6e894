"""The account's safety pages: change the password, sign out on every device, and what to do when it is forgotten."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import accounts, auth
from app.errors import DomainError
from app.guards import requires_login
from app.i18n import N_, _
from app.schemas import PasswordChangeForm
from app.web import Form, flash, render

SIGNED_OUT_EVERYWHERE = N_("Anda sudah keluar dari semua perangkat. Masuk lagi bila ingin memakai akun ini di sini.")


class PasswordChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    current_password: str
    new_password: str


def _security_page(request: Request[Any, Any, Any], user: auth.CurrentUser, refused: DomainError | None = None) -> Any:
    return render(
        request,
        "app/account_security.html",
        status_code=refused.status_code if refused else 200,
        phone=user.phone,
        min_length=auth.MIN_PASSWORD_LENGTH,
        errors=refused.field_errors if refused else {},
        error=refused.message if refused else None,
    )


class AccountSecurityController(Controller):
    include_in_schema = False

    @get("/akun/sandi", name="account_security", guards=[requires_login])
    async def security_page(self, request: Request[Any, Any, Any], user: auth.CurrentUser) -> Any:
        return _security_page(request, user)

    @post("/akun/sandi", name="password_change", status_code=303, guards=[requires_login])
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: auth.CurrentUser,
        data: Annotated[PasswordChangeForm, Form],
    ) -> Any:
        try:
            changed = await accounts.change_password(db_session, user, data)
        except DomainError as exc:
            return _security_page(request, user, exc)
        auth.login(request, changed)  # this device stays signed in, under the new epoch
        flash(request, _("Kata sandi baru tersimpan. Perangkat lain yang masuk dengan akun ini sudah keluar."), "ok")
        return Redirect(path="/akun", status_code=303)

    @post("/akun/keluar-semua", name="sign_out_everywhere", status_code=303, guards=[requires_login])
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: auth.CurrentUser
    ) -> Redirect:
        await accounts.sign_out_everywhere(db_session, user)
        auth.logout(request)
        request.set_session({})  # signed out, with room for the message the login page shows
        flash(request, _(SIGNED_OUT_EVERYWHERE), "ok")
        return Redirect(path="/masuk", status_code=303)

    @get("/lupa-sandi", name="forgot_password")
    async def forgot_password(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "app/forgot_password.html")


class AccountSecurityApiController(Controller):
    path = "/api/auth"
    tags = ["akun"]

    @post("/password", name="api_password_change", status_code=204, guards=[requires_login])
    async def change_password(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: auth.CurrentUser, data: PasswordChangeIn
    ) -> None:
        form = PasswordChangeForm(data.current_password, data.new_password, data.new_password)
        auth.login(request, await accounts.change_password(db_session, user, form))

    @post("/logout-everywhere", name="api_logout_everywhere", status_code=204, guards=[requires_login])
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: auth.CurrentUser
    ) -> None:
        await accounts.sign_out_everywhere(db_session, user)
        auth.logout(request)
