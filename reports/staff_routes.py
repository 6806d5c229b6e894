"""Read-only staff pages: the dashboard at /staf/<cooperative> and the CSV exports."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.csv import csv_response
from app.errors import NotFound
from app.guards import StaffController
from app.i18n import _
from app.models import Cooperative
from app.web import render
from reports import exports
from reports.dashboard import dashboard


class DashboardController(StaffController):
    @get("/", name="staff_dashboard")
    async def show_dashboard(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return render(
            request,
            "staff/dashboard.html",
            cooperative=cooperative,
            nav="ringkasan",
            dash=await dashboard(db_session, cooperative),
        )


class ExportController(StaffController):
    path = "/staf/{slug:str}/ekspor"

    @get("/", name="staff_exports")
    async def list_exports(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        dari: Annotated[str | None, Parameter(query="dari", max_length=10)] = None,
        sampai: Annotated[str | None, Parameter(query="sampai", max_length=10)] = None,
    ) -> Any:
        period = exports.parse_range(cooperative, dari, sampai)
        return render(
            request,
            "staff/exports.html",
            cooperative=cooperative,
            nav="ekspor",
            period=period,
            exports={name: exports.shown(e) for name, e in exports.EXPORTS.items()},
            query=urlencode({"dari": period.first.isoformat(), "sampai": period.last.isoformat()}),
        )

    @get("/{filename:str}", name="staff_export_csv")
    async def download_csv(
        self,
        db_session: AsyncSession,
        cooperative: Cooperative,
        filename: str,
        dari: Annotated[str | None, Parameter(query="dari", max_length=10)] = None,
        sampai: Annotated[str | None, Parameter(query="sampai", max_length=10)] = None,
    ) -> Response[str]:
        if filename not in exports.EXPORTS:
            raise NotFound(_("Laporan itu tidak ada."))
        period = exports.parse_range(cooperative, dari, sampai)
        text = await exports.export_csv(db_session, cooperative, filename, period)
        return csv_response(text, f"{cooperative.slug}-{filename.removesuffix('.csv')}-{period.label}.csv")
