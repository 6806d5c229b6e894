"""The finance JSON API: ledger and statements per cooperative, recording savings and expenses, and a member's
own savings and SHU."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.cooperatives import get_cooperative
from app.csv import csv_response
from app.errors import Forbidden
from app.guards import MEMBER_ROLES, provide_cooperative, requires_login, requires_role
from app.i18n import N_, _
from app.models import Cooperative, Role
from finance import beancount, expenses, ledger_csv, savings, schedule, shu, statements, withdrawals, yearclose
from finance.models import SavingsTransaction, ShuShare, WithdrawalRequest
from finance.schemas import (
    BalanceOut,
    ExpenseForm,
    ExpenseRecorded,
    IncomeOut,
    MySavingsOut,
    PayShareForm,
    SavingsEntryOut,
    SavingsForm,
    SavingsRecorded,
    ShareOut,
    ShuOut,
    StatementLine,
    TrialBalanceOut,
    TrialBalanceRow,
    WithdrawalPendingOut,
    YearCloseOut,
)

# Who may do what with the cooperative's money (app.guards checks the role in the URL's cooperative).
BOOKKEEPERS = frozenset({Role.PENGURUS, Role.BENDAHARA})
BOOK_READERS = frozenset({Role.PENGURUS, Role.BENDAHARA, Role.PENGAWAS})
AUDIT_READERS = frozenset({Role.PENGURUS, Role.PENGAWAS})
requires_bookkeeper = requires_role(BOOKKEEPERS, N_("Uang koperasi dicatat oleh bendahara atau pengurus."))
requires_book_reader = requires_role(BOOK_READERS, N_("Buku besar hanya untuk pengurus, bendahara dan pengawas."))
requires_auditor = requires_role(AUDIT_READERS, N_("Ekspor buku besar hanya untuk pengurus dan pengawas."))
requires_pengurus_closes = requires_role({Role.PENGURUS}, N_("Tutup buku dan pembagian SHU dilakukan oleh pengurus."))
requires_statement_reader = requires_role(
    MEMBER_ROLES, N_("Laporan keuangan ini hanya untuk anggota koperasi ini."), apply_to_join=True
)

Year = Annotated[int | None, Parameter(query="year", ge=2000, le=2100)]
Month = Annotated[int | None, Parameter(query="month", ge=1, le=12)]
DateParam = Annotated[str | None, Parameter(query="date", max_length=10)]


def income_out(report: statements.Income) -> IncomeOut:
    return IncomeOut(
        period=report.period,
        revenue=report.revenue,
        cost_of_goods=report.cost_of_goods,
        expenses=report.expenses,
        other_income=report.other_income,
        surplus=report.surplus,
        lines=[StatementLine(code, name, amount) for code, name, amount in report.lines],
    )


def recorded_out(t: SavingsTransaction, phone: str, balance: int) -> SavingsRecorded:
    return SavingsRecorded(
        t.id, t.receipt_number, phone, t.kind, t.direction, t.amount, t.method, t.occurred_on.isoformat(), balance
    )


def share_out(s: ShuShare, phone: str, name: str) -> ShareOut:
    paid_at = s.paid_at.isoformat() if s.paid_at else None
    return ShareOut(s.id, phone, name, s.jasa_anggota, s.jasa_modal, s.total, s.paid_to, paid_at)


def pending_out(r: WithdrawalRequest, phone: str) -> WithdrawalPendingOut:
    return WithdrawalPendingOut(r.id, r.status, phone, "sukarela", "withdrawal", r.amount, r.method, r.requested_label)


class FinanceApiController(Controller):
    path = "/api/cooperatives/{slug:str}"
    tags = ["keuangan"]
    dependencies = {"cooperative": Provide(provide_cooperative)}

    @get("/ledger/trial-balance", name="api_trial_balance", guards=[requires_book_reader])
    async def trial_balance(
        self, db_session: AsyncSession, cooperative: Cooperative, date: DateParam = None
    ) -> TrialBalanceOut:
        day = statements.parse_day(date, cooperative)
        tb = await statements.trial_balance(db_session, cooperative, day)
        rows = [TrialBalanceRow(code, name, debit, credit) for code, name, debit, credit in tb.accounts]
        return TrialBalanceOut(day.isoformat(), rows, tb.total_debit, tb.total_credit)

    @get("/statements/income", name="api_income_statement", guards=[requires_statement_reader])
    async def income(
        self, db_session: AsyncSession, cooperative: Cooperative, year: Year = None, month: Month = None
    ) -> IncomeOut:
        today = statements.parse_day(None, cooperative)
        report = await statements.income(db_session, cooperative, year or today.year, month)
        return income_out(report)

    @get("/statements/balance", name="api_balance_sheet", guards=[requires_statement_reader])
    async def balance(self, db_session: AsyncSession, cooperative: Cooperative, date: DateParam = None) -> BalanceOut:
        sheet = await statements.balance_sheet(db_session, cooperative, statements.parse_day(date, cooperative))
        lines = [StatementLine(code, name, amount) for code, name, _, amount in sheet.lines]
        return BalanceOut(sheet.date.isoformat(), sheet.assets, sheet.liabilities, sheet.equity, lines)

    @get("/ledger.beancount", name="api_ledger_beancount", guards=[requires_auditor])
    async def ledger_beancount(self, db_session: AsyncSession, cooperative: Cooperative) -> Response[str]:
        text = await beancount.export(db_session, cooperative)
        disposition = f'attachment; filename="{cooperative.slug}.beancount"'
        return Response(text, media_type="text/plain; charset=utf-8", headers={"Content-Disposition": disposition})

    @get("/ledger.csv", name="api_ledger_csv", guards=[requires_auditor])
    async def ledger_csv(self, db_session: AsyncSession, cooperative: Cooperative, year: Year = None) -> Response[str]:
        """One row per journal line, all years or one (`?year=`), for auditors' spreadsheets."""
        text = await ledger_csv.export(db_session, cooperative, year)
        return csv_response(text, f"{cooperative.slug}-buku-besar{f'-{year}' if year else ''}.csv")

    @post("/savings", name="api_savings_record", status_code=201, guards=[requires_bookkeeper])
    async def record_savings(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, data: SavingsForm
    ) -> Response[SavingsRecorded | WithdrawalPendingOut]:
        """201 with the receipt; a sukarela withdrawal is 202: recorded, waiting for a second person's approval."""
        t, member, balance = await savings.record(db_session, cooperative, data, user.id, user.name)
        if isinstance(t, WithdrawalRequest):
            return Response(pending_out(t, member.phone), status_code=202)
        return Response(recorded_out(t, member.phone, balance), status_code=201)

    @post(
        "/savings/withdrawals/{request_id:int}/approve",
        name="api_withdrawal_approve",
        status_code=201,
        guards=[requires_bookkeeper],
    )
    async def approve_withdrawal(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, request_id: int
    ) -> SavingsRecorded:
        t, member, balance = await withdrawals.approve(db_session, cooperative, request_id, user.id, user.name)
        return recorded_out(t, member.phone, balance)

    @post(
        "/savings/withdrawals/{request_id:int}/reject",
        name="api_withdrawal_reject",
        status_code=200,
        guards=[requires_bookkeeper],
    )
    async def reject_withdrawal(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, request_id: int
    ) -> WithdrawalPendingOut:
        member = await withdrawals.reject(db_session, cooperative, request_id, user.id)
        request = await db_session.get_one(WithdrawalRequest, request_id)
        return pending_out(request, member.phone)

    @post("/expenses", name="api_expense_record", status_code=201, guards=[requires_bookkeeper])
    async def record_expense(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, data: ExpenseForm
    ) -> ExpenseRecorded:
        x = await expenses.record(db_session, cooperative, data, user.id)
        return ExpenseRecorded(x.id, x.occurred_on.isoformat(), x.category, x.amount, x.paid_from, x.note)

    @post("/shu/{year:int}/close", name="api_shu_close", status_code=201, guards=[requires_pengurus_closes])
    async def close_year(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, year: int
    ) -> YearCloseOut:
        """Close a past year after the RAT: 201 with the allocation; 409 if it was closed already."""
        closing = await yearclose.close_year(db_session, cooperative, year, user.id, user.name)
        rows = await yearclose.shares_of(db_session, cooperative.id, year)
        c = closing.close
        shares = [share_out(r.share, r.phone, r.name) for r in rows]
        return YearCloseOut(c.year, c.surplus, yearclose.parts_of(c), c.entry_id, shares)

    @post("/shu/shares/{share_id:int}/pay", name="api_shu_pay", status_code=201, guards=[requires_bookkeeper])
    async def pay_share(
        self, db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser, share_id: int, data: PayShareForm
    ) -> ShareOut:
        """Pay one member's share in cash (`kas`) or into simpanan sukarela; 409 if it was paid already."""
        share, member = await yearclose.pay_share(db_session, cooperative, share_id, data.to, user.id, user.name)
        return share_out(share, member.phone, member.name)


async def member_cooperative(session: AsyncSession, user: CurrentUser, slug: str) -> Cooperative:
    """The cooperative a member asks about; someone who is not its member is refused, whoever they are."""
    cooperative = await get_cooperative(session, slug)
    if not user.is_member_of(cooperative.id):
        raise Forbidden(_("Anda bukan anggota koperasi ini."))
    return cooperative


class MyFinanceApiController(Controller):
    path = "/api/me"
    tags = ["keuangan"]
    guards = [requires_login]

    @get("/savings", name="api_my_savings")
    async def my_savings(
        self,
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Annotated[str, Parameter(query="cooperative", max_length=80)],
    ) -> MySavingsOut:
        coop = await member_cooperative(db_session, user, cooperative)
        held = await savings.balances(db_session, coop.id, user.id)
        rows = await savings.history(db_session, coop.id, user.id)
        entries = [
            SavingsEntryOut(
                t.occurred_on.isoformat(),
                t.kind,
                t.direction,
                t.amount,
                t.method,
                t.receipt_number,
                f"/simpanan/kuitansi/{t.id}",
            )
            for t in rows
        ]
        owed = await schedule.member_arrears(db_session, coop, user.id)
        return MySavingsOut(held.pokok, held.wajib, held.sukarela, owed.owed if owed else 0, entries)

    @get("/shu", name="api_my_shu")
    async def my_shu(
        self,
        db_session: AsyncSession,
        user: CurrentUser,
        cooperative: Annotated[str, Parameter(query="cooperative", max_length=80)],
        year: Year = None,
    ) -> ShuOut:
        coop = await member_cooperative(db_session, user, cooperative)
        r = await shu.member_shu(db_session, coop, user.id, year)
        return ShuOut(
            year=r.year,
            estimate=r.estimate,
            pool_jasa_anggota=r.pool_jasa_anggota,
            pool_jasa_modal=r.pool_jasa_modal,
            my_purchases=r.my_purchases,
            total_member_purchases=r.total_member_purchases,
            my_capital=r.my_capital,
            total_capital=r.total_capital,
            jasa_anggota=r.jasa_anggota,
            jasa_modal=r.jasa_modal,
            total=r.total,
            closed=r.closed,
            paid_to=r.paid_to,
            paid_at=r.paid_at.isoformat() if r.paid_at else None,
        )
