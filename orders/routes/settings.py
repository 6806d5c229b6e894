"""Staff settings of the cooperative's shop: QRIS, bank account for transfers, delivery zones and fees."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError
from app.guards import StaffController
from app.i18n import _
from app.models import Cooperative
from app.web import flash, render
from orders import services
from orders.routes.common import Form, Upload
from orders.schemas import BankForm, QrisUpload, ZoneForm


def _saved(request: Request[Any, Any, Any], cooperative: Cooperative, section: str, message: str) -> Redirect:
    flash(request, message, "ok")
    return Redirect(path=f"/staf/{cooperative.slug}/pengaturan#{section}", status_code=303)


class ShopSettingsController(StaffController):
    path = "/staf/{slug:str}/pengaturan"

    @get("/", name="staff_settings")
    async def settings_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return await self._settings(request, db_session, cooperative)

    async def _settings(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        *,
        section: str = "",
        errors: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
        bank: BankForm | None = None,
        qris_text: str = "",
    ) -> Any:
        zones = await services.list_zones(db_session, cooperative.id)
        return render(
            request,
            "orders/settings.html",
            status_code=status_code,
            cooperative=cooperative,
            zones=zones,
            section=section,
            errors=errors or {},
            error=error,
            bank=bank
            or BankForm(
                bank_name=cooperative.bank_name or "",
                account_number=cooperative.bank_account_number or "",
                account_name=cooperative.bank_account_name or "",
            ),
            qris_text=qris_text,
        )

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        section: str,
        exc: DomainError,
        **form: Any,
    ) -> Any:
        """The settings page again after a refused save: nothing saved, that section's errors shown."""
        await roll_back(db_session, cooperative)
        return await self._settings(
            request,
            db_session,
            cooperative,
            section=section,
            errors=exc.field_errors,
            error=exc.message,
            status_code=exc.status_code,
            **form,
        )

    @post("/qris", name="staff_qris", status_code=303)
    async def save_qris(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[QrisUpload, Upload],
        cooperative: Cooperative,
        user: CurrentUser,
    ) -> Any:
        try:
            payload = data.payload
            if not payload.strip() and data.image is not None:
                payload = services.qris_from_image(await data.image.read())
            info = await services.set_qris(db_session, cooperative, user, payload)
        except DomainError as exc:
            return await self._refused(request, db_session, cooperative, "qris", exc, qris_text=data.payload[:600])
        nmid = f", NMID {info.nmid}" if info.nmid else ""
        saved = _("QRIS tersimpan: %(name)s%(nmid)s.", name=info.merchant_name, nmid=nmid)
        return _saved(request, cooperative, "qris", saved)

    @post("/rekening", name="staff_bank", status_code=303)
    async def save_bank(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[BankForm, Form],
        cooperative: Cooperative,
        user: CurrentUser,
    ) -> Any:
        try:
            await services.set_bank_account(db_session, cooperative, user, data)
        except DomainError as exc:
            return await self._refused(request, db_session, cooperative, "rekening", exc, bank=data)
        return _saved(request, cooperative, "rekening", _("Rekening koperasi tersimpan."))

    @post("/antar", name="staff_zone", status_code=303)
    async def save_zone(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[ZoneForm, Form],
        cooperative: Cooperative,
        user: CurrentUser,
    ) -> Any:
        try:
            zone = await services.save_zone(db_session, cooperative, user, data)
        except DomainError as exc:
            return await self._refused(request, db_session, cooperative, "antar", exc)
        return _saved(request, cooperative, "antar", f"Wilayah antar {zone.name} tersimpan.")
