"""Staff add producers (UMKM) to their cooperative: the page `/staf/{slug}/produsen` and its API."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from app import people
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError, NotFound
from app.guards import actor_of, provide_cooperative, requires_goods
from app.i18n import _
from app.models import Cooperative, Invitation
from app.onboarding_routes import base_url
from app.text import whatsapp_link
from app.tokens import IssuedLink
from app.web import render
from producers import services
from producers.models import Producer
from producers.services import ProducerCreated, ProducerForm
from producers.services.registry import invite_owner, linked_producer_ids

STAFF_AREA = {"cooperative": Provide(provide_cooperative)}


def _issued(
    request: Request[Any, Any, Any], cooperative: Cooperative, invitation: Invitation, link: IssuedLink
) -> dict[str, Any]:
    """The invitation just made, as the page shows it once: the link and a WhatsApp message carrying it."""
    url = link.url(base_url(request))
    text = f"{people.invitation_message(invitation, cooperative)} {url}"
    return {
        "title": _("Undangan untuk %(name)s, pemilik usaha", name=invitation.name),
        "url": url,
        "whatsapp": whatsapp_link(invitation.phone, text),
        "expires_at": link.expires_at,
    }


class StaffProducerController(Controller):
    """The cooperative's producers and the form that adds one."""

    path = "/staf/{slug:str}/produsen"
    include_in_schema = False
    guards = [requires_goods]
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
        issued: dict[str, Any] | None = None,
    ) -> Any:
        return render(
            request,
            "producers/staff_producers.html",
            status_code=status_code,
            cooperative=cooperative,
            producers=await services.registered_producers(db_session, cooperative.id),
            linked=await linked_producer_ids(db_session, cooperative.id),
            form=form,
            errors=errors or {},
            error=error,
            issued=issued,
        )

    @get("/", name="staff_producers")
    async def list_producers(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return await self._page(request, db_session, cooperative, ProducerForm())

    @post("/", name="staff_producer_add", status_code=200)
    async def add_producer(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ProducerForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            producer = await services.register_producer(db_session, cooperative, data)
            invitation, link = await invite_owner(db_session, cooperative, actor_of(request, user), producer)
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
        # The link is shown once (only its hash is kept), so the page is rendered here rather than redirected to.
        issued = _issued(request, cooperative, invitation, link)
        issued["title"] = f"{producer.business_name} ditambahkan. {issued['title']}"
        return await self._page(request, db_session, cooperative, ProducerForm(), issued=issued)

    @post("/{producer_id:int}/undang", name="staff_producer_invite", status_code=200)
    async def invite_again(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        producer_id: int,
    ) -> Any:
        """A new link for an owner whose first one expired or got lost (the old one stops working)."""
        producer = await db_session.get(Producer, producer_id)
        if producer is None or producer.cooperative_id != cooperative.id:
            raise NotFound(_("Produsen tidak ditemukan di koperasi ini."))
        invitation, link = await invite_owner(db_session, cooperative, actor_of(request, user), producer)
        return await self._page(
            request, db_session, cooperative, ProducerForm(), issued=_issued(request, cooperative, invitation, link)
        )


class ProducerApiController(Controller):
    path = "/api/cooperatives/{slug:str}/producers"
    tags = ["produsen"]
    guards = [requires_goods]
    dependencies = STAFF_AREA

    @post("/", name="api_producer_add", status_code=201)
    async def add_producer(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: ProducerForm,
    ) -> ProducerCreated:
        """Add a producer and invite its owner: `invitation_url` is the one-time link to send them."""
        producer = await services.register_producer(db_session, cooperative, data)
        _invitation, link = await invite_owner(db_session, cooperative, actor_of(request, user), producer)
        return ProducerCreated(id=producer.id, invitation_url=link.url(base_url(request)))
