"""Official region codes (Kepmendagri) as data: the table, its idempotent loader and the pickers' queries."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from sqlalchemy import Index, String, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.text import strip_control

__all__ = [
    "REGIONS_FILE",
    "Region",
    "RegionKind",
    "RegionLevel",
    "RegionLoad",
    "RegionPath",
    "RegionRow",
    "ancestor_codes",
    "children",
    "get",
    "is_region_code",
    "level_of",
    "load_regions",
    "path",
    "read_regions",
    "search",
    "sync_regions",
]

REGIONS_FILE = Path(__file__).resolve().parent / "data" / "kode_wilayah.csv.gz"
# 63 · 63.03 · 63.03.05 · 63.03.05.2008: two digits per level, four for the desa/kelurahan.
_CODE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?")
_INSERT_CHUNK = 5000


class RegionLevel(StrEnum):
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KECAMATAN = "kecamatan"
    DESA = "desa"


class RegionKind(StrEnum):
    KABUPATEN = "kabupaten"
    KOTA = "kota"
    DESA = "desa"
    KELURAHAN = "kelurahan"


_LEVELS = (RegionLevel.PROVINSI, RegionLevel.KABUPATEN, RegionLevel.KECAMATAN, RegionLevel.DESA)


class Region(DefaultBase):
    """One province, kabupaten/kota, kecamatan or desa/kelurahan, keyed by its official code."""

    __tablename__ = "region"
    __table_args__ = (Index("ix_region_parent_code_name", "parent_code", "name"),)

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(13))
    # kabupaten/kota for level 2, desa/kelurahan for level 4 (a desa adat counts as a desa); None otherwise.
    kind: Mapped[str | None] = mapped_column(String(10))

    @property
    def is_desa_level(self) -> bool:
        return self.level == RegionLevel.DESA


# The loader writes through this table description rather than the mapped class, so the migration that
# first fills the table keeps working when later revisions add columns to the model.
_REGION_TABLE = sa.table(
    "region",
    sa.column("code", String),
    sa.column("name", String),
    sa.column("level", String),
    sa.column("parent_code", String),
    sa.column("kind", String),
)


class RegionRow(NamedTuple):
    code: str
    name: str
    level: str
    parent_code: str | None
    kind: str | None


@dataclass(frozen=True)
class RegionLoad:
    inserted: int
    updated: int
    total: int


@dataclass(frozen=True)
class RegionPath:
    """The names above (and including) one code; the deeper levels are None for a shallower code."""

    provinsi: str | None = None
    kabupaten: str | None = None
    kecamatan: str | None = None
    desa: str | None = None

    def label(self) -> str:
        """`Sungai Tabuk, Kabupaten Banjar, Kalimantan Selatan`: the deepest first, as addresses are written."""
        names = [n for n in (self.desa, self.kecamatan, self.kabupaten, self.provinsi) if n]
        return ", ".join(names)


def is_region_code(code: object) -> bool:
    return isinstance(code, str) and _CODE.fullmatch(code) is not None


def level_of(code: str) -> RegionLevel:
    """The level a well-formed code names; ValueError for anything else."""
    if not is_region_code(code):
        raise ValueError(f"not a region code: {code!r}")
    return _LEVELS[code.count(".")]


def ancestor_codes(code: str) -> list[str]:
    """`63.03.05.2008` → `["63", "63.03", "63.03.05", "63.03.05.2008"]`."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _kind(code: str, level: RegionLevel, name: str) -> str | None:
    if level == RegionLevel.DESA:
        # Kepmendagri numbers kelurahan 1xxx, desa 2xxx and desa adat 3xxx.
        return RegionKind.KELURAHAN if code.rsplit(".", 1)[1].startswith("1") else RegionKind.DESA
    if level == RegionLevel.KABUPATEN:
        return RegionKind.KOTA if name.startswith("Kota ") else RegionKind.KABUPATEN
    return None


def read_regions(source: Path = REGIONS_FILE, prefixes: Sequence[str] = ()) -> Iterator[RegionRow]:
    """Rows of the shipped `kode,nama` file (gzip or plain), optionally only under the given codes."""
    starts = tuple(prefixes)
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        reader = csv.reader(text)
        next(reader, None)  # the header: kode,nama
        for record in reader:
            if len(record) < 2:
                continue
            code, name = record[0].strip(), " ".join(record[1].split())
            if not name or not _CODE.fullmatch(code):
                continue
            if starts and not any(code == p or code.startswith(p + ".") for p in starts):
                continue
            level = _LEVELS[code.count(".")]
            parent = code.rsplit(".", 1)[0] if level != RegionLevel.PROVINSI else None
            yield RegionRow(code, name, level, parent, _kind(code, level, name))


def sync_regions(connection: Connection, rows: Iterable[RegionRow] | None = None) -> RegionLoad:
    """Make the table hold `rows` (default: all of Indonesia from the shipped file). Safe to run again.

    Missing codes are inserted and renamed ones updated; codes absent from the file are kept, because
    cooperatives and audit entries may point at them.
    """
    wanted = {r.code: r for r in (read_regions() if rows is None else rows)}
    table = _REGION_TABLE
    existing = {
        row[0]: tuple(row)
        for row in connection.execute(
            select(table.c.code, table.c.name, table.c.level, table.c.parent_code, table.c.kind)
        )
    }
    missing = [r._asdict() for code, r in wanted.items() if code not in existing]
    changed = [r for code, r in wanted.items() if code in existing and existing[code] != r]
    for start in range(0, len(missing), _INSERT_CHUNK):
        connection.execute(sa.insert(table), missing[start : start + _INSERT_CHUNK])
    if changed:
        connection.execute(
            sa.update(table)
            .where(table.c.code == sa.bindparam("b_code"))
            .values(
                name=sa.bindparam("b_name"),
                level=sa.bindparam("b_level"),
                parent_code=sa.bindparam("b_parent"),
                kind=sa.bindparam("b_kind"),
            ),
            [
                {"b_code": r.code, "b_name": r.name, "b_level": r.level, "b_parent": r.parent_code, "b_kind": r.kind}
                for r in changed
            ],
        )
    return RegionLoad(inserted=len(missing), updated=len(changed), total=len(existing) + len(missing))


async def load_regions(session: AsyncSession, prefixes: Sequence[str] = ()) -> RegionLoad:
    """Load the shipped region file (or only the codes under `prefixes`) in the session's transaction."""
    rows = list(read_regions(prefixes=prefixes))
    return await session.run_sync(lambda sync_session: sync_regions(sync_session.connection(), rows))


async def get(session: AsyncSession, code: str) -> Region | None:
    if not is_region_code(code):
        return None
    return await session.get(Region, code)


async def children(session: AsyncSession, parent_code: str | None) -> list[Region]:
    """The regions one level below `parent_code` (provinces for None), sorted by name for a picker."""
    if parent_code is not None and not is_region_code(parent_code):
        return []
    condition = Region.parent_code.is_(None) if parent_code is None else Region.parent_code == parent_code
    return list(await session.scalars(select(Region).where(condition).order_by(Region.name, Region.code)))


async def path(session: AsyncSession, code: str) -> RegionPath | None:
    """Province, kabupaten, kecamatan and desa names of a code, or None when the code is unknown."""
    if not is_region_code(code):
        return None
    found = {r.code: r for r in await session.scalars(select(Region).where(Region.code.in_(ancestor_codes(code))))}
    if code not in found:
        return None
    names = {found[c].level: found[c].name for c in ancestor_codes(code) if c in found}
    return RegionPath(
        provinsi=names.get(RegionLevel.PROVINSI),
        kabupaten=names.get(RegionLevel.KABUPATEN),
        kecamatan=names.get(RegionLevel.KECAMATAN),
        desa=names.get(RegionLevel.DESA),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    session: AsyncSession,
    text: str,
    *,
    within: str | None = None,
    level: RegionLevel | None = None,
    limit: int = 20,
) -> list[Region]:
    """Regions whose name contains `text` (any case), under `within` and at `level` if given.

    Names that start with the text come first, then alphabetical order.
    """
    # PostgreSQL refuses NUL in text parameters; control characters never appear in a name anyway.
    words = " ".join(strip_control(str(text or "")).split())[:80].lower()
    if not words or (within is not None and not is_region_code(within)):
        return []
    lowered = func.lower(Region.name)
    query = select(Region).where(lowered.like(f"%{_escape_like(words)}%", escape="\\"))
    if within is not None:
        query = query.where(Region.code.like(f"{within}.%"))
    if level is not None:
        query = query.where(Region.level == level)
    starts = sa.case((lowered.like(f"{_escape_like(words)}%", escape="\\"), 0), else_=1)
    query = query.order_by(starts, Region.name, Region.code).limit(max(1, min(limit, 100)))
    return list(await session.scalars(query))
