"""Registration pages: `/daftar-koperasi` (anyone signed in applies) and `/koperasi-baru` (operator or pendamping).

The desa is picked through provinsi → kabupaten → kecamatan → desa: with htmx each choice swaps the
picker; without JavaScript the picker is a plain GET form whose button shows the next level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import people, regions
from app.auth import CurrentUser
from app.errors import DomainError
from app.guards import actor_of, requires_login
from app.i18n import _
from app.onboarding_routes import base_url
from app.regions import Region
from app.text import whatsapp_link
from app.web import flash, render
from onboarding import readiness, registration
from onboarding.guards import requires_registrar
from onboarding.readiness import STATUS_LABELS

KALSEL = "63"
APPLY_PATH = "/daftar-koperasi"
CREATE_PATH = "/koperasi-baru"
Code = Annotated[str, Parameter(max_length=20)]


@dataclass
class Picker:
    """The four region lists and what is chosen at each level ("" = nothing yet)."""

    provinsi: str = KALSEL
    kabupaten: str = ""
    kecamatan: str = ""
    desa: str = ""
    provinces: list[Region] = field(default_factory=list)
    kabupaten_list: list[Region] = field(default_factory=list)
    kecamatan_list: list[Region] = field(default_factory=list)
    desa_list: list[Region] = field(default_factory=list)


def _under(code: str, parent: str) -> bool:
    return bool(code) and code.startswith(parent + ".") and code.count(".") == parent.count(".") + 1


async def picker(session: AsyncSession, provinsi: str, kabupaten: str, kecamatan: str, desa: str) -> Picker:
    """The lists for a partial choice; a chosen desa fixes every level above it, a changed level clears those below."""
    if regions.is_region_code(desa) and desa.count(".") == 3:
        provinsi, kabupaten, kecamatan = regions.ancestor_codes(desa)[:3]
    chosen = Picker(provinsi=provinsi if regions.is_region_code(provinsi) and "." not in provinsi else KALSEL)
    chosen.provinces = await regions.children(session, None)
    chosen.kabupaten_list = await regions.children(session, chosen.provinsi)
    if _under(kabupaten, chosen.provinsi):
        chosen.kabupaten = kabupaten
        chosen.kecamatan_list = await regions.children(session, kabupaten)
        if _under(kecamatan, kabupaten):
            chosen.kecamatan = kecamatan
            chosen.desa_list = await regions.children(session, kecamatan)
            chosen.desa = desa if _under(desa, kecamatan) else ""
    return chosen


class RegistrationForm(msgspec.Struct):
    """What the page's form posts; the API takes `registration.CooperativeIn` directly."""

    name: str = ""
    desa_code: str = ""
    whatsapp: str = ""
    legal_number: str = ""
    nik_koperasi: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    pengurus_name: str = ""
    pengurus_phone: str = ""

    def to_input(self) -> registration.CooperativeIn:
        return registration.CooperativeIn(**msgspec.structs.asdict(self))


class RegistrationController(Controller):
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        *,
        mode: str,
        chosen: Picker,
        form: RegistrationForm,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        error: str | None = None,
        issued: dict[str, Any] | None = None,
    ) -> Any:
        return render(
            request,
            "onboarding/register.html",
            "picker",
            status_code=status_code,
            mode=mode,
            page_path=APPLY_PATH if mode == "apply" else CREATE_PATH,
            picker=chosen,
            form=form,
            errors=errors or {},
            error=error,
            issued=issued,
            applications=await registration.applications_of(db_session, user.id) if mode == "apply" else [],
            status_labels=readiness.shown(STATUS_LABELS),
        )

    async def _form_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, mode: str, **query: str
    ) -> Any:
        chosen = await picker(db_session, query["provinsi"], query["kabupaten"], query["kecamatan"], query["desa"])
        form = RegistrationForm(applicant_name=user.name, applicant_phone=user.phone) if mode == "apply" else None
        return await self._page(
            request, db_session, user, mode=mode, chosen=chosen, form=form or RegistrationForm()
        )

    @get(APPLY_PATH, name="cooperative_apply_form", guards=[requires_login])
    async def apply_form(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        provinsi: Code = KALSEL,
        kabupaten: Code = "",
        kecamatan: Code = "",
        desa: Code = "",
        desa_code: Code = "",
    ) -> Any:
        return await self._form_page(
            request,
            db_session,
            user,
            "apply",
            provinsi=provinsi,
            kabupaten=kabupaten,
            kecamatan=kecamatan,
            desa=desa or desa_code,
        )

    @post(APPLY_PATH, name="cooperative_apply", status_code=303, guards=[requires_login])
    async def apply(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        data: Annotated[RegistrationForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            cooperative = await registration.apply(db_session, actor_of(request, user), user, data.to_input())
        except DomainError as exc:
            await db_session.rollback()
            return await self._refused(request, db_session, user, "apply", data, exc)
        sent = _("Pengajuan %(name)s terkirim. Operator Dinas Koperasi akan memeriksanya.", name=cooperative.name)
        flash(request, sent, "ok")
        return Redirect(path=APPLY_PATH, status_code=303)

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        mode: str,
        data: RegistrationForm,
        exc: DomainError,
    ) -> Any:
        code = data.desa_code.strip()[:20]
        chosen = await picker(db_session, code[:2], "", "", code)
        return await self._page(
            request,
            db_session,
            user,
            mode=mode,
            chosen=chosen,
            form=data,
            status_code=exc.status_code,
            errors=exc.field_errors,
            error=exc.message,
        )

    @get(CREATE_PATH, name="cooperative_create_form", guards=[requires_registrar])
    async def create_form(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        provinsi: Code = KALSEL,
        kabupaten: Code = "",
        kecamatan: Code = "",
        desa: Code = "",
        desa_code: Code = "",
    ) -> Any:
        return await self._form_page(
            request,
            db_session,
            user,
            "create",
            provinsi=provinsi,
            kabupaten=kabupaten,
            kecamatan=kecamatan,
            desa=desa or desa_code,
        )

    @post(CREATE_PATH, name="cooperative_create", status_code=200, guards=[requires_registrar])
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        data: Annotated[RegistrationForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            created = await registration.create(db_session, actor_of(request, user), user, data.to_input())
        except DomainError as exc:
            await db_session.rollback()
            return await self._refused(request, db_session, user, "create", data, exc)
        cooperative = created.cooperative
        target = "/operator" if user.operates(cooperative.kode_wilayah) else f"/staf/{cooperative.slug}/siap"
        if created.invitation is None or created.link is None:
            flash(request, _("%(name)s terdaftar dan mulai persiapan.", name=cooperative.name), "ok")
            return Redirect(path=target, status_code=303)
        url = created.link.url(base_url(request))
        text = f"{people.invitation_message(created.invitation, cooperative)} {url}"
        issued = {
            "title": _(
                "%(name)s terdaftar. Undangan pengurus untuk %(person)s",
                name=cooperative.name,
                person=created.invitation.name,
            ),
            "url": url,
            "whatsapp": whatsapp_link(created.invitation.phone, text),
            "next": target,
        }
        chosen = await picker(db_session, KALSEL, "", "", "")
        return await self._page(
            request, db_session, user, mode="create", chosen=chosen, form=RegistrationForm(), issued=issued
        )
