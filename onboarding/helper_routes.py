"""The helpers' pages: `/pendamping` (assigned cooperatives, those needing help first) and `/operator`
(registrations waiting, the region's cooperatives, facilitators, deactivation, the region's log)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import audit, platform
from app.auth import CurrentUser
from app.errors import DomainError
from app.guards import actor_of, provide_cooperative, requires_operator, requires_pendamping
from app.i18n import _
from app.models import ROLE_LABELS, Cooperative, PlatformRole
from app.onboarding_routes import base_url
from app.text import whatsapp_link
from app.web import flash, render
from onboarding import overviews, readiness, registration

cooperative_dependency = {"cooperative": Provide(provide_cooperative)}
Scope = Annotated[str | None, Parameter(query="wilayah", max_length=13)]
LogPage = Annotated[int, Parameter(query="halaman", ge=1, le=100_000)]


class PendampingController(Controller):
    include_in_schema = False

    @get("/pendamping", name="pendamping_home", guards=[requires_pendamping])
    async def home(self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser) -> Any:
        rows = await overviews.facilitator_overview(db_session, user)
        return render(request, "onboarding/pendamping.html", rows=rows)


class AssignForm(msgspec.Struct):
    user_id: int = 0


class GrantForm(msgspec.Struct):
    name: str = ""
    phone: str = ""
    wilayah: str = ""


class OperatorController(Controller):
    path = "/operator"
    include_in_schema = False
    guards = [requires_operator]

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        scope: str | None,
        *,
        log_page: int = 1,
        status_code: int = 200,
        issued: dict[str, Any] | None = None,
        error: str | None = None,
        errors: dict[str, str] | None = None,
        grant: GrantForm | None = None,
    ) -> Any:
        view = await overviews.operator_overview(db_session, user, scope, log_page=log_page)
        return render(
            request,
            "onboarding/operator.html",
            status_code=status_code,
            view=view,
            state_labels=readiness.shown(overviews.STATE_LABELS),
            role_labels=readiness.shown(ROLE_LABELS),
            action_labels=readiness.shown(audit.ACTION_LABELS),
            issued=issued,
            error=error,
            errors=errors or {},
            grant=grant or GrantForm(),
        )

    @get("", name="operator_home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        wilayah: Scope = None,
        halaman: LogPage = 1,
    ) -> Any:
        return await self._page(request, db_session, user, wilayah, log_page=halaman)

    @post("/pendamping-baru", name="operator_grant_pendamping", status_code=200)
    async def grant_pendamping(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        data: Annotated[GrantForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        scope = data.wilayah if data.wilayah in user.operator_regions else user.operator_regions[0]
        try:
            person, link = await platform.grant(
                db_session, actor_of(request, user), PlatformRole.PENDAMPING, data.name, data.phone, scope
            )
        except DomainError as exc:
            await db_session.rollback()
            return await self._page(
                request,
                db_session,
                user,
                scope,
                status_code=exc.status_code,
                error=exc.message,
                errors=exc.field_errors,
                grant=GrantForm(name=data.name[:120], phone=data.phone[:40]),
            )
        url = link.url(base_url(request))
        text = _(
            "Halo %(name)s, Anda terdaftar sebagai pendamping koperasi di Pasar Desa. Buka tautan ini untuk "
            "membuat kata sandi (berlaku 48 jam, hanya sekali pakai):",
            name=person.name,
        )
        issued = {
            "title": _("Tautan atur kata sandi untuk %(name)s (pendamping)", name=person.name),
            "url": url,
            "whatsapp": whatsapp_link(person.phone, f"{text} {url}"),
            "expires_at": link.expires_at,
        }
        return await self._page(request, db_session, user, scope, issued=issued)

    def _back(self, cooperative: Cooperative) -> Redirect:
        return Redirect(path="/operator#koperasi-" + cooperative.slug, status_code=303)

    @post("/koperasi/{slug:str}/setujui", name="operator_approve", status_code=303, dependencies=cooperative_dependency)
    async def approve(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, cooperative: Cooperative
    ) -> Any:
        await registration.approve(db_session, actor_of(request, user), cooperative)
        flash(request, _("%(name)s disetujui dan mulai persiapan.", name=cooperative.name), "ok")
        return self._back(cooperative)

    @post("/koperasi/{slug:str}/tolak", name="operator_reject", status_code=303, dependencies=cooperative_dependency)
    async def reject(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Cooperative,
        data: Annotated[registration.RejectIn, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        await registration.reject(db_session, actor_of(request, user), cooperative, data)
        flash(request, _("Pengajuan %(name)s ditolak; pemohon melihat alasannya.", name=cooperative.name), "ok")
        return Redirect(path="/operator", status_code=303)

    @post(
        "/koperasi/{slug:str}/nonaktifkan",
        name="operator_deactivate",
        status_code=303,
        dependencies=cooperative_dependency,
    )
    async def deactivate(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, cooperative: Cooperative
    ) -> Any:
        await registration.deactivate(db_session, actor_of(request, user), cooperative)
        flash(request, _("%(name)s dinonaktifkan.", name=cooperative.name), "ok")
        return Redirect(path="/operator", status_code=303)

    @post(
        "/koperasi/{slug:str}/pendamping", name="operator_assign", status_code=303, dependencies=cooperative_dependency
    )
    async def assign(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Cooperative,
        data: Annotated[AssignForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        await platform.assign(db_session, actor_of(request, user), cooperative, data.user_id)
        flash(request, _("Pendamping ditugaskan di %(name)s.", name=cooperative.short_name), "ok")
        return self._back(cooperative)

    @post(
        "/koperasi/{slug:str}/pendamping/{user_id:int}/akhiri",
        name="operator_unassign",
        status_code=303,
        dependencies=cooperative_dependency,
    )
    async def unassign(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Cooperative,
        user_id: int,
    ) -> Any:
        await platform.unassign(db_session, actor_of(request, user), cooperative, user_id)
        flash(request, _("Tugas pendamping di %(name)s diakhiri.", name=cooperative.short_name), "ok")
        return self._back(cooperative)
