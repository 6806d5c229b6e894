"""CSV exports for staff, headed in the reader's language (Indonesian by default): orders, sales, the stock ledger."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.clock import day_bounds, local_time, local_today
from app.csv import csv_text
from app.forms import parse_date, raise_errors
from app.i18n import N_, _
from app.models import Cooperative, User
from catalog import stock as stockwork
from catalog.models import Product, StockLedgerEntry
from orders import services, state
from orders.models import Order, OrderLine
from orders.sales import line_total, producer_cost, sold_lines
from producers.models import Producer
from reports import sales

MAX_EXPORT_DAYS = 366


@dataclass(frozen=True)
class Export:
    key: str
    filename: str
    title: str
    description: str
    # Which orders count: every sales figure says it (`sales.caption`); None for files without sales figures.
    basis: sales.Basis | None = None

    @property
    def caption(self) -> str | None:
        return _(sales.caption(self.basis)) if self.basis else None


def shown(export: Export) -> Export:
    """The export with its title and description in the request's language (the constants hold Indonesian)."""
    return replace(export, title=_(export.title), description=_(export.description))


def sales_header(basis: sales.Basis) -> str:
    """`Penjualan (pesanan selesai, Rp)`: the sales column names the orders it counts."""
    return _("Penjualan (%(basis)s, Rp)", basis=_(sales.CAPTIONS[basis]))


# Orders placed in the range (the orders file lists every one, cancelled too, with its status).
PRODUCTS_BASIS = sales.Basis.PLACED
# What producers are owed for: the same figures as their statements for the same days.
PRODUCERS_BASIS = sales.Basis.COMPLETED


EXPORTS: dict[str, Export] = {
    e.filename: e
    for e in (
        Export(
            "orders",
            "pesanan.csv",
            N_("Pesanan"),
            N_(
                "Satu baris per pesanan masuk pada tanggal itu, yang dibatalkan juga: status, pembeli, alamat, total."
            ),
        ),
        Export(
            "products",
            "penjualan-produk.csv",
            N_("Penjualan per produk"),
            N_("Jumlah terjual, penjualan, bagian produsen."),
            PRODUCTS_BASIS,
        ),
        Export(
            "producers",
            "penjualan-produsen.csv",
            N_("Penjualan per produsen"),
            N_("Yang terjual dari tiap UMKM dan bagiannya; sama dengan tagihan produsen."),
            PRODUCERS_BASIS,
        ),
        Export("ledger", "buku-stok.csv", N_("Buku stok"), N_("Setiap perubahan stok dengan alasannya.")),
    )
}


@dataclass(frozen=True)
class DateRange:
    first: datetime.date
    last: datetime.date

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def parse_range(cooperative: Cooperative, dari: object, sampai: object) -> DateRange:
    """From/to local dates, inclusive. Defaults: the first of this month to today."""
    errors: dict[str, str] = {}
    today = local_today(cooperative)
    first = parse_date(dari, "dari", _("Tanggal awal"), errors) or today.replace(day=1)
    last = parse_date(sampai, "sampai", _("Tanggal akhir"), errors) or today
    if not errors and first > last:
        errors["sampai"] = _("Tanggal akhir tidak boleh sebelum tanggal awal.")
    if not errors and (last - first).days >= MAX_EXPORT_DAYS:
        errors["dari"] = _("Rentang paling panjang %(n)s hari.", n=MAX_EXPORT_DAYS)
    raise_errors(errors)
    return DateRange(first, last)


async def export_csv(session: AsyncSession, cooperative: Cooperative, filename: str, period: DateRange) -> str:
    export = EXPORTS[filename]
    headers, rows = await _EXPORTERS[export.key](session, cooperative, period)
    return csv_text(headers, rows)


Rows = tuple[list[str], list[list[object]]]


async def _orders(session: AsyncSession, cooperative: Cooperative, period: DateRange) -> Rows:
    start, end = day_bounds(cooperative, period.first, period.last)
    orders = (
        await session.scalars(
            select(Order)
            .where(Order.cooperative_id == cooperative.id, Order.created_at >= start, Order.created_at < end)
            .order_by(Order.id)
        )
    ).all()
    headers = [
        _("Nomor pesanan"),
        _("Waktu pesan"),
        _("Status"),
        _("Status bayar"),
        _("Cara bayar"),
        _("Cara terima"),
        _("Nama pembeli"),
        _("No HP"),
        _("Dusun"),
        _("RT"),
        _("RW"),
        _("Patokan"),
        _("Jumlah barang"),
        _("Subtotal (Rp)"),
        _("Ongkos antar (Rp)"),
        _("Total (Rp)"),
    ]
    rows: list[list[object]] = [
        [
            o.number,
            local_time(o.created_at, cooperative.timezone),
            state.status_label(o.status),
            state.payment_status_label(o.payment_status),
            services.PAYMENT_METHODS.get(o.payment_method, o.payment_method),
            services.FULFILMENTS.get(o.fulfilment, o.fulfilment),
            o.customer_name,
            o.customer_phone,
            o.dusun or "",
            o.rt or "",
            o.rw or "",
            o.landmark or "",
            o.item_count,
            o.subtotal,
            o.delivery_fee,
            o.total,
        ]
        for o in orders
    ]
    return headers, rows


async def _producer_names(session: AsyncSession, cooperative: Cooperative, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(
        select(Producer.id, Producer.business_name).where(
            Producer.id.in_(wanted), Producer.cooperative_id == cooperative.id
        )
    )
    return {pid: name for pid, name in rows.all()}


async def _products(session: AsyncSession, cooperative: Cooperative, period: DateRange) -> Rows:
    start, end = day_bounds(cooperative, period.first, period.last)
    rows = (
        await session.execute(
            sold_lines(PRODUCTS_BASIS, start, end, cooperative_id=cooperative.id)
            .with_only_columns(
                OrderLine.product_id,
                func.max(OrderLine.name),
                OrderLine.unit,
                OrderLine.producer_id,
                func.sum(OrderLine.quantity),
                func.sum(line_total),
                func.sum(producer_cost),
            )
            .group_by(OrderLine.product_id, OrderLine.unit, OrderLine.producer_id)
        )
    ).all()
    names = await _producer_names(session, cooperative, (r[3] for r in rows))
    headers = [
        _("Produk"),
        _("Satuan"),
        _("Produsen"),
        _("Terjual"),
        sales_header(PRODUCTS_BASIS),
        _("Bagian produsen (Rp)"),
        _("Margin koperasi (Rp)"),
    ]
    out: list[list[object]] = []
    for _pid, name, unit, producer_id, quantity, sold, producer_share in sorted(rows, key=lambda r: -int(r[5] or 0)):
        out.append(
            [
                name,
                unit,
                names.get(producer_id, cooperative.short_name) if producer_id else cooperative.short_name,
                int(quantity),
                int(sold),
                int(producer_share),
                int(sold) - int(producer_share),
            ]
        )
    return headers, out


async def _producers(session: AsyncSession, cooperative: Cooperative, period: DateRange) -> Rows:
    after = period.last + datetime.timedelta(days=1)
    figures = await sales.by_producer(session, cooperative, period.first, after, basis=PRODUCERS_BASIS)
    headers = [
        _("Produsen"),
        _("Jumlah pesanan"),
        _("Barang terjual"),
        sales_header(PRODUCERS_BASIS),
        _("Bagian produsen (Rp)"),
        _("Margin koperasi (Rp)"),
    ]
    rows: list[list[object]] = [[f.name, f.orders, f.units, f.sales, f.producer_share, f.margin] for f in figures]
    return headers, rows


async def _ledger(session: AsyncSession, cooperative: Cooperative, period: DateRange) -> Rows:
    start, end = day_bounds(cooperative, period.first, period.last)
    actor = aliased(User)
    rows = (
        await session.execute(
            select(StockLedgerEntry, Product.name, Product.unit, Order.number, actor.name)
            .join(Product, Product.id == StockLedgerEntry.product_id)
            .outerjoin(Order, Order.id == StockLedgerEntry.order_id)
            .outerjoin(actor, actor.id == StockLedgerEntry.user_id)
            .where(
                StockLedgerEntry.cooperative_id == cooperative.id,
                StockLedgerEntry.created_at >= start,
                StockLedgerEntry.created_at < end,
            )
            .order_by(StockLedgerEntry.id)
        )
    ).all()
    headers = [
        _("Waktu"), _("Produk"), _("Satuan"), _("Perubahan"), _("Alasan"), _("Nomor pesanan"), _("Oleh"), _("Catatan")
    ]
    out: list[list[object]] = [
        [
            local_time(entry.created_at, cooperative.timezone),
            name,
            unit,
            entry.delta,
            stockwork.REASON_LABELS.get(entry.reason, entry.reason),
            number or "",
            who or "",
            entry.note or "",
        ]
        for entry, name, unit, number, who in rows
    ]
    return headers, out


_EXPORTERS = {"orders": _orders, "products": _products, "producers": _producers, "ledger": _ledger}
