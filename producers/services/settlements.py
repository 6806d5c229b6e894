"""Paying producers: what each is owed (completed sales, `orders.sales`), statements per week or month,
and recording a payment. Reads order lines, goods received and settlement rows; writes settlements only.

Consignment ("titip jual"): the cooperative owes the snapshotted `order_line.producer_price × quantity`
for lines of orders that were *completed*, counted in the period the order was completed. Cancelled
orders owe nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import CurrentUser
from app.clock import Period, bounds, local_today, parse_period, period_containing
from app.errors import Conflict, NotFound
from app.forms import parse_date, parse_int, parse_text, raise_errors
from app.i18n import N_, _
from app.models import Cooperative
from catalog.models import StockReceipt
from orders import rollups, sales
from orders.models import OrderLine
from orders.sales import Basis, LineSum
from producers.models import Producer, Settlement
from producers.schemas import PaymentForm
from producers.services.accounts import get_producer, producers_of

PAYMENT_METHODS = {"cash": N_("Tunai"), "transfer": N_("Transfer bank"), "qris": "QRIS"}
# What a producer is paid for, and what their statement and weekly sales show.
SALES_BASIS = Basis.COMPLETED
SALES_CAPTION = sales.caption(SALES_BASIS)
# The words of `orders.sales.CAPTIONS[SALES_BASIS]`, marked here too for the producer pages' two languages.
_BASIS_WORDS = N_("pesanan selesai")


def sales_caption() -> str:
    """`SALES_CAPTION` ("Penjualan (pesanan selesai)") in the request's language."""
    return _("Penjualan (%(basis)s)", basis=_(sales.CAPTIONS[SALES_BASIS]))


async def goods_received_value(
    session: AsyncSession,
    cooperative_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    producer_id: int | None = None,
) -> tuple[int, int]:
    """(units, value at the producer price agreed at receipt) of goods received in [start, end)."""
    query = select(
        func.coalesce(func.sum(StockReceipt.quantity), 0),
        func.coalesce(func.sum(cast(StockReceipt.total, BigInteger)), 0),
    ).where(
        StockReceipt.cooperative_id == cooperative_id,
        StockReceipt.created_at >= start,
        StockReceipt.created_at < end,
    )
    if producer_id is not None:
        query = query.where(StockReceipt.producer_id == producer_id)
    units, value = (await session.execute(query)).one()
    return int(units or 0), int(value or 0)


async def paid_total(
    session: AsyncSession,
    cooperative_id: int,
    start: datetime.date | None,
    end: datetime.date,
    *,
    producer_id: int | None = None,
) -> int:
    """Settlements paid on days in [start, end)."""
    query = select(func.coalesce(func.sum(Settlement.amount_paid), 0)).where(
        Settlement.cooperative_id == cooperative_id, Settlement.paid_on < end
    )
    if start is not None:
        query = query.where(Settlement.paid_on >= start)
    if producer_id is not None:
        query = query.where(Settlement.producer_id == producer_id)
    return int(await session.scalar(query) or 0)


async def owed_to_producers(
    session: AsyncSession, cooperative: Cooperative, day_end: datetime.date, *, producer_id: int | None = None
) -> int:
    """Everything earned by producers before `day_end` minus everything paid to them before it."""
    earned = await rollups.totals(session, cooperative.id, None, day_end, basis=SALES_BASIS, producer_id=producer_id)
    paid = await paid_total(session, cooperative.id, None, day_end, producer_id=producer_id)
    return earned.producer_share - paid


@dataclass(frozen=True)
class Statement:
    cooperative: Cooperative
    producer: Producer
    period: Period
    lines: list[LineSum]
    cancelled: list[LineSum]
    settlement: Settlement | None
    overlapping: list[Settlement]
    received_units: int
    received_value: int

    @property
    def units_sold(self) -> int:
        return sum(line.units for line in self.lines)

    @property
    def sales_total(self) -> int:
        return sum(line.sales for line in self.lines)

    @property
    def producer_total(self) -> int:
        return sum(line.producer_total for line in self.lines)

    @property
    def margin_total(self) -> int:
        return self.sales_total - self.producer_total

    @property
    def cancelled_units(self) -> int:
        return sum(line.units for line in self.cancelled)

    @property
    def cancelled_value(self) -> int:
        return sum(line.producer_total for line in self.cancelled)

    @property
    def sales_caption(self) -> str:
        return sales_caption()

    @property
    def amount_payable(self) -> int:
        """Still to pay for this period: nothing once paid, nothing when another paid period covers it."""
        if self.settlement is not None or self.overlapping:
            return 0
        return self.producer_total


async def statement(session: AsyncSession, cooperative: Cooperative, producer: Producer, period: Period) -> Statement:
    start, end = bounds(cooperative, period.start, period.end)
    own = OrderLine.producer_id == producer.id
    lines = await sales.by_product(
        session, sales.sold_lines(SALES_BASIS, start, end, cooperative_id=cooperative.id).where(own)
    )
    cancelled = await sales.by_product(
        session, sales.cancelled_lines(start, end, cooperative_id=cooperative.id).where(own)
    )
    settlements = (
        await session.scalars(
            select(Settlement).where(
                Settlement.producer_id == producer.id,
                Settlement.period_start < period.end,
                Settlement.period_end > period.start,
            )
        )
    ).all()
    exact = next((s for s in settlements if s.period_kind == period.kind and s.period_start == period.start), None)
    received_units, received_value = await goods_received_value(
        session, cooperative.id, start, end, producer_id=producer.id
    )
    return Statement(
        cooperative=cooperative,
        producer=producer,
        period=period,
        lines=lines,
        cancelled=cancelled,
        settlement=exact,
        overlapping=[s for s in settlements if s is not exact],
        received_units=received_units,
        received_value=received_value,
    )


async def settlements_of(session: AsyncSession, producer_id: int, limit: int = 50) -> Sequence[Settlement]:
    result = await session.scalars(
        select(Settlement)
        .where(Settlement.producer_id == producer_id)
        .order_by(Settlement.period_start.desc())
        .limit(limit)
    )
    return result.all()


def statement_csv_rows(s: Statement) -> list[list[str | int]]:
    rows: list[list[str | int]] = [
        [_("Koperasi"), s.cooperative.name],
        [_("Produsen"), s.producer.business_name],
        [
            _("Periode"),
            s.period.label,
            s.period.start.isoformat(),
            (s.period.end - datetime.timedelta(days=1)).isoformat(),
        ],
        [],
        [
            _("Produk"),
            _("Satuan"),
            _("Terjual"),
            _("Penjualan (%(caption)s, Rp)", caption=_(sales.CAPTIONS[SALES_BASIS])),
            _("Bagian produsen (Rp)"),
        ],
    ]
    rows += [[line.name, line.unit, line.units, line.sales, line.producer_total] for line in s.lines]
    rows += [
        [_("Jumlah"), "", s.units_sold, s.sales_total, s.producer_total],
        [],
        [_("Dibatalkan (tidak dibayar)"), "", s.cancelled_units, "", s.cancelled_value],
        [_("Barang diterima koperasi"), "", s.received_units, "", s.received_value],
        [],
    ]
    if s.settlement is not None:
        paid = s.settlement
        rows.append([_("Sudah dibayar"), paid.paid_on.isoformat(), paid.method, paid.reference or "", paid.amount_paid])
    rows.append([_("Sisa yang harus dibayar (Rp)"), "", "", "", s.amount_payable])
    return rows


@dataclass(frozen=True)
class WeekSales:
    period: Period
    units: int
    producer_share: int


async def weekly_sales(
    session: AsyncSession, cooperative: Cooperative, producer_id: int, weeks: int = 8
) -> list[WeekSales]:
    today = local_today(cooperative)
    result = []
    for back in range(weeks - 1, -1, -1):
        period = period_containing("week", today - datetime.timedelta(weeks=back))
        totals = await rollups.totals(
            session, cooperative.id, period.start, period.end, basis=SALES_BASIS, producer_id=producer_id
        )
        result.append(WeekSales(period, totals.units, totals.producer_share))
    return result


async def settlement_overview(session: AsyncSession, cooperative: Cooperative, period: Period) -> list[Statement]:
    return [await statement(session, cooperative, p, period) for p in await producers_of(session, cooperative.id)]


async def mark_paid(
    session: AsyncSession, cooperative: Cooperative, form: PaymentForm, staff: CurrentUser
) -> Settlement:
    """Record that a producer was paid for a period: the amount is the statement's, never typed in.

    The route's guard has checked that `staff` works for `cooperative`; the producer must belong to it.
    """
    today = local_today(cooperative)
    period = parse_period(form.jenis, form.periode, today)
    errors: dict[str, str] = {}
    producer_id = parse_int(form.producer_id, "producer_id", _("Produsen"), errors, low=1)
    if producer_id is None:
        raise NotFound(_("Produsen tidak ditemukan di koperasi ini."))
    producer = await get_producer(session, cooperative.id, producer_id)
    if form.method not in PAYMENT_METHODS:
        errors["method"] = _("Pilih cara bayar: tunai, transfer bank atau QRIS.")
    reference = parse_text(
        form.reference, "reference", _("Nomor referensi"), errors, required=form.method != "cash", max_length=120
    )
    paid_on = parse_date(form.paid_on, "paid_on", _("Tanggal bayar"), errors) or today
    if paid_on > today:
        errors["paid_on"] = _("Tanggal bayar tidak boleh di masa depan.")
    if period.end > today:
        errors["periode"] = _("Periode ini belum selesai; bayar setelah periode berakhir.")
    raise_errors(errors)
    # One payment at a time per producer: the row lock makes a concurrent payment (another staff member, a
    # week inside this month) wait here and then see this one, so overlapping periods never both pass. The
    # unique key alone only catches the same period twice. SQLite has no row locks; its writers already
    # queue for the whole database (BEGIN IMMEDIATE, app.db).
    await session.execute(select(Producer.id).where(Producer.id == producer.id).with_for_update())
    current = await statement(session, cooperative, producer, period)
    if current.settlement is not None:
        raise Conflict(_("%(name)s sudah dibayar untuk %(period)s.", name=producer.business_name, period=period.label))
    if current.overlapping:
        other = current.overlapping[0]
        raise Conflict(
            _(
                "Sebagian periode ini sudah dibayar (%(start)s–%(end)s). Pakai periode yang tidak tumpang tindih.",
                start=other.period_start.strftime("%d/%m/%Y"),
                end=(other.period_end - datetime.timedelta(days=1)).strftime("%d/%m/%Y"),
            )
        )
    if current.producer_total <= 0:
        raise Conflict(
            _(
                "Tidak ada penjualan %(name)s yang selesai pada %(period)s.",
                name=producer.business_name,
                period=period.label,
            )
        )
    settlement = Settlement(
        cooperative_id=cooperative.id,
        producer_id=producer.id,
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        units_sold=current.units_sold,
        sales_total=current.sales_total,
        producer_total=current.producer_total,
        cancelled_units=current.cancelled_units,
        cancelled_value=current.cancelled_value,
        amount_paid=current.producer_total,
        method=form.method,
        reference=reference,
        paid_on=paid_on,
        paid_by_user_id=staff.id,
        paid_by_label=f"Staf: {staff.name}",
    )
    try:
        # A double-submitted payment for the same period fails here instead of paying twice.
        async with session.begin_nested():
            session.add(settlement)
            await session.flush()
    except IntegrityError:
        paid = _("%(name)s sudah dibayar untuk %(period)s.", name=producer.business_name, period=period.label)
        raise Conflict(paid) from None
    return settlement
