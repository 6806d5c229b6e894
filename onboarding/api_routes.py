"""The onboarding JSON API: registering cooperatives, approving them, the checklist, opening and closing the shop."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from app import people
from app.auth import CurrentUser
from app.guards import actor_of, provide_cooperative, requires_login, requires_operator, requires_pengurus
from app.models import Cooperative, Invitation
from app.onboarding_routes import LinkOut, base_url
from app.text import whatsapp_link
from app.tokens import IssuedLink
from onboarding import readiness, registration
from onboarding.guards import requires_readiness_reader, requires_registrar


class CooperativeCreated(msgspec.Struct, omit_defaults=True):
    slug: str
    status: str
    # When the body named the first pengurus: their one-time invitation link.
    invitation_url: str | None = None
    whatsapp_url: str | None = None


class ReviewOut(msgspec.Struct):
    slug: str
    status: str
    reason: str | None = None


class StepOut(msgspec.Struct):
    key: str
    done: bool
    label: str


class ReadinessOut(msgspec.Struct):
    ready: bool
    steps: list[StepOut]


class ShopStateOut(msgspec.Struct):
    slug: str
    status: str
    ready: bool
    steps: list[StepOut]
    closed_message: str | None = None


class CooperativeDetailOut(msgspec.Struct):
    slug: str
    name: str
    status: str
    desa_code: str | None
    whatsapp: str
    opening_hours: str | None
    pickup_address: str | None
    payment_methods: list[str]
    delivery: str | None
    closed_message: str | None
    legal_number: str | None
    nik_koperasi: str | None


def readiness_out(state: readiness.Readiness) -> ReadinessOut:
    return ReadinessOut(ready=state.ready, steps=[StepOut(s.key, s.done, s.label) for s in state.steps])


def detail_out(c: Cooperative) -> CooperativeDetailOut:
    return CooperativeDetailOut(
        slug=c.slug,
        name=c.name,
        status=c.status,
        desa_code=c.kode_wilayah,
        whatsapp="+" + c.whatsapp,
        opening_hours=c.opening_hours,
        pickup_address=c.pickup_address,
        payment_methods=readiness.payment_methods_of(c),
        delivery=c.delivery_mode,
        closed_message=c.closed_message,
        legal_number=c.legal_number,
        nik_koperasi=c.nik_koperasi,
    )


def invitation_link(
    request: Request[Any, Any, Any], invitation: Invitation, link: IssuedLink, cooperative: Cooperative
) -> LinkOut:
    url = link.url(base_url(request))
    text = f"{people.invitation_message(invitation, cooperative)} {url}"
    return LinkOut(url=url, expires_at=link.expires_at, whatsapp_url=whatsapp_link(invitation.phone, text))


cooperative_dependency = {"cooperative": Provide(provide_cooperative)}


# A function, not a controller method: `GET /api/cooperatives` lives in catalog's controller, and Litestar
# refuses a second controller on the same path (it adds a second OPTIONS handler). Register it after that one.
@post(
    "/api/cooperatives", name="api_cooperative_create", status_code=201, guards=[requires_registrar], tags=["koperasi"]
)
async def create_cooperative(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    user: CurrentUser,
    data: registration.CooperativeIn,
) -> CooperativeCreated:
    """An operator or pendamping registers a cooperative; it starts onboarding."""
    created = await registration.create(db_session, actor_of(request, user), user, data)
    cooperative = created.cooperative
    if created.invitation is None or created.link is None:
        return CooperativeCreated(cooperative.slug, cooperative.status)
    link = invitation_link(request, created.invitation, created.link, cooperative)
    return CooperativeCreated(cooperative.slug, cooperative.status, link.url, link.whatsapp_url)


class CooperativeApiController(Controller):
    path = "/api/cooperatives"
    tags = ["koperasi"]

    @post("/applications", name="api_cooperative_apply", status_code=201, guards=[requires_login])
    async def apply(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        data: registration.CooperativeIn,
    ) -> CooperativeCreated:
        cooperative = await registration.apply(db_session, actor_of(request, user), user, data)
        return CooperativeCreated(cooperative.slug, cooperative.status)

    @post(
        "/{slug:str}/approve",
        name="api_cooperative_approve",
        status_code=200,
        guards=[requires_operator],
        dependencies=cooperative_dependency,
    )
    async def approve(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, cooperative: Cooperative
    ) -> ReviewOut:
        await registration.approve(db_session, actor_of(request, user), cooperative)
        return ReviewOut(cooperative.slug, cooperative.status)

    @post(
        "/{slug:str}/reject",
        name="api_cooperative_reject",
        status_code=200,
        guards=[requires_operator],
        dependencies=cooperative_dependency,
    )
    async def reject(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Cooperative,
        data: registration.RejectIn,
    ) -> ReviewOut:
        await registration.reject(db_session, actor_of(request, user), cooperative, data)
        return ReviewOut(cooperative.slug, cooperative.status, cooperative.rejection_reason)

    @post(
        "/{slug:str}/deactivate",
        name="api_cooperative_deactivate",
        status_code=200,
        guards=[requires_operator],
        dependencies=cooperative_dependency,
    )
    async def deactivate(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, cooperative: Cooperative
    ) -> ReviewOut:
        await registration.deactivate(db_session, actor_of(request, user), cooperative)
        return ReviewOut(cooperative.slug, "inactive")

    @get(
        "/{slug:str}/readiness",
        name="api_cooperative_readiness",
        guards=[requires_readiness_reader],
        dependencies=cooperative_dependency,
    )
    async def get_readiness(self, db_session: AsyncSession, cooperative: Cooperative) -> ReadinessOut:
        return readiness_out(await readiness.readiness(db_session, cooperative))

    @post(
        "/{slug:str}/open",
        name="api_cooperative_open",
        status_code=200,
        guards=[requires_pengurus],
        dependencies=cooperative_dependency,
    )
    async def open_shop(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, cooperative: Cooperative
    ) -> ShopStateOut:
        state = await readiness.open_shop(db_session, actor_of(request, user), cooperative)
        out = readiness_out(state)
        return ShopStateOut(cooperative.slug, cooperative.status, out.ready, out.steps)

    @post(
        "/{slug:str}/close",
        name="api_cooperative_close",
        status_code=200,
        guards=[requires_pengurus],
        dependencies=cooperative_dependency,
    )
    async def close_shop(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Cooperative,
        data: readiness.CloseIn | None = None,
    ) -> ShopStateOut:
        await readiness.close_shop(db_session, actor_of(request, user), cooperative, data or readiness.CloseIn())
        out = readiness_out(await readiness.readiness(db_session, cooperative))
        return ShopStateOut(cooperative.slug, cooperative.status, out.ready, out.steps, cooperative.closed_message)

    @patch(
        "/{slug:str}", name="api_cooperative_update", guards=[requires_pengurus], dependencies=cooperative_dependency
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Cooperative,
        data: readiness.ShopDetailsPatch,
    ) -> CooperativeDetailOut:
        await readiness.update_details(db_session, actor_of(request, user), cooperative, data)
        return detail_out(cooperative)
