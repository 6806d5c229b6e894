"""Writing journal entries: the balance rule every entry passes, and the one insert every posting goes through."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select

from finance.chart import KIND_OF
from finance.models import JournalEntry, JournalLine, YearClose

# The entry that allocates a closed year's SHU is the one posting dated inside it after it closes.
CLOSING_SOURCE = "shu_close"


class UnbalancedEntry(ValueError):
    """A posting whose debits differ from its credits: a bug, never a user's mistake."""


@dataclass(frozen=True)
class Line:
    account: str
    debit: int = 0
    credit: int = 0
    member_user_id: int | None = None
    producer_id: int | None = None


@dataclass
class Draft:
    """An entry before it is written: checked balanced by `check`."""

    cooperative_id: int
    entry_date: datetime.date
    memo: str
    source_type: str
    source_id: int | None
    lines: list[Line] = field(default_factory=list)
    reverses_id: int | None = None

    def debit(self, account: str, amount: int, **tags: int | None) -> Draft:
        return self._add(account, amount, 0, tags)

    def credit(self, account: str, amount: int, **tags: int | None) -> Draft:
        return self._add(account, 0, amount, tags)

    def _add(self, account: str, debit: int, credit: int, tags: dict[str, int | None]) -> Draft:
        # A negative amount flips sides, so callers can post differences without branching.
        if debit < 0 or credit < 0:
            debit, credit = -credit, -debit
        if debit or credit:
            self.lines.append(Line(account, debit, credit, tags.get("member_user_id"), tags.get("producer_id")))
        return self


def check(draft: Draft) -> None:
    """Debits equal credits, every amount a whole non-negative rupiah, every account in the chart."""
    for line in draft.lines:
        if line.account not in KIND_OF:
            raise UnbalancedEntry(f"Akun {line.account} tidak ada di bagan akun.")  # i18n: not shown
        for amount in (line.debit, line.credit):
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                raise UnbalancedEntry(f"Jumlah tidak sah pada akun {line.account}: {amount!r}.")  # i18n: not shown
    debit = sum(line.debit for line in draft.lines)
    credit = sum(line.credit for line in draft.lines)
    if debit != credit:
        raise UnbalancedEntry(f"Jurnal tidak seimbang ({draft.memo}): debit {debit} ≠ kredit {credit}.")  # i18n: not shown  # noqa: E501


def already_posted(conn: Connection, cooperative_id: int, source_type: str, source_id: int | None) -> bool:
    if source_id is None:
        return False
    found = conn.execute(
        select(JournalEntry.id).where(
            JournalEntry.cooperative_id == cooperative_id,
            JournalEntry.source_type == source_type,
            JournalEntry.source_id == source_id,
        )
    ).first()
    return found is not None


def write(conn: Connection, draft: Draft) -> int | None:
    """Insert a checked entry and its lines; an entry with no lines (a zero amount) is not written."""
    ids = write_many(conn, [draft])
    return ids[0] if ids else None


def write_many(
    conn: Connection, drafts: list[Draft], *, closed_years: Mapping[int, int | None] | None = None
) -> list[int]:
    """Insert checked entries and their lines in two statements (history replays post thousands at once).

    `closed_years`: the last closed year of cooperatives the caller has read already (None: no year closed)."""
    for draft in drafts:
        check(draft)
    drafts = [d for d in drafts if d.lines]
    if not drafts:
        return []
    _move_out_of_closed_years(conn, drafts, closed_years or {})
    now = datetime.datetime.now(datetime.UTC)
    stamps = {"created_at": now, "updated_at": now}
    entries = [
        {
            "cooperative_id": d.cooperative_id,
            "entry_date": d.entry_date,
            "memo": d.memo[:200],
            "source_type": d.source_type,
            "source_id": d.source_id,
            "reverses_id": d.reverses_id,
            **stamps,
        }
        for d in drafts
    ]
    ids = _insert_entries(conn, drafts, entries)
    conn.execute(
        insert(JournalLine),
        [
            {
                "entry_id": entry_id,
                "cooperative_id": draft.cooperative_id,
                "account_code": line.account,
                "debit": line.debit,
                "credit": line.credit,
                "member_user_id": line.member_user_id,
                "producer_id": line.producer_id,
                **stamps,
            }
            for entry_id, draft in zip(ids, drafts, strict=True)
            for line in draft.lines
        ],
    )
    return ids


def _insert_entries(conn: Connection, drafts: list[Draft], entries: list[dict[str, Any]]) -> list[int]:
    """The entries' ids, in the drafts' order. Entries told apart by their source are matched to their ids by it:
    one statement on SQLite too, whose RETURNING promises no order (an insert sorted by parameter order there
    is one statement per row)."""
    keys = [(d.source_type, d.source_id) for d in drafts]
    if len(drafts) > 1 and all(source is not None for _, source in keys) and len(set(keys)) == len(keys):
        returned = conn.execute(
            insert(JournalEntry).returning(JournalEntry.id, JournalEntry.source_type, JournalEntry.source_id), entries
        )
        by_source = {(kind, source): int(entry_id) for entry_id, kind, source in returned.tuples()}
        return [by_source[key] for key in keys]
    returned = conn.execute(insert(JournalEntry).returning(JournalEntry.id, sort_by_parameter_order=True), entries)
    return [int(i) for i in returned.scalars().all()]


def last_closed_year(conn: Connection, cooperative_ids: set[int]) -> dict[int, int]:
    rows = conn.execute(
        select(YearClose.cooperative_id, func.max(YearClose.year))
        .where(YearClose.cooperative_id.in_(cooperative_ids))
        .group_by(YearClose.cooperative_id)
    )
    return {int(c): int(y) for c, y in rows.tuples()}


def _move_out_of_closed_years(conn: Connection, drafts: list[Draft], known: Mapping[int, int | None]) -> None:
    """The books of a closed year never change: an event dated in it (a late, back-dated record) is booked on
    1 January after the last closed year, with its real date in the memo."""
    unknown = {d.cooperative_id for d in drafts} - known.keys()
    closed = {c: y for c, y in known.items() if y is not None}
    if unknown:
        closed.update(last_closed_year(conn, unknown))
    for draft in drafts:
        last = closed.get(draft.cooperative_id)
        if last is None or draft.entry_date.year > last or draft.source_type == CLOSING_SOURCE:
            continue
        draft.memo = f"{draft.memo} (tgl {draft.entry_date:%d/%m/%Y}, tahun {last} sudah ditutup)"  # i18n: not shown
        draft.entry_date = datetime.date(last + 1, 1, 1)


def reversal(conn: Connection, entry_id: int, entry_date: datetime.date, memo: str) -> Draft:
    """The entry that undoes `entry_id`: the same lines with debit and credit swapped."""
    entry = conn.execute(select(JournalEntry).where(JournalEntry.id == entry_id)).one()
    draft = Draft(entry.cooperative_id, entry_date, memo, "reversal", entry_id, reverses_id=entry_id)
    for row in conn.execute(select(JournalLine).where(JournalLine.entry_id == entry_id).order_by(JournalLine.id)):
        draft.lines.append(Line(row.account_code, row.credit, row.debit, row.member_user_id, row.producer_id))
    return draft
