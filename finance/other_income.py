"""Money the cooperative receives outside its sales (sewa, jasa, bunga bank, hibah…): recorded by the bendahara,
posted to pendapatan lain-lain by finance.events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import local_today
from app.forms import parse_date, parse_rupiah, parse_text, raise_errors
from app.i18n import _
from app.models import Cooperative
from finance.chart import MONEY_ACCOUNTS, OTHER_INCOME_CATEGORIES
from finance.models import OtherIncome
from finance.schemas import OtherIncomeForm

MAX_NOTE = 300


async def record(
    session: AsyncSession, cooperative: Cooperative, form: OtherIncomeForm, recorder_id: int
) -> OtherIncome:
    errors: dict[str, str] = {}
    day = parse_date(form.date, "date", _("Tanggal"), errors) or local_today(cooperative)
    if form.category not in OTHER_INCOME_CATEGORIES:
        errors["category"] = _("Pilih jenis pendapatan dari daftar.")
    if form.received_into not in MONEY_ACCOUNTS:
        errors["received_into"] = _("Pilih uang masuk ke kas atau bank.")
    amount = parse_rupiah(form.amount, "amount", _("Jumlah"), errors)
    note = parse_text(form.note, "note", _("Catatan"), errors, required=False, max_length=MAX_NOTE)
    if day > local_today(cooperative):
        errors["date"] = _("Tanggal pendapatan tidak boleh di masa depan.")
    raise_errors(errors)
    assert amount is not None
    income = OtherIncome(
        cooperative_id=cooperative.id,
        occurred_on=day,
        category=form.category,
        amount=amount,
        received_into=form.received_into,
        note=note,
        recorded_by=recorder_id,
    )
    session.add(income)
    await session.flush()
    return income


async def recent(session: AsyncSession, cooperative_id: int, limit: int = 30) -> Sequence[OtherIncome]:
    query = (
        select(OtherIncome)
        .where(OtherIncome.cooperative_id == cooperative_id)
        .order_by(OtherIncome.occurred_on.desc(), OtherIncome.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()
