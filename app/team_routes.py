"""The pengurus' pages: the cooperative's team (invite, change role, remove, password links) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, people
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError
from app.guards import StaffController, actor_of, requires_pengurus
from app.i18n import _
from app.models import ROLE_LABELS, Cooperative, Role, role_label
from app.onboarding_routes import link_out
from app.password_links import ResetIn, issue_reset, reset_message
from app.tokens import IssuedLink
from app.web import Form, flash, render


def role_choices() -> list[tuple[str, str]]:
    """What the role select offers, in the order people think of them, in the request's language."""
    return [(role.value, role_label(role)) for role in Role]


def role_labels() -> dict[str, str]:
    return {role: _(label) for role, label in ROLE_LABELS.items()}


AUDIT_PER_PAGE = 50


def _issued(request: Request[Any, Any, Any], title: str, link: IssuedLink, phone: str, message: str) -> dict[str, Any]:
    """The one-time link just made, as the team page shows it: to copy or to send by WhatsApp."""
    out = link_out(request, link, phone, message)
    return {"title": title, "url": out.url, "whatsapp": out.whatsapp_url, "expires_at": out.expires_at}


def _back_to_team(request: Request[Any, Any, Any], cooperative: Cooperative, message: str) -> Redirect:
    flash(request, message, "ok")
    return Redirect(path=f"/staf/{cooperative.slug}/tim", status_code=303)


class TeamController(StaffController):
    guards = [requires_pengurus]

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        *,
        status_code: int = 200,
        issued: dict[str, Any] | None = None,
        invite_form: people.InvitationIn | None = None,
        errors: dict[str, str] | None = None,
        error: str | None = None,
    ) -> Any:
        return render(
            request,
            "app/team.html",
            status_code=status_code,
            cooperative=cooperative,
            team=await people.team(db_session, cooperative),
            invitations=await people.open_invitations(db_session, cooperative),
            role_choices=role_choices(),
            role_labels=role_labels(),
            issued=issued,
            form=invite_form or people.InvitationIn(role=Role.PETUGAS.value),
            errors=errors or {},
            error=error,
        )

    @get("/tim", name="team")
    async def team(self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative) -> Any:
        return await self._page(request, db_session, cooperative)

    @post("/tim/undang", name="team_invite", status_code=200)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[people.InvitationIn, Form],
    ) -> Any:
        try:
            invitation, link = await people.invite(db_session, cooperative, actor_of(request, user), data)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            form = people.InvitationIn(phone=data.phone[:40], name=data.name[:120], role=data.role[:20])
            return await self._page(
                request,
                db_session,
                cooperative,
                status_code=exc.status_code,
                invite_form=form,
                errors=exc.field_errors,
                error=exc.message,
            )
        title = _("Undangan untuk %(name)s (%(role)s)", name=invitation.name, role=role_label(invitation.role))
        issued = _issued(request, title, link, invitation.phone, people.invitation_message(invitation, cooperative))
        return await self._page(request, db_session, cooperative, issued=issued)

    @post("/tim/sandi", name="team_password_link", status_code=200)
    async def password_link(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ResetIn, Form],
    ) -> Any:
        try:
            target, link = await issue_reset(db_session, cooperative, actor_of(request, user), data)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._page(request, db_session, cooperative, status_code=exc.status_code, error=exc.message)
        title = _("Tautan atur ulang kata sandi untuk %(name)s", name=target.name)
        issued = _issued(request, title, link, target.phone, reset_message(target))
        return await self._page(request, db_session, cooperative, issued=issued)

    @post("/tim/{membership_id:int}/peran", name="team_role", status_code=303)
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        membership_id: int,
        data: Annotated[people.RoleIn, Form],
    ) -> Any:
        person = await people.change_role(db_session, cooperative, actor_of(request, user), membership_id, data)
        role = role_label(data.role.strip().lower())
        message = _("Peran %(name)s sekarang %(role)s.", name=person.user.name, role=role)
        return _back_to_team(request, cooperative, message)

    @post("/tim/{membership_id:int}/hapus", name="team_remove", status_code=303)
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        membership_id: int,
    ) -> Any:
        person = await people.remove(db_session, cooperative, actor_of(request, user), membership_id)
        message = _(
            "%(name)s tidak lagi tercatat di %(cooperative)s.",
            name=person.user.name,
            cooperative=cooperative.short_name,
        )
        return _back_to_team(request, cooperative, message)

    @post("/tim/undangan/{invitation_id:int}/batal", name="team_invitation_cancel", status_code=303)
    async def cancel_invitation(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        invitation_id: int,
    ) -> Any:
        invitation = await people.cancel_invitation(db_session, cooperative, actor_of(request, user), invitation_id)
        message = _("Undangan untuk %(name)s dibatalkan; tautannya tidak berlaku lagi.", name=invitation.name)
        return _back_to_team(request, cooperative, message)

    @get("/log", name="audit_log")
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        page: Annotated[int, Parameter(query="halaman", ge=1, le=100_000)] = 1,
    ) -> Any:
        entries = await audit.for_cooperative(db_session, cooperative.id, page=page, per_page=AUDIT_PER_PAGE)
        return render(
            request,
            "app/audit_log.html",
            cooperative=cooperative,
            log=entries,
            role_labels=role_labels(),
            action_labels={action: _(label) for action, label in audit.ACTION_LABELS.items()},
        )
