"""Finance pages: the staff's books, savings, expenses and SHU split; the members' statements; a member's
own savings and SHU in their account."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import accounts
from app.auth import CurrentUser
from app.db import roll_back
from app.errors import DomainError, InvalidInput, NotFound
from app.guards import StaffController, provide_cooperative, requires_login, requires_producer, requires_role
from app.i18n import N_, _
from app.models import Cooperative, MembershipStatus, Role
from app.text import rupiah
from app.web import flash, render
from finance import (
    chart,
    disclosure,
    expenses,
    flows,
    rat,
    savings,
    schedule,
    shu,
    statements,
    trend,
    withdrawals,
    yearclose,
)
from finance.api_routes import (
    AUDIT_READERS,
    BOOK_READERS,
    BOOKKEEPERS,
    requires_book_reader,
    requires_bookkeeper,
    requires_pengurus_closes,
    requires_statement_reader,
)
from finance.models import WithdrawalRequest
from finance.schemas import ExpenseForm, SavingsForm, ScheduleForm
from producers.routes import provide_producer
from producers.services import ProducerContext

requires_pengurus_only = requires_role({Role.PENGURUS}, N_("Pembagian SHU diatur oleh pengurus."))
requires_pengurus_only_wajib = requires_role({Role.PENGURUS}, N_("Besar simpanan wajib diatur oleh pengurus."))
Year = Annotated[int | None, Parameter(query="tahun", ge=2000, le=2100)]
Month = Annotated[int | None, Parameter(query="bulan", ge=1, le=12)]


async def books_context(
    session: AsyncSession, cooperative: Cooperative, year: int | None, month: int | None
) -> dict[str, Any]:
    """Laba rugi for the period and the one before, the neraca at its end, arus kas and perubahan ekuitas over
    it, in numbers and in words."""
    today = statements.parse_day(None, cooperative)
    year = year or today.year
    report = await statements.income(session, cooperative, year, month)
    if month is None:
        previous = await statements.income(session, cooperative, year - 1, None) if year > 2000 else None
    else:
        prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
        previous = await statements.income(session, cooperative, prev_year, prev_month) if prev_year >= 2000 else None
    sheet = await statements.balance_sheet(session, cooperative, min(report.end, today))
    cash = await flows.cash_flow(session, cooperative, year, month)
    equity = await flows.equity_changes(session, cooperative, year, month)
    months = await trend.last_months(session, cooperative.id, sheet.date)
    return {
        "trend": trend.trend_chart(months),
        "income": report,
        "previous": previous,
        "sheet": sheet,
        "cash": cash,
        "equity": equity,
        "year": year,
        "month": month,
    }


def schedule_form(current: schedule.Schedule) -> ScheduleForm:
    return ScheduleForm(str(current.wajib_amount), f"{current.starts_on:%Y-%m}" if current.starts_on else "")


class StaffFinanceController(StaffController):
    @get("/keuangan", name="staff_finance_books", guards=[requires_book_reader])
    async def books(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        tahun: Year = None,
        bulan: Month = None,
    ) -> Any:
        context = await books_context(db_session, cooperative, tahun, bulan)
        tb = await statements.trial_balance(db_session, cooperative, context["sheet"].date)
        return render(request, "finance/staff_books.html", cooperative=cooperative, nav="keuangan", tb=tb, **context)

    async def _savings_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        form: SavingsForm,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        plan: ScheduleForm | None = None,
        viewer: CurrentUser | None = None,
    ) -> Any:
        current = await schedule.schedule_of(session, cooperative.id)
        owing = await schedule.in_arrears(session, cooperative)
        return render(
            request,
            "finance/staff_savings.html",
            status_code=status_code,
            cooperative=cooperative,
            nav="simpanan",
            form=form,
            errors=errors or {},
            recent=await savings.recent(session, cooperative.id),
            kinds=chart.SAVINGS_LABELS,
            directions=savings.DIRECTIONS,
            methods=savings.METHODS,
            schedule=current,
            plan=plan or schedule_form(current),
            owing=[(m, schedule.reminder_link(cooperative, m)) for m in owing],
            owing_total=sum(m.arrears.owed for m in owing),
            pending=await withdrawals.pending(session, cooperative.id),
            me=viewer.id if viewer else None,
            can_decide=viewer is not None and viewer.role_in(cooperative.id) in BOOKKEEPERS,
        )

    @get("/simpanan", name="staff_savings", guards=[requires_book_reader])
    async def savings_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        form = SavingsForm(kind="wajib", direction="deposit")
        return await self._savings_page(request, db_session, cooperative, form, viewer=user)

    @post("/simpanan", name="staff_savings_record", status_code=303, guards=[requires_bookkeeper])
    async def savings_record(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[SavingsForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            t, member, balance = await savings.record(db_session, cooperative, data, user.id, user.name)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            errors = exc.field_errors or {"amount": exc.message}
            return await self._savings_page(
                request, db_session, cooperative, data, errors, exc.status_code, viewer=user
            )
        if isinstance(t, WithdrawalRequest):
            flash(
                request,
                _(
                    "Penarikan simpanan sukarela %(name)s %(amount)s dicatat dan menunggu persetujuan "
                    "pengurus atau bendahara lain. Uang belum boleh diserahkan.",
                    name=member.name,
                    amount=rupiah(t.amount),
                ),
                "warn",
            )
        else:
            what = f"{_(savings.DIRECTIONS[t.direction])} {_(chart.SAVINGS_LABELS[t.kind]).lower()} {member.name}"
            note = _(
                "%(what)s %(amount)s dicatat (kuitansi %(receipt)s). Saldo: %(balance)s.",
                what=what,
                amount=rupiah(t.amount),
                receipt=t.receipt_number,
                balance=rupiah(balance),
            )
            flash(request, note, "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/simpanan", status_code=303)

    @post(
        "/simpanan/penarikan/{request_id:int}/{decision:str}",
        name="staff_withdrawal_decide",
        status_code=303,
        guards=[requires_bookkeeper],
    )
    async def withdrawal_decide(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        request_id: int,
        decision: str,
    ) -> Any:
        """`setujui` pays the member out (a second person only), `tolak` turns the request down."""
        try:
            if decision == "setujui":
                t, member, balance = await withdrawals.approve(db_session, cooperative, request_id, user.id, user.name)
                message = _(
                    "Penarikan sukarela %(name)s %(amount)s disetujui (kuitansi %(receipt)s). "
                    "Sisa saldo sukarela: %(balance)s.",
                    name=member.name,
                    amount=rupiah(t.amount),
                    receipt=t.receipt_number,
                    balance=rupiah(balance),
                )
            elif decision == "tolak":
                member = await withdrawals.reject(db_session, cooperative, request_id, user.id)
                message = _("Permintaan penarikan sukarela %(name)s ditolak; tidak ada uang keluar.", name=member.name)
            else:
                raise NotFound(_("Keputusan tidak dikenal."))
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            flash(request, exc.message, "error")
            return Redirect(path=f"/staf/{cooperative.slug}/simpanan", status_code=303)
        flash(request, message, "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/simpanan", status_code=303)

    @post("/simpanan/jadwal", name="staff_savings_schedule", status_code=303, guards=[requires_pengurus_only_wajib])
    async def savings_schedule(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ScheduleForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            saved = await schedule.save_schedule(db_session, cooperative, data.wajib_amount, data.starts_on)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            form = SavingsForm(kind="wajib", direction="deposit")
            errors = exc.field_errors or {"wajib_amount": exc.message}
            return await self._savings_page(request, db_session, cooperative, form, errors, exc.status_code, data, user)
        flash(request, _("Simpanan wajib per bulan: %(amount)s.", amount=rupiah(saved.wajib_amount)), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/simpanan", status_code=303)

    async def _expenses_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        form: ExpenseForm,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Any:
        return render(
            request,
            "finance/staff_expenses.html",
            status_code=status_code,
            cooperative=cooperative,
            nav="biaya",
            form=form,
            errors=errors or {},
            recent=await expenses.recent(session, cooperative.id),
            categories=chart.EXPENSE_CATEGORIES,
            paid_from=chart.MONEY_ACCOUNTS,
        )

    @get("/biaya", name="staff_expenses", guards=[requires_book_reader])
    async def expenses_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative
    ) -> Any:
        return await self._expenses_page(request, db_session, cooperative, ExpenseForm(paid_from="cash"))

    @post("/biaya", name="staff_expense_record", status_code=303, guards=[requires_bookkeeper])
    async def expense_record(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        data: Annotated[ExpenseForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Any:
        try:
            x = await expenses.record(db_session, cooperative, data, user.id)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            errors = exc.field_errors or {"amount": exc.message}
            return await self._expenses_page(request, db_session, cooperative, data, errors, exc.status_code)
        what = _(chart.EXPENSE_CATEGORIES[x.category][1]).lower()
        flash(request, _("Biaya %(what)s %(amount)s dicatat.", what=what, amount=rupiah(x.amount)), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/biaya", status_code=303)

    async def _shu_page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Any:
        result = await shu.member_shu(session, cooperative, user.id, None)
        split = await shu.split_of(session, cooperative.id)
        shown = values or {name: f"{points / 100:g}".replace(".", ",") for name, points in split.items()}
        closings = [
            (c, yearclose.parts_of(c), await yearclose.shares_of(session, cooperative.id, c.year))
            for c in (await yearclose.closed_years(session, cooperative.id))[:3]
        ]
        role = user.role_in(cooperative.id)
        return render(
            request,
            "finance/staff_shu.html",
            status_code=status_code,
            cooperative=cooperative,
            nav="shu",
            result=result,
            values=shown,
            labels=shu.SPLIT_LABELS,
            errors=errors or {},
            closable=await yearclose.closable_years(session, cooperative),
            closings=closings,
            pay_to=yearclose.PAY_TO,
            lock_rule=yearclose.RULE,
            can_close=role == Role.PENGURUS,
            can_pay=role in BOOKKEEPERS,
            this_year=result.year,
        )

    @get("/shu", name="staff_shu", guards=[requires_book_reader])
    async def shu_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        return await self._shu_page(request, db_session, cooperative, user)

    @post("/shu", name="staff_shu_split", status_code=303, guards=[requires_pengurus_only])
    async def shu_split(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        values = {k: str(v) for k, v in (await request.form()).items() if k in shu.DEFAULT_SPLIT}
        try:
            await shu.save_split(db_session, cooperative.id, dict(values))
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            return await self._shu_page(request, db_session, cooperative, user, values, exc.field_errors, 422)
        flash(request, _("Pembagian SHU disimpan."), "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/shu", status_code=303)

    @post("/shu/tutup", name="staff_shu_close", status_code=303, guards=[requires_pengurus_closes])
    async def shu_close(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, cooperative: Cooperative, user: CurrentUser
    ) -> Any:
        """Close a past year after the RAT: the allocation is posted and every member's share fixed, once."""
        text = str((await request.form()).get("tahun", "")).strip()
        try:
            if not text.isdigit():
                raise InvalidInput(_("Pilih tahun yang ditutup."), field_errors={"year": _("Pilih tahun.")})
            closing = await yearclose.close_year(db_session, cooperative, int(text), user.id, user.name)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            errors = {"close": exc.message}
            return await self._shu_page(request, db_session, cooperative, user, None, errors, exc.status_code)
        c = closing.close
        flash(
            request,
            _(
                "Tahun %(year)s ditutup: SHU %(surplus)s dibagi, %(n)s anggota mendapat bagian.",
                year=c.year,
                surplus=rupiah(c.surplus),
                n=len(closing.shares),
            ),
            "ok",
        )
        return Redirect(path=f"/staf/{cooperative.slug}/shu", status_code=303)

    @post("/shu/bagian/{share_id:int}/bayar", name="staff_shu_pay", status_code=303, guards=[requires_bookkeeper])
    async def shu_pay(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        share_id: int,
    ) -> Any:
        to = str((await request.form()).get("ke", ""))
        try:
            share, member = await yearclose.pay_share(db_session, cooperative, share_id, to, user.id, user.name)
        except DomainError as exc:
            await roll_back(db_session, cooperative)
            errors = {"pay": exc.message}
            return await self._shu_page(request, db_session, cooperative, user, None, errors, exc.status_code)
        where = _(yearclose.PAY_TO[to]).lower()
        flash(
            request,
            _(
                "SHU %(year)s %(name)s %(amount)s dibayar %(where)s.",
                year=share.year,
                name=member.name,
                amount=rupiah(share.total),
                where=where,
            ),
            "ok",
        )
        return Redirect(path=f"/staf/{cooperative.slug}/shu#tahun-{share.year}", status_code=303)


class MemberFinanceController(Controller):
    include_in_schema = False

    @get(
        "/k/{slug:str}/keuangan",
        name="members_statements",
        guards=[requires_statement_reader],
        dependencies={"cooperative": Provide(provide_cooperative)},
    )
    async def statements_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        tahun: Year = None,
        bulan: Month = None,
    ) -> Any:
        context = await books_context(db_session, cooperative, tahun, bulan)
        return render(request, "finance/statements.html", cooperative=cooperative, cart_count=0, **context)

    @get(
        "/k/{slug:str}/rat/{year:int}",
        name="rat_report",
        guards=[requires_statement_reader],
        dependencies={"cooperative": Provide(provide_cooperative)},
    )
    async def rat_report(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: CurrentUser,
        year: int,
    ) -> Any:
        """The printable RAT report; every member's line only for the pengurus and the pengawas."""
        sees_all = user.role_in(cooperative.id) in AUDIT_READERS
        found = await rat.report(db_session, cooperative, year, user.id, sees_all)
        return render(
            request, "finance/rat_report.html", cooperative=cooperative, report=found, lock_rule=yearclose.RULE
        )

    @get("/akun/simpanan", name="my_savings", guards=[requires_login])
    async def my_money(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, tahun: Year = None
    ) -> Any:
        """Savings, history and this year's SHU estimate with its working, for every cooperative the person joined."""
        memberships = [
            m for m in await accounts.memberships_of(db_session, user.id) if m.status == MembershipStatus.APPROVED
        ]
        cards = []
        for m in memberships:
            held = await savings.balances(db_session, m.cooperative_id, user.id)
            cards.append(
                {
                    "cooperative": m.cooperative,
                    "balances": held,
                    "chart": trend.savings_chart(held.pokok, held.wajib, held.sukarela),
                    "arrears": await schedule.member_arrears(db_session, m.cooperative, user.id),
                    "waiting": await savings.pending_total(db_session, m.cooperative_id, user.id),
                    "history": await savings.history(db_session, m.cooperative_id, user.id),
                    "shu": await shu.member_shu(db_session, m.cooperative, user.id, tahun),
                }
            )
        return render(
            request,
            "finance/my_money.html",
            cards=cards,
            kinds=chart.SAVINGS_LABELS,
            directions=savings.DIRECTIONS,
            methods=savings.METHOD_LABELS,
        )

    @get("/simpanan/kuitansi/{transaction_id:int}", name="savings_receipt", guards=[requires_login])
    async def savings_receipt(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, user: CurrentUser, transaction_id: int
    ) -> Any:
        """A printable receipt: for the member it belongs to and for the cooperative's book readers."""
        found = await savings.receipt(db_session, transaction_id, user.id, user.roles, BOOK_READERS)
        return render(
            request,
            "finance/receipt.html",
            r=found,
            kinds=chart.SAVINGS_LABELS,
            directions=savings.DIRECTIONS,
            methods=savings.METHOD_LABELS,
            own=found.transaction.member_user_id == user.id,
        )

    @get(
        "/produsen/keterbukaan",
        name="producer_disclosure",
        guards=[requires_producer],
        dependencies={"producer": Provide(provide_producer)},
    )
    async def disclosure_page(self, request: Request[Any, Any, Any], producer: ProducerContext) -> Any:
        return render(request, "finance/disclosure.html", producer=producer.producer, home=producer.cooperative)

    @post(
        "/produsen/keterbukaan",
        name="producer_disclosure_save",
        status_code=303,
        guards=[requires_producer],
        dependencies={"producer": Provide(provide_producer)},
    )
    async def disclosure_save(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, producer: ProducerContext
    ) -> Any:
        """The producer's own choice: members see its sales and payouts by name, or only within the totals."""
        agreed = (await request.form()).get("shares_figures") == "ya"
        await disclosure.set_consent(db_session, producer.producer, agreed)
        shown = _("ditampilkan dengan nama usaha Anda") if agreed else _("hanya digabung dalam jumlah seluruh produsen")
        flash(request, _("Angka penjualan dan pembayaran Anda di buku anggota kini %(shown)s.", shown=shown), "ok")
        return Redirect(path="/produsen/keterbukaan", status_code=303)
