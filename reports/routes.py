"""Report pages: the members' books (/k/{slug}/laporan) and the province overview (/provinsi, /api/provinsi)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import services as cooperatives
from app.auth import CurrentUser
from app.web import render
from reports import books, province
from reports.province import ProvinceOverviewOut


class BooksController(Controller):
    include_in_schema = False

    @get("/k/{slug:str}/laporan", name="members_books")
    async def members_books(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: CurrentUser | None,
        slug: str,
        bulan: Annotated[str | None, Parameter(query="bulan", max_length=7)] = None,
    ) -> Any:
        cooperative = await cooperatives.get_cooperative(db_session, slug)
        if user is None:
            return Redirect(path=f"/masuk?lanjut={quote(f'/k/{slug}/laporan')}", status_code=303)
        report = await books.books_for_reader(db_session, cooperative, user, bulan)
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
