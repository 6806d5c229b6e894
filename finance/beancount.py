"""The ledger as a Beancount file, for auditors and for Beancount's own checker (`bean-check`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Cooperative
from finance import chart
from finance.chart import Kind
from finance.models import JournalEntry, JournalLine
from finance.statements import names

_ROOTS = {
    Kind.ASSET: "Assets",
    Kind.LIABILITY: "Liabilities",
    Kind.EQUITY: "Equity",
    Kind.REVENUE: "Income",
    Kind.EXPENSE: "Expenses",
}
CURRENCY = "IDR"


def account_name(code: str, name: str) -> str:
    """`Assets:1101-Kas`: Beancount wants a capitalised root and components of letters, digits and dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z0-9]+", " ", ascii_name).split()
    return f"{_ROOTS[chart.KIND_OF[code]]}:{code}-{'-'.join(w.capitalize() for w in words)}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', "'").replace("\n", " ") + '"'


async def export(session: AsyncSession, cooperative: Cooperative) -> str:
    return "".join([line async for line in lines(session, cooperative)])


async def lines(session: AsyncSession, cooperative: Cooperative) -> AsyncIterator[str]:
    named = await names(session, cooperative.id)
    accounts = {code: account_name(code, named[code]) for code in chart.KIND_OF}
    entries = (
        await session.scalars(
            select(JournalEntry)
            .where(JournalEntry.cooperative_id == cooperative.id)
            .order_by(JournalEntry.entry_date, JournalEntry.id)
        )
    ).all()
    first = min((e.entry_date for e in entries), default=None)
    yield f'option "title" {_quoted(cooperative.name)}\noption "operating_currency" "{CURRENCY}"\n\n'
    if first is None:
        return
    for code, _, _ in chart.DEFAULT_CHART:
        yield f"{first.isoformat()} open {accounts[code]} {CURRENCY}\n"
    posted = await session.execute(
        select(JournalLine.entry_id, JournalLine.account_code, JournalLine.debit, JournalLine.credit)
        .where(JournalLine.cooperative_id == cooperative.id)
        .order_by(JournalLine.entry_id, JournalLine.id)
    )
    by_entry: dict[int, list[tuple[str, int]]] = {}
    for entry_id, code, debit, credit in posted.tuples():
        by_entry.setdefault(entry_id, []).append((code, int(debit) - int(credit)))
    for entry in entries:
        yield f"\n{entry.entry_date.isoformat()} * {_quoted(entry.memo)}\n"
        yield f'  ledger-id: "{entry.id}"\n'
        for code, amount in by_entry.get(entry.id, []):
            yield f"  {accounts[code]}  {amount} {CURRENCY}\n"
