"""One-time links (set a password, accept an invitation) as pages and JSON, and the people API of a cooperative."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth, password_links, people
from app.errors import DomainError
from app.guards import actor_of, provide_cooperative, requires_password_help, requires_pengurus
from app.i18n import _
from app.models import Cooperative, User, role_label
from app.ratelimit import LOGIN_WINDOW_SECONDS, Limiter, RateLimited, retry_after
from app.text import whatsapp_link
from app.tokens import IssuedLink, TokenInvalid
from app.web import Form, flash, render


async def shares_login_limit(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """A guard: posting a password through a link counts against the same per-address limit as logging in.

    A guard runs before the request's own database session starts, so the count (its own short
    transaction) never waits behind it on SQLite.
    """
    settings = connection.app.state["settings"]
    client = connection.client.host if connection.client else "unknown"
    limiter = Limiter(connection.app.state["db"])
    if not await limiter.hit(f"login:{client}", settings.login_rate_limit, LOGIN_WINDOW_SECONDS):
        raise RateLimited(retry_after(LOGIN_WINDOW_SECONDS))


def client_address(request: Request[Any, Any, Any]) -> str | None:
    # The security middleware has already put the real client (behind trusted proxies) in the scope.
    return request.client.host if request.client else None


def base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


async def _home(
    db_session: AsyncSession, user: User, cooperative_id: int | None = None, role: str | None = None
) -> str:
    """Where to go once signed in: the page the invitation's role names (a producer's portal), the staff area of
    the cooperative just joined, else the person's home."""
    if role and (named := people.home_after_acceptance(role)):
        return named
    current = await auth.load_current_user(db_session, user.id)
    if cooperative_id is not None and current and current.is_staff_of(cooperative_id):
        cooperative = await db_session.get(Cooperative, cooperative_id)
        if cooperative is not None:
            return f"/staf/{cooperative.slug}"
    return auth.home_path(current)


async def _sign_in(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    user: User,
    cooperative_id: int | None = None,
    role: str | None = None,
) -> str:
    """Sign the person in (they just set a password through a link) and say where they go next."""
    auth.login(request, user)
    return await _home(db_session, user, cooperative_id, role)


class SetPasswordForm(msgspec.Struct):
    password: str = ""


class AcceptForm(msgspec.Struct):
    password: str = ""
    name: str = ""


def _link_gone(request: Request[Any, Any, Any]) -> Any:
    return render(request, "app/link_invalid.html", status_code=410)


class LinkController(Controller):
    """The pages a one-time link opens: `/atur-sandi/{token}` and `/undangan/{token}`."""

    include_in_schema = False

    @get("/atur-sandi/{token:str}", name="password_setup")
    async def password_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Any:
        try:
            owner = await password_links.link_owner(db_session, token)
        except TokenInvalid:
            return _link_gone(request)
        return render(request, "app/password_setup.html", owner=owner, token=token, errors={})

    @post("/atur-sandi/{token:str}", name="password_setup_submit", status_code=303, guards=[shares_login_limit])
    async def password_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        token: str,
        data: Annotated[SetPasswordForm, Form],
    ) -> Any:
        form = password_links.PasswordSetupIn(token=token, password=data.password)
        try:
            user = await password_links.set_password(db_session, form, address=client_address(request))
        except TokenInvalid:
            return _link_gone(request)
        except DomainError as exc:
            owner = await password_links.link_owner(db_session, token)
            return render(
                request,
                "app/password_setup.html",
                status_code=exc.status_code,
                owner=owner,
                token=token,
                errors=exc.field_errors,
                error=exc.message,
            )
        home = await _sign_in(request, db_session, user)
        flash(request, _("Kata sandi tersimpan. Selamat datang, %(name)s.", name=user.name), "ok")
        return Redirect(path=home, status_code=303)

    @get("/undangan/{token:str}", name="invitation")
    async def invitation_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, token: str) -> Any:
        try:
            view = await people.invitation_for_link(db_session, token)
        except TokenInvalid:
            return _link_gone(request)
        return render(request, "app/invitation.html", view=view, token=token, form=AcceptForm(), errors={})

    @post("/undangan/{token:str}", name="invitation_accept", status_code=303, guards=[shares_login_limit])
    async def invitation_accept(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        token: str,
        data: Annotated[AcceptForm, Form],
    ) -> Any:
        form = people.AcceptIn(token=token, password=data.password, name=data.name)
        try:
            user, invitation = await people.accept_invitation(db_session, form, address=client_address(request))
        except TokenInvalid:
            return _link_gone(request)
        except DomainError as exc:
            await db_session.rollback()
            try:
                view = await people.invitation_for_link(db_session, token)
            except TokenInvalid:
                return _link_gone(request)
            return render(
                request,
                "app/invitation.html",
                status_code=exc.status_code,
                view=view,
                token=token,
                form=AcceptForm(name=data.name[:120]),
                errors=exc.field_errors,
                error=exc.message,
            )
        home = await _sign_in(request, db_session, user, invitation.cooperative_id, invitation.role)
        label = role_label(invitation.role)
        flash(
            request, _("Selamat datang, %(name)s. Anda sekarang %(role)s koperasi.", name=user.name, role=label), "ok"
        )
        return Redirect(path=home, status_code=303)


class SessionOut(msgspec.Struct):
    id: int
    name: str
    phone: str
    home: str


class LinkOut(msgspec.Struct):
    url: str
    expires_at: datetime.datetime
    whatsapp_url: str


class TeamMemberOut(msgspec.Struct):
    membership_id: int
    user_id: int
    name: str
    role: str


def link_out(request: Request[Any, Any, Any], link: IssuedLink, phone: str, message: str) -> LinkOut:
    url = link.url(base_url(request))
    return LinkOut(url=url, expires_at=link.expires_at, whatsapp_url=whatsapp_link(phone, f"{message} {url}"))


class OnboardingApiController(Controller):
    path = "/api"
    tags = ["akun"]
    # Only the handlers under /cooperatives/{slug} ask for it.
    dependencies = {"cooperative": Provide(provide_cooperative)}

    @post("/auth/password-setup", name="api_password_setup", status_code=200, guards=[shares_login_limit])
    async def password_setup(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: password_links.PasswordSetupIn
    ) -> SessionOut:
        user = await password_links.set_password(db_session, data, address=client_address(request))
        return SessionOut(id=user.id, name=user.name, phone=user.phone, home=await _sign_in(request, db_session, user))

    @post("/invitations/accept", name="api_invitation_accept", status_code=200, guards=[shares_login_limit])
    async def accept(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, data: people.AcceptIn
    ) -> SessionOut:
        user, invitation = await people.accept_invitation(db_session, data, address=client_address(request))
        home = await _sign_in(request, db_session, user, invitation.cooperative_id, invitation.role)
        return SessionOut(id=user.id, name=user.name, phone=user.phone, home=home)

    @post("/cooperatives/{slug:str}/invitations", name="api_invite", status_code=201, guards=[requires_pengurus])
    async def invite(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser,
        data: people.InvitationIn,
    ) -> LinkOut:
        invitation, link = await people.invite(db_session, cooperative, actor_of(request, user), data)
        message = people.invitation_message(invitation, cooperative)
        return link_out(request, link, invitation.phone, message)

    @post(
        "/cooperatives/{slug:str}/password-resets",
        name="api_password_reset",
        status_code=201,
        guards=[requires_password_help],
    )
    async def password_reset(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser,
        data: password_links.ResetIn,
    ) -> LinkOut:
        target, link = await password_links.issue_reset(db_session, cooperative, actor_of(request, user), data)
        return link_out(request, link, target.phone, password_links.reset_message(target))

    @put("/cooperatives/{slug:str}/team/{membership_id:int}", name="api_team_role", guards=[requires_pengurus])
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser,
        membership_id: int,
        data: people.RoleIn,
    ) -> TeamMemberOut:
        person = await people.change_role(db_session, cooperative, actor_of(request, user), membership_id, data)
        return TeamMemberOut(person.membership.id, person.user.id, person.user.name, person.membership.role)

    @delete(
        "/cooperatives/{slug:str}/team/{membership_id:int}",
        name="api_team_remove",
        status_code=204,
        guards=[requires_pengurus],
    )
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser,
        membership_id: int,
    ) -> None:
        await people.remove(db_session, cooperative, actor_of(request, user), membership_id)
