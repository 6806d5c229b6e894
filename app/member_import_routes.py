"""The pengurus bring a member list in: `/staf/{slug}/anggota/impor` (template, preview, apply) and its API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from app import kept_uploads, people
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError, problem
from app.guards import actor_of, provide_cooperative, requires_pengurus
from app.i18n import N_, _
from app.member_enrolment import (
    UPLOAD_NAMESPACE,
    MemberImport,
    MemberImportOutcome,
    MemberLinkOut,
    import_member_list,
)
from app.member_imports import member_list_template
from app.models import Cooperative
from app.onboarding_routes import base_url
from app.spreadsheets import MAX_BYTES, FileRefused
from app.text import mask_nik, whatsapp_link
from app.web import render

# The file may be 5 MB; the multipart envelope and the other fields need a little more.
MAX_UPLOAD_REQUEST = MAX_BYTES + 256 * 1024
TOO_LARGE = N_("Berkas terlalu besar. Paling besar 5 MB; bagi daftar menjadi beberapa berkas.")
NO_FILE = N_("Pilih berkas daftar anggota (.csv atau .xlsx) dulu.")
PENGURUS_AREA = {"cooperative": Provide(provide_cooperative)}


@dataclass
class MemberListUpload:
    """The multipart upload: the file and, for the API, whether only to check it."""

    file: UploadFile | None = None
    dry_run: str = "true"


class ApplyForm(msgspec.Struct):
    """ "Apply" on the preview page: the key of the kept upload."""

    key: str = ""


def _too_large(request: Request[Any, Any, Any], _exc: RequestEntityTooLarge) -> Response[Any]:
    # Litestar stops reading at the limit (before reading anything when Content-Length says so).
    return problem(request, 413, _(TOO_LARGE), code="file_too_large", field_errors={"file": _(TOO_LARGE)})


async def _read(upload: MemberListUpload) -> bytes:
    if upload.file is None:
        raise FileRefused(_(NO_FILE), field_errors={"file": _(NO_FILE)})
    # The request limit already bounds this; reading one byte more tells a too-large file apart.
    return await upload.file.read(MAX_BYTES + 1)


def _links(request: Request[Any, Any, Any], cooperative: Cooperative, imported: MemberImport) -> list[MemberLinkOut]:
    """Each new member's invitation link and a WhatsApp message carrying it."""
    base = base_url(request)
    out = []
    for item in imported.links:
        url = item.link.url(base)
        text = f"{people.invitation_message(item.invitation, cooperative)} {url}"
        member = item.member
        out.append(MemberLinkOut(member.row, member.name, member.phone, url, whatsapp_link(member.phone, text)))
    return out


class MemberImportController(Controller):
    """The member-list import; the checked upload is kept between the preview and "apply"."""

    path = "/staf/{slug:str}/anggota/impor"
    include_in_schema = False
    guards = [requires_pengurus]
    dependencies = PENGURUS_AREA
    exception_handlers = {RequestEntityTooLarge: _too_large}

    @get("/", name="staff_member_import")
    async def import_page(self, request: Request[Any, Any, Any], cooperative: Cooperative) -> Any:
        return render(request, "app/member_import.html", cooperative=cooperative, error=None)

    @get("/templat", name="staff_member_import_template")
    async def template(self, cooperative: Cooperative) -> Response[bytes]:
        return Response(
            content=member_list_template(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="templat-daftar-anggota.csv"'},  # i18n: not shown
        )

    @post("/", name="staff_member_import_preview", status_code=200, request_max_body_size=MAX_UPLOAD_REQUEST)
    async def preview(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[MemberListUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Any:
        try:
            raw = await _read(data)
            checked = await import_member_list(db_session, cooperative, actor_of(request, user), raw, dry_run=True)
        except FileRefused as exc:
            return render(
                request, "app/member_import.html", status_code=422, cooperative=cooperative, error=exc.message
            )
        key = None
        if checked.result.ok:
            key = await kept_uploads.keep(db_session, UPLOAD_NAMESPACE, cooperative.id, user.id, raw)
        return render(
            request,
            "app/member_import_preview.html",
            status_code=200 if key else 422,
            cooperative=cooperative,
            result=checked.result,
            key=key,
            filename=data.file.filename if data.file else "",
            mask_nik=mask_nik,
        )

    @post("/terapkan", name="staff_member_import_apply", status_code=200)
    async def apply(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ApplyForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            raw = await kept_uploads.kept(db_session, UPLOAD_NAMESPACE, data.key, cooperative.id, user.id)
            applied = await import_member_list(db_session, cooperative, actor_of(request, user), raw, dry_run=False)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return render(
                request,
                "app/member_import.html",
                status_code=exc.status_code,
                cooperative=cooperative,
                error=exc.message,
            )
        if not applied.result.ok:
            # Something changed since the preview (a number or phone was taken): nothing was written.
            await roll_back(db_session, cooperative)
            return render(
                request,
                "app/member_import_preview.html",
                status_code=409,
                cooperative=cooperative,
                result=applied.result,
                key=None,
                filename="",
                mask_nik=mask_nik,
            )
        await kept_uploads.drop(db_session, UPLOAD_NAMESPACE, data.key)
        # The links are shown once (only their hashes are kept), so this page is rendered, not redirected to.
        return render(
            request,
            "app/member_import_done.html",
            cooperative=cooperative,
            imported=applied,
            links=_links(request, cooperative, applied),
        )


class MemberImportApiController(Controller):
    """`POST /api/cooperatives/{slug}/members/import` (multipart `file`, `dry_run`) for the cooperative's pengurus."""

    path = "/api/cooperatives/{slug:str}/members/import"
    tags = ["anggota"]
    guards = [requires_pengurus]
    dependencies = PENGURUS_AREA
    exception_handlers = {RequestEntityTooLarge: _too_large}

    @post("/", name="api_member_import", status_code=200, request_max_body_size=MAX_UPLOAD_REQUEST)
    async def import_members(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[MemberListUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> MemberImportOutcome:
        """Check a member list; with `dry_run=false` and no problems, record every row (all or nothing).

        New members get an account without a password and an invitation link (in `invitations`, shown once).
        """
        dry_run = data.dry_run.strip().lower() not in {"false", "0", "no", "tidak"}
        raw = await _read(data)
        imported = await import_member_list(db_session, cooperative, actor_of(request, user), raw, dry_run=dry_run)
        result = imported.result
        return MemberImportOutcome(
            rows=result.rows,
            valid=len(result.valid),
            created=imported.created,
            errors=result.errors,
            invitations=_links(request, cooperative, imported),
        )
