"""Loans and other income: the staff pages (bendahara and pengurus record, pengawas reads) and their JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError
from app.guards import StaffController, provide_cooperative
from app.i18n import _
from app.models import Cooperative
from app.text import rupiah
from app.web import flash, render
from finance import chart, loans, other_income
from finance.api_routes import BOOKKEEPERS, requires_book_reader, requires_bookkeeper
from finance.models import OtherIncome
from finance.schemas import (
    InstalmentOut,
    LoanForm,
    LoanOut,
    LoanPaymentForm,
    OtherIncomeForm,
    OtherIncomeRecorded,
)

URL_FORM = RequestEncodingType.URL_ENCODED


class StaffLoanController(StaffController):
    async def _loans_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        form: LoanForm,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "finance/staff_loans.html",
            status_code=status_code,
            cooperative=cooperative,
            nav="pinjaman",
            form=form,
            errors=errors or {},
            loans=await loans.all_loans(session, cooperative.id),
            money=chart.MONEY_ACCOUNTS,
            max_principal=loans.MAX_PRINCIPAL,
            can_record=user.role_in(cooperative.id) in BOOKKEEPERS,
        )

    @get("/pinjaman", name="staff_loans", guards=[requires_book_reader])
    async def loans_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        return await self._loans_page(request, db_session, cooperative, user, LoanForm(received_into="bank"))

    @post("/pinjaman", name="staff_loan_record", status_code=303, guards=[requires_bookkeeper])
    async def loan_record(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[LoanForm, Body(media_type=URL_FORM)],
    ) -> Any:
        try:
            loan = await loans.record(db_session, cooperative, data, user.id)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            errors = exc.field_errors or {"principal": exc.message}
            return await self._loans_page(request, db_session, cooperative, user, data, errors, exc.status_code)
        message = _(
            "Pinjaman dari %(lender)s %(amount)s dicatat dan dibukukan.",
            lender=loan.lender,
            amount=rupiah(loan.principal),
        )
        flash(request, message, "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/pinjaman#pinjaman-{loan.id}", status_code=303)

    @post(
        "/pinjaman/{loan_id:int}/angsuran/{number:int}/bayar",
        name="staff_loan_pay",
        status_code=303,
        guards=[requires_bookkeeper],
    )
    async def loan_pay(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        loan_id: int,
        number: int,
        data: Annotated[LoanPaymentForm, Body(media_type=URL_FORM)],
    ) -> Any:
        try:
            view, paid = await loans.pay(db_session, cooperative, loan_id, number, data, user.id)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            message = " ".join((exc.field_errors or {}).values()) or exc.message
            flash(request, message, "error")
            return Redirect(path=f"/staf/{cooperative.slug}/pinjaman#pinjaman-{loan_id}", status_code=303)
        flash(
            request,
            _(
                "Angsuran ke-%(n)s %(total)s (pokok %(principal)s, bunga %(interest)s) dibayar. Sisa pokok: %(left)s.",
                n=number,
                total=rupiah(paid.total),
                principal=rupiah(paid.principal),
                interest=rupiah(paid.interest),
                left=rupiah(view.outstanding),
            ),
            "ok",
        )
        return Redirect(path=f"/staf/{cooperative.slug}/pinjaman#pinjaman-{loan_id}", status_code=303)

    async def _income_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        form: OtherIncomeForm,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "finance/staff_other_income.html",
            status_code=status_code,
            cooperative=cooperative,
            nav="pendapatan",
            form=form,
            errors=errors or {},
            recent=await other_income.recent(session, cooperative.id),
            categories=chart.OTHER_INCOME_CATEGORIES,
            received_into=chart.MONEY_ACCOUNTS,
        )

    @get("/pendapatan", name="staff_other_income", guards=[requires_book_reader])
    async def income_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return await self._income_page(request, db_session, cooperative, OtherIncomeForm(received_into="cash"))

    @post("/pendapatan", name="staff_other_income_record", status_code=303, guards=[requires_bookkeeper])
    async def income_record(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[OtherIncomeForm, Body(media_type=URL_FORM)],
    ) -> Any:
        try:
            x = await other_income.record(db_session, cooperative, data, user.id)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            errors = exc.field_errors or {"amount": exc.message}
            return await self._income_page(request, db_session, cooperative, data, errors, exc.status_code)
        label = _(chart.OTHER_INCOME_CATEGORIES[x.category]).lower()
        flash(request, _("Pendapatan %(what)s %(amount)s dicatat.", what=label, amount=rupiah(x.amount)), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/pendapatan", status_code=303)


def loan_out(view: loans.LoanView) -> LoanOut:
    loan = view.loan
    rows = [
        InstalmentOut(
            i.number,
            i.due_on.isoformat(),
            i.principal,
            i.interest,
            i.total,
            i.paid_on is not None,
            i.paid_on.isoformat() if i.paid_on else None,
            i.paid_from,
        )
        for i in view.instalments
    ]
    return LoanOut(
        loan.id,
        loan.lender,
        loan.principal,
        loan.drawn_on.isoformat(),
        loan.instalments,
        loan.interest_per_instalment,
        loan.received_into,
        loan.note,
        view.outstanding,
        rows,
    )


def income_recorded(x: OtherIncome) -> OtherIncomeRecorded:
    return OtherIncomeRecorded(x.id, x.occurred_on.isoformat(), x.category, x.amount, x.received_into, x.note)


class LoanApiController(Controller):
    path = "/api/cooperatives/{slug:str}"
    tags = ["keuangan"]
    dependencies = {"cooperative": Provide(provide_cooperative)}

    @get("/loans", name="api_loans", guards=[requires_book_reader])
    async def list_loans(self, db_session: AsyncSession, cooperative: Cooperative) -> list[LoanOut]:
        return [loan_out(v) for v in await loans.all_loans(db_session, cooperative.id)]

    @post("/loans", name="api_loan_record", status_code=201, guards=[requires_bookkeeper])
    async def record_loan(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, data: LoanForm
    ) -> LoanOut:
        loan = await loans.record(db_session, cooperative, data, user.id)
        return loan_out(await loans.loan_of(db_session, cooperative.id, loan.id))

    @post(
        "/loans/{loan_id:int}/instalments/{number:int}/pay",
        name="api_loan_pay",
        status_code=201,
        guards=[requires_bookkeeper],
    )
    async def pay_instalment(
        self,
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        loan_id: int,
        number: int,
        data: LoanPaymentForm | None = None,
    ) -> LoanOut:
        """201 with the loan and its schedule; 409 if paid already or an earlier instalment is unpaid."""
        view, _ = await loans.pay(db_session, cooperative, loan_id, number, data or LoanPaymentForm(), user.id)
        return loan_out(view)

    @post("/other-income", name="api_other_income_record", status_code=201, guards=[requires_bookkeeper])
    async def record_other_income(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, data: OtherIncomeForm
    ) -> OtherIncomeRecorded:
        return income_recorded(await other_income.record(db_session, cooperative, data, user.id))
