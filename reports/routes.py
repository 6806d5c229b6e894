"""Report pages: the members' books (/k/{slug}/laporan) and the province overview (/provinsi, /api/provinsi)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.guards import MEMBER_ROLES, provide_cooperative, requires_role
from app.i18n import N_
from app.models import Cooperative, Role
from app.web import render
from reports import books, province
from reports.province import ProvinceOverviewOut

# Approved members and staff of the cooperative in the URL; a visitor is sent to log in and comes back.
requires_books_reader = requires_role(
    MEMBER_ROLES, N_("Laporan keuangan ini hanya untuk anggota dan staf koperasi ini."), apply_to_join=True
)
# The board sees each producer's figures; other members only those of producers that agreed.
SEES_EVERY_PRODUCER = frozenset({Role.PENGURUS, Role.BENDAHARA, Role.PENGAWAS})


class BooksController(Controller):
    include_in_schema = False

    @get(
        "/k/{slug:str}/laporan",
        name="members_books",
        guards=[requires_books_reader],
        dependencies={"cooperative": Provide(provide_cooperative)},
    )
    async def members_books(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        bulan: Annotated[str | None, Parameter(query="bulan", max_length=7)] = None,
    ) -> Any:
        report = await books.books_for_month(db_session, cooperative, bulan)
        report = books.for_reader(report, user.role_in(cooperative.id) in SEES_EVERY_PRODUCER)
        return render(request, "reports/books.html", cooperative=cooperative, books=report, cart_count=0)

    @get("/provinsi", name="province_overview")
    async def province(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Any:
        overview = await province.province_overview(db_session)
        return render(request, "reports/province.html", overview=overview)


class ProvinceApiController(Controller):
    path = "/api"
    tags = ["laporan"]

    @get("/provinsi", name="api_province_overview")
    async def province(self, db_session: AsyncSession) -> ProvinceOverviewOut:
        return province.overview_out(await province.province_overview(db_session))
