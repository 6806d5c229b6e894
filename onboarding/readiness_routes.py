"""The "Siap berjualan" page, `/staf/{slug}/siap`: the checklist, the shop details, opening and closing the shop."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError
from app.guards import actor_of, provide_cooperative, requires_pengurus
from app.i18n import _
from app.models import Cooperative
from app.web import flash, render
from onboarding import readiness
from onboarding.guards import requires_readiness_reader


class DetailsForm(msgspec.Struct):
    """The page's form: checkboxes for the payment methods, one choice of delivery."""

    opening_hours: str = ""
    pickup_address: str = ""
    whatsapp: str = ""
    closed_message: str = ""
    pay_cash: str = ""
    pay_transfer: str = ""
    pay_qris: str = ""
    delivery: str = ""

    def to_patch(self) -> readiness.ShopDetailsPatch:
        ticked = {"cash": self.pay_cash, "transfer": self.pay_transfer, "qris": self.pay_qris}
        methods = [method for method, on in ticked.items() if on]
        patch = readiness.ShopDetailsPatch(
            opening_hours=self.opening_hours,
            pickup_address=self.pickup_address,
            whatsapp=self.whatsapp,
            closed_message=self.closed_message,
            payment_methods=methods,
        )
        if self.delivery:
            patch.delivery = self.delivery
        return patch


class CloseForm(msgspec.Struct):
    message: str = ""


class ReadinessController(Controller):
    path = "/staf/{slug:str}/siap"
    include_in_schema = False
    dependencies = {"cooperative": Provide(provide_cooperative)}

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        error: str | None = None,
        form: DetailsForm | None = None,
    ) -> Any:
        state = await readiness.readiness(db_session, cooperative)
        chosen = readiness.payment_methods_of(cooperative)
        return render(
            request,
            "onboarding/readiness.html",
            status_code=status_code,
            cooperative=cooperative,
            state=state,
            can_edit=user.is_pengurus_of(cooperative),
            form=form
            or DetailsForm(
                opening_hours=cooperative.opening_hours or "",
                pickup_address=cooperative.pickup_address or "",
                whatsapp="+" + cooperative.whatsapp,
                closed_message=cooperative.closed_message or "",
                pay_cash="1" if "cash" in chosen else "",
                pay_transfer="1" if "transfer" in chosen else "",
                pay_qris="1" if "qris" in chosen else "",
                delivery=cooperative.delivery_mode or "",
            ),
            payment_labels=readiness.shown(readiness.PAYMENT_METHODS),
            delivery_labels=readiness.shown(readiness.DELIVERY_MODES),
            status_labels=readiness.shown(readiness.STATUS_LABELS),
            errors=errors or {},
            error=error,
        )

    @get("", name="readiness", guards=[requires_readiness_reader])
    async def checklist(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        return await self._page(request, db_session, cooperative, user)

    @post("/profil", name="readiness_details", status_code=303, guards=[requires_pengurus])
    async def details(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[DetailsForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            await readiness.update_details(db_session, actor_of(request, user), cooperative, data.to_patch())
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._page(
                request,
                db_session,
                cooperative,
                user,
                status_code=exc.status_code,
                errors=exc.field_errors,
                error=exc.message,
                form=data,
            )
        flash(request, _("Data toko tersimpan."), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/siap", status_code=303)

    @post("/buka", name="readiness_open", status_code=303, guards=[requires_pengurus])
    async def open_shop(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        try:
            await readiness.open_shop(db_session, actor_of(request, user), cooperative)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._page(
                request, db_session, cooperative, user, status_code=exc.status_code, error=exc.message
            )
        flash(request, _("%(name)s sudah buka dan tampil di halaman depan.", name=cooperative.short_name), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/siap", status_code=303)

    @post("/tutup", name="readiness_close", status_code=303, guards=[requires_pengurus])
    async def close_shop(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[CloseForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        form = readiness.CloseIn(message=data.message)
        try:
            await readiness.close_shop(db_session, actor_of(request, user), cooperative, form)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._page(
                request, db_session, cooperative, user, status_code=exc.status_code, error=exc.message
            )
        flash(request, _("%(name)s tutup sementara; pembeli melihat pesan Anda.", name=cooperative.short_name), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/siap", status_code=303)
