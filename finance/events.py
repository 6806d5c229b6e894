"""Money events of the other packages turned into journal entries, in the same flush that records them.

Orders, stock, cash hand-ins and settlements know nothing of the ledger (finance sits above them): an
`after_flush` listener looks at the rows each flush inserted and posts their entries on the same
connection, so an event and its entry commit or roll back together. `rebuild` replays the same builders
over rows recorded before the ledger existed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, event, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import local_date
from app.models import Cooperative
from catalog.models import LedgerReason, Product, StockLedgerEntry
from finance import chart
from finance.models import (
    Expense,
    JournalEntry,
    JournalLine,
    Loan,
    LoanPayment,
    OtherIncome,
    SavingsTransaction,
    YearClose,
)
from finance.posting import Draft, write_many
from orders.models import CashReconciliation, Order, OrderEvent, OrderLine, Payment
from producers.models import Settlement

# The savings method of an SHU payout into simpanan sukarela (finance.yearclose); never a form's choice.
SHU_METHOD = "shu"
_RESERVING = {LedgerReason.SALE, LedgerReason.CANCEL}


class Context:
    """What builders look up while posting, read once per flush: a cooperative's time zone and last closed
    year (one query), and the producer price of the order lines written in the same flush (none)."""

    def __init__(self, conn: Connection, lines: Iterable[OrderLine] = ()) -> None:
        self.conn = conn
        self._zones: dict[int, str] = {}
        self.closed_years: dict[int, int | None] = {}
        self._line_prices = {(ln.order_id, ln.product_id): ln.producer_price for ln in lines}

    def day(self, cooperative_id: int, moment: datetime.datetime | None) -> datetime.date:
        if cooperative_id not in self._zones:
            last_closed = (
                select(func.max(YearClose.year)).where(YearClose.cooperative_id == Cooperative.id).scalar_subquery()
            )
            found = self.conn.execute(
                select(Cooperative.timezone, last_closed).where(Cooperative.id == cooperative_id)
            ).first()
            zone, closed = found if found is not None else ("", None)
            self._zones[cooperative_id] = zone or ""
            self.closed_years[cooperative_id] = None if closed is None else int(closed)
        return local_date(self._zones[cooperative_id], moment or datetime.datetime.now(datetime.UTC))

    def line_price(self, order_id: int, product_id: int) -> int | None:
        """The producer price an order line of this flush snapshotted, else the stored line's."""
        price = self._line_prices.get((order_id, product_id))
        if price is None:
            price = self.conn.execute(
                select(OrderLine.producer_price).where(
                    OrderLine.order_id == order_id, OrderLine.product_id == product_id
                )
            ).scalar()
        return None if price is None else int(price)

    def order(self, order_id: int) -> Any:
        return self.conn.execute(
            select(Order.id, Order.cooperative_id, Order.number, Order.user_id, Order.status)
            .add_columns(Order.subtotal, Order.delivery_fee, Order.total)
            .where(Order.id == order_id)
        ).one()


def _payment(ctx: Context, p: Payment) -> Draft:
    order = ctx.order(p.order_id)
    money = chart.money_account(p.method)
    draft = Draft(order.cooperative_id, ctx.day(order.cooperative_id, p.created_at), "", "payment", p.id)
    if p.kind == "refunded":
        draft.memo = f"Pengembalian uang pesanan {order.number}"  # i18n: not shown
        draft.debit(chart.PIUTANG, p.amount, member_user_id=order.user_id).credit(money, p.amount)
        if order.status == "completed":
            draft.debit(chart.RETUR_PENJUALAN, p.amount).credit(chart.PIUTANG, p.amount, member_user_id=order.user_id)
    else:
        draft.memo = f"Pembayaran pesanan {order.number}"  # i18n: not shown
        draft.debit(money, p.amount).credit(chart.PIUTANG, p.amount, member_user_id=order.user_id)
    return draft


def _order_event(ctx: Context, e: OrderEvent) -> Draft | None:
    """A completed order is the sale: revenue and the receivable, cost of goods, what the producer is owed."""
    if e.to_status != "completed":
        return None
    order = ctx.order(e.order_id)
    day = ctx.day(order.cooperative_id, e.created_at)
    draft = Draft(order.cooperative_id, day, f"Penjualan pesanan {order.number}", "sale", order.id)  # i18n: not shown
    draft.debit(chart.PIUTANG, order.total, member_user_id=order.user_id)
    draft.credit(chart.PENJUALAN, order.subtotal, member_user_id=order.user_id)
    draft.credit(chart.ONGKOS_KIRIM, order.delivery_fee)
    lines = ctx.conn.execute(
        select(OrderLine.producer_id, func.sum(OrderLine.producer_price * OrderLine.quantity))
        .where(OrderLine.order_id == order.id)
        .group_by(OrderLine.producer_id)
    ).all()
    for producer_id, cost in lines:
        draft.debit(chart.HPP, int(cost)).credit(chart.PERSEDIAAN_DIPESAN, int(cost))
        draft.debit(chart.TITIPAN_PRODUSEN, int(cost)).credit(chart.UTANG_PRODUSEN, int(cost), producer_id=producer_id)
    return draft


def _unit_cost(ctx: Context, s: StockLedgerEntry) -> int:
    if s.order_id is not None and s.reason in _RESERVING:
        price = ctx.line_price(s.order_id, s.product_id)
        if price is not None:
            return price
    return int(ctx.conn.execute(select(Product.producer_price).where(Product.id == s.product_id)).scalar() or 0)


def _stock(ctx: Context, s: StockLedgerEntry) -> Draft:
    """Goods are the producers' until sold: stock in and out moves inventory against what the cooperative holds
    for them; a checkout sets goods aside for its order and a cancellation puts them back."""
    value = s.delta * _unit_cost(ctx, s)
    draft = Draft(s.cooperative_id, ctx.day(s.cooperative_id, s.created_at), "", "stock", s.id)
    if s.reason in _RESERVING:
        draft.memo = "Barang disisihkan untuk pesanan" if s.delta < 0 else "Barang pesanan batal kembali ke rak"  # i18n: not shown  # noqa: E501
        return draft.debit(chart.PERSEDIAAN, value).credit(chart.PERSEDIAAN_DIPESAN, value)
    draft.memo = f"Stok {s.reason}: {s.delta:+d}"  # i18n: not shown
    return draft.debit(chart.PERSEDIAAN, value).credit(chart.TITIPAN_PRODUSEN, value)


def _hand_in(ctx: Context, r: CashReconciliation) -> Draft:
    """The cash was booked when each payment was taken; a hand-in posts only what was missing or over."""
    draft = Draft(r.cooperative_id, r.business_date, f"Selisih setoran kurir {r.courier_name}", "hand_in", r.id)  # i18n: not shown  # noqa: E501
    if r.difference < 0:
        return draft.debit(chart.BEBAN_SELISIH_KAS, -r.difference).credit(chart.KAS, -r.difference)
    return draft.debit(chart.KAS, r.difference).credit(chart.PENDAPATAN_LAIN, r.difference)


def _settlement(ctx: Context, s: Settlement) -> Draft:
    draft = Draft(s.cooperative_id, s.paid_on, "Pembayaran kepada produsen", "settlement", s.id)
    money = chart.money_account(s.method)
    return draft.debit(chart.UTANG_PRODUSEN, s.amount_paid, producer_id=s.producer_id).credit(money, s.amount_paid)


def _savings(ctx: Context, t: SavingsTransaction) -> Draft:
    label = chart.SAVINGS_LABELS[t.kind]
    account = chart.SAVINGS_ACCOUNTS[t.kind]
    sign = 1 if t.direction == "deposit" else -1
    memo = f"{'Setoran' if sign > 0 else 'Penarikan'} {label.lower()} ({t.receipt_number})"
    draft = Draft(t.cooperative_id, t.occurred_on, memo, "savings", t.id)
    if t.method == SHU_METHOD:
        # A member's SHU paid into sukarela: no money moves, what was owed to them becomes their deposit.
        draft.debit(chart.SHU_BELUM_DIBAYAR, t.amount, member_user_id=t.member_user_id)
        return draft.credit(account, t.amount, member_user_id=t.member_user_id)
    money = chart.money_account(t.method)
    return draft.debit(money, sign * t.amount).credit(account, sign * t.amount, member_user_id=t.member_user_id)


def _expense(ctx: Context, x: Expense) -> Draft:
    account, label = chart.EXPENSE_CATEGORIES[x.category]
    memo = f"Biaya {label.lower()}" + (f": {x.note}" if x.note else "")
    draft = Draft(x.cooperative_id, x.occurred_on, memo, "expense", x.id)
    return draft.debit(account, x.amount).credit(chart.money_account(x.paid_from), x.amount)


def _other_income(ctx: Context, x: OtherIncome) -> Draft:
    label = chart.OTHER_INCOME_CATEGORIES[x.category]
    memo = f"Pendapatan {label.lower()}" + (f": {x.note}" if x.note else "")
    draft = Draft(x.cooperative_id, x.occurred_on, memo, "other_income", x.id)
    return draft.debit(chart.money_account(x.received_into), x.amount).credit(chart.PENDAPATAN_LAIN, x.amount)


def _loan(ctx: Context, loan: Loan) -> Draft:
    memo = f"Pencairan pinjaman dari {loan.lender}"  # i18n: not shown (a journal memo is the record)
    draft = Draft(loan.cooperative_id, loan.drawn_on, memo, "loan", loan.id)
    return draft.debit(chart.money_account(loan.received_into), loan.principal).credit(chart.PINJAMAN, loan.principal)


def _loan_payment(ctx: Context, p: LoanPayment) -> Draft:
    lender = ctx.conn.execute(select(Loan.lender).where(Loan.id == p.loan_id)).scalar()
    memo = f"Angsuran ke-{p.number} pinjaman dari {lender}"  # i18n: not shown
    draft = Draft(p.cooperative_id, p.paid_on, memo, "loan_payment", p.id)
    draft.debit(chart.PINJAMAN, p.principal).debit(chart.BEBAN_BUNGA, p.interest)
    return draft.credit(chart.money_account(p.paid_from), p.principal + p.interest)


BUILDERS: dict[type[Any], Callable[[Context, Any], Draft | None]] = {
    Payment: _payment,
    OrderEvent: _order_event,
    StockLedgerEntry: _stock,
    CashReconciliation: _hand_in,
    Settlement: _settlement,
    SavingsTransaction: _savings,
    Expense: _expense,
    OtherIncome: _other_income,
    Loan: _loan,
    LoanPayment: _loan_payment,
}


def post_rows(
    conn: Connection,
    rows: Iterable[Any],
    *,
    posted: set[tuple[str, int]] | None = None,
    lines: Iterable[OrderLine] = (),
) -> int:
    """Post the entries of `rows` (any mix of the event types above); the number of entries written.

    `posted`: (source type, source id) pairs already in the ledger, skipped (a replay of old history).
    `lines`: order lines written with the rows (their prices need no query)."""
    ctx = Context(conn, lines)
    drafts = []
    for row in rows:
        if posted is not None and source_key(row) in posted:
            continue
        build = BUILDERS.get(type(row))
        draft = build(ctx, row) if build else None
        if draft is not None:
            drafts.append(draft)
    return len(write_many(conn, drafts, closed_years=ctx.closed_years))


SOURCE_TYPES: dict[type[Any], str] = {
    Payment: "payment",
    OrderEvent: "sale",
    StockLedgerEntry: "stock",
    CashReconciliation: "hand_in",
    Settlement: "settlement",
    SavingsTransaction: "savings",
    Expense: "expense",
    OtherIncome: "other_income",
    Loan: "loan",
    LoanPayment: "loan_payment",
}


def source_key(row: Any) -> tuple[str, int]:
    """What an event row's entry is filed under: a sale under its order, everything else under its own id."""
    return SOURCE_TYPES[type(row)], int(row.order_id if isinstance(row, OrderEvent) else row.id)


def posted_sources(conn: Connection, cooperative_id: int) -> set[tuple[str, int]]:
    rows = conn.execute(
        select(JournalEntry.source_type, JournalEntry.source_id).where(
            JournalEntry.cooperative_id == cooperative_id, JournalEntry.source_id.is_not(None)
        )
    )
    return {(kind, source) for kind, source in rows.tuples() if source is not None}


def _revaluations(session: Session) -> list[Draft]:
    """A producer price change revalues the goods on the shelf, so inventory stays stock × price."""
    drafts = []
    for product in session.dirty:
        if not isinstance(product, Product):
            continue
        history = inspect(product).attrs["producer_price"].history
        if not history.deleted or not history.added:
            continue
        change = int(history.added[0]) - int(history.deleted[0])
        stock = session.connection().execute(select(Product.stock).where(Product.id == product.id)).scalar() or 0
        ctx = Context(session.connection())
        draft = Draft(product.cooperative_id, ctx.day(product.cooperative_id, None), "", "revaluation", None)
        draft.memo = f"Harga produsen {product.name} berubah"  # i18n: not shown
        drafts.append(draft.debit(chart.PERSEDIAAN, change * stock).credit(chart.TITIPAN_PRODUSEN, change * stock))
    return drafts


def _after_flush(session: Session, _context: object) -> None:
    new = [o for o in session.new if type(o) in BUILDERS]
    if new:
        new.sort(key=lambda o: (BUILDER_ORDER.index(type(o)), o.id or 0))
        lines = [o for o in session.new if isinstance(o, OrderLine)]
        post_rows(session.connection(), new, lines=lines)
    revaluations = _revaluations(session)
    if revaluations:
        write_many(session.connection(), revaluations)


# Within one flush: stock moves before the sale that consumes them, the sale before its payment.
BUILDER_ORDER: list[type[Any]] = [
    StockLedgerEntry,
    OrderEvent,
    Payment,
    CashReconciliation,
    Settlement,
    SavingsTransaction,
    Expense,
    OtherIncome,
    Loan,
    LoanPayment,
]


def _refuse_edits(session: Session, _context: object, _instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, JournalEntry | JournalLine):
            raise RuntimeError("Jurnal tidak boleh diubah atau dihapus; buat jurnal pembalik.")  # i18n: not shown


def install_ledger_posting(target: type[Session] | sessionmaker[Session] = Session) -> None:
    """Post every money event's entry in the flush that records it. Calling it again changes nothing."""
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "before_flush", _refuse_edits)
