"""The ledger as CSV for auditors: one row per journal line, in whole rupiah."""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.csv import csv_text
from app.i18n import N_, _
from app.models import Cooperative
from finance.models import JournalEntry, JournalLine
from finance.statements import names

HEADERS = (
    N_("Tanggal"),
    N_("No. jurnal"),
    N_("Keterangan"),
    N_("Kode akun"),
    N_("Nama akun"),
    N_("Debit"),
    N_("Kredit"),
)


async def export(session: AsyncSession, cooperative: Cooperative, year: int | None) -> str:
    """Every line of every entry (of `year` if given) in date and entry order; app.csv guards formula cells."""
    query = (
        select(JournalEntry.entry_date, JournalEntry.id, JournalEntry.memo)
        .add_columns(JournalLine.account_code, JournalLine.debit, JournalLine.credit)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.cooperative_id == cooperative.id)
        .order_by(JournalEntry.entry_date, JournalEntry.id, JournalLine.id)
    )
    if year is not None:
        query = query.where(
            JournalEntry.entry_date >= datetime.date(year, 1, 1), JournalEntry.entry_date <= datetime.date(year, 12, 31)
        )
    named = await names(session, cooperative.id)
    rows = [
        (day.isoformat(), entry_id, memo, code, named.get(code, code), int(debit), int(credit))
        for day, entry_id, memo, code, debit, credit in (await session.execute(query)).tuples()
    ]
    return csv_text(tuple(_(header) for header in HEADERS), rows)
