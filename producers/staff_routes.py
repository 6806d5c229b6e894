"""Staff add producers (UMKM) to their cooperative: the page `/staf/{slug}/produsen` and its API."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import roll_back
from app.errors import DomainError
from app.guards import provide_cooperative, requires_staff
from app.models import Cooperative
from app.web import flash, render
from producers import services
from producers.services import ProducerCreated, ProducerForm

STAFF_AREA = {"cooperative": Provide(provide_cooperative)}


class StaffProducerController(Controller):
    """The cooperative's producers and the form that adds one."""

    path = "/staf/{slug:str}/produsen"
    include_in_schema = False
    guards = [requires_staff]
    dependencies = STAFF_AREA

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        form: ProducerForm,
        *,
        errors: dict[str, str] | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "producers/staff_producers.html",
            status_code=status_code,
            cooperative=cooperative,
            producers=await services.registered_producers(db_session, cooperative.id),
            form=form,
            errors=errors or {},
            error=error,
        )

    @get("/", name="staff_producers")
    async def list_producers(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return await self._page(request, db_session, cooperative, ProducerForm())

    @post("/", name="staff_producer_add", status_code=303)
    async def add_producer(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        data: Annotated[ProducerForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            producer = await services.register_producer(db_session, cooperative, data)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._page(
                request,
                db_session,
                cooperative,
                data,
                errors=exc.field_errors,
                error=exc.message,
                status_code=exc.status_code,
            )
        flash(request, f"{producer.business_name} ditambahkan.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/produsen", status_code=303)


class ProducerApiController(Controller):
    path = "/api/cooperatives/{slug:str}/producers"
    tags = ["produsen"]
    guards = [requires_staff]
    dependencies = STAFF_AREA

    @post("/", name="api_producer_add", status_code=201)
    async def add_producer(
        self, db_session: AsyncSession, cooperative: Cooperative, data: ProducerForm
    ) -> ProducerCreated:
        producer = await services.register_producer(db_session, cooperative, data)
        return ProducerCreated(id=producer.id, invitation_url=None)
