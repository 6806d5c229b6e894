"""The pengurus' pages: the cooperative's team (invite, change role, remove, password links) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, people
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError
from app.guards import actor_of, provide_cooperative, requires_pengurus
from app.models import ROLE_LABELS, Cooperative, Role
from app.onboarding_routes import base_url
from app.password_links import ResetIn, issue_reset, reset_message
from app.text import whatsapp_link
from app.web import flash, render

# What the role select offers, in the order people think of them.
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]
AUDIT_PER_PAGE = 50


class TeamController(Controller):
    path = "/staf/{slug:str}"
    include_in_schema = False
    guards = [requires_pengurus]
    dependencies = {"cooperative": Provide(provide_cooperative)}

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
            role_choices=ROLE_CHOICES,
            role_labels=ROLE_LABELS,
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
        data: Annotated[people.InvitationIn, Body(media_type=RequestEncodingType.URL_ENCODED)],
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
        url = link.url(base_url(request))
        text = f"{people.invitation_message(invitation, cooperative)} {url}"
        issued = {
            "title": f"Undangan untuk {invitation.name} ({people.role_label(invitation.role)})",
            "url": url,
            "whatsapp": whatsapp_link(invitation.phone, text),
            "expires_at": link.expires_at,
        }
        return await self._page(request, db_session, cooperative, issued=issued)

    @post("/tim/sandi", name="team_password_link", status_code=200)
    async def password_link(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ResetIn, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            target, link = await issue_reset(db_session, cooperative, actor_of(request, user), data)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._page(request, db_session, cooperative, status_code=exc.status_code, error=exc.message)
        url = link.url(base_url(request))
        issued = {
            "title": f"Tautan atur ulang kata sandi untuk {target.name}",
            "url": url,
            "whatsapp": whatsapp_link(target.phone, f"{reset_message(target)} {url}"),
            "expires_at": link.expires_at,
        }
        return await self._page(request, db_session, cooperative, issued=issued)

    @post("/tim/{membership_id:int}/peran", name="team_role", status_code=303)
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        membership_id: int,
        data: Annotated[people.RoleIn, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        person = await people.change_role(db_session, cooperative, actor_of(request, user), membership_id, data)
        flash(request, f"Peran {person.user.name} sekarang {people.role_label(data.role.strip().lower())}.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/tim", status_code=303)

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
        flash(request, f"{person.user.name} tidak lagi tercatat di {cooperative.short_name}.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/tim", status_code=303)

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
        flash(request, f"Undangan untuk {invitation.name} dibatalkan; tautannya tidak berlaku lagi.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/tim", status_code=303)

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
            role_labels=ROLE_LABELS,
            action_labels=audit.ACTION_LABELS,
        )
