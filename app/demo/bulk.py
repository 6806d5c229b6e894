"""Bulk loading for generated data: rows buffered per table, written parents first with explicit ids."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import JSON, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import metadata

Row = dict[str, Any]
WITA = datetime.timezone(datetime.timedelta(hours=8))  # Asia/Makassar keeps no daylight saving


def local(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=WITA).astimezone(datetime.UTC)


class BulkWriter:
    """Buffers rows per table and writes them parents first: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn: AsyncConnection, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.written: dict[str, int] = defaultdict(int)
        self.next_ids: dict[str, int] = {}
        self.pending = 0

    async def start(self) -> None:
        for table in metadata.sorted_tables:
            # Only tables keyed by a serial id; sessions, regions and rate limits have keys of their own.
            if table.name != "web_session" and "id" in table.c:
                top = await self.conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))
                self.next_ids[table.name] = int(top or 0) + 1

    def new_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)
        self.pending += 1

    async def flush(self) -> None:
        for table in metadata.sorted_tables:
            rows = self.rows.pop(table.name, None)
            if not rows:
                continue
            if self.postgres:
                columns = list(rows[0])
                as_json = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
                records = [tuple(r.values()) for r in rows]
                if as_json:
                    records = [
                        tuple(json.dumps(v) if i in as_json else v for i, v in enumerate(r)) for r in records
                    ]
                raw = await self.conn.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.copy_records_to_table(table.name, records=records, columns=columns)
            else:
                await self.conn.execute(insert(table), rows)
            self.written[table.name] += len(rows)
        self.pending = 0
        await self.conn.commit()

    async def reset_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's identity sequences behind; move them past the rows written."""
        if not self.postgres:
            return
        for name in self.written:
            # Table names come from the models' metadata, never from input.
            sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM \"{name}\"))"  # noqa: S608
            await self.conn.execute(text(sql))
        await self.conn.commit()

    @property
    def total(self) -> int:
        return sum(self.written.values())
