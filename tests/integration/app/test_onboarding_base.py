"""Regions, one-time tokens and the audit log on a migrated database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select

from app import audit, regions, tokens
from app.db import DatabaseConfig
from app.models import Cooperative
from app.regions import Region, RegionLevel
from app.settings import Settings
from app.tokens import OneTimeToken, TokenInvalid, TokenPurpose

NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
async def db(quiet_settings: Settings) -> AsyncIterator[DatabaseConfig]:
    config = DatabaseConfig(quiet_settings)
    yield config
    await config.dispose()


# --- regions -----------------------------------------------------------------------------------------


async def test_the_migration_loaded_every_region_and_loading_again_changes_nothing(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        assert await session.scalar(select(func.count()).select_from(Region)) == 91599
        again = await regions.load_regions(session)
        await session.commit()
    assert (again.inserted, again.updated, again.total) == (0, 0, 91599)


async def test_a_renamed_region_is_updated_and_none_is_deleted(db: DatabaseConfig) -> None:
    original = next(r for r in regions.read_regions(prefixes=["63.03.05"]) if r.code == "63.03.05.2009")
    async with db.session(write=True) as session:
        renamed = await session.run_sync(
            lambda s: regions.sync_regions(s.connection(), [original._replace(name="Sungai Sipai Baru")])
        )
        assert (renamed.inserted, renamed.updated) == (0, 1)
        assert (await regions.get(session, "63.03.05.2009")).name == "Sungai Sipai Baru"  # type: ignore[union-attr]
        await session.rollback()
    async with db.session() as session:
        assert (await regions.get(session, "63.03.05.2009")).name == "Sungai Sipai"  # type: ignore[union-attr]


async def test_pickers(db: DatabaseConfig) -> None:
    async with db.session() as session:
        provinces = await regions.children(session, None)
        assert len(provinces) == 38
        assert [p.name for p in provinces] == sorted(p.name for p in provinces)
        kabupaten = await regions.children(session, "63")
        assert len(kabupaten) == 13
        assert kabupaten[0].name == "Kabupaten Balangan"
        assert [k.name for k in kabupaten] == sorted(k.name for k in kabupaten)
        desa = await regions.children(session, "63.03.05")
        assert "Sungai Sipai" in [d.name for d in desa]
        assert all(d.level == RegionLevel.DESA for d in desa)
        assert await regions.children(session, "bukan kode") == []
        assert await regions.children(session, "99.99") == []


async def test_get_and_path(db: DatabaseConfig) -> None:
    async with db.session() as session:
        sipai = await regions.get(session, "63.03.05.2009")
        assert sipai is not None
        assert (sipai.name, sipai.level, sipai.kind, sipai.parent_code) == ("Sungai Sipai", "desa", "desa", "63.03.05")
        assert await regions.get(session, "63.03.05.9999") is None
        assert await regions.get(session, "' OR 1=1 --") is None
        path = await regions.path(session, "63.03.05.2009")
        assert path == regions.RegionPath("Kalimantan Selatan", "Kabupaten Banjar", "Martapura", "Sungai Sipai")
        assert path.label() == "Sungai Sipai, Martapura, Kabupaten Banjar, Kalimantan Selatan"
        assert await regions.path(session, "63.03") == regions.RegionPath("Kalimantan Selatan", "Kabupaten Banjar")
        assert await regions.path(session, "63.99.99.9999") is None


async def test_search_within_a_parent(db: DatabaseConfig) -> None:
    async with db.session() as session:
        found = await regions.search(session, "sungai", within="63.03", level=RegionLevel.DESA, limit=100)
        assert found
        assert all(r.code.startswith("63.03.") and "sungai" in r.name.lower() for r in found)
        assert [r.name for r in await regions.search(session, "SIPAI", within="63.03.05")] == ["Sungai Sipai"]
        # Names that start with the text come first.
        martapura = await regions.search(session, "martapura", within="63.03")
        assert martapura[0].name.lower().startswith("martapura")
        # LIKE wildcards are taken literally; odd input finds nothing and never fails.
        assert await regions.search(session, "%", within="63") == []
        assert await regions.search(session, "_", within="63") == []
        assert await regions.search(session, "   ") == []
        assert await regions.search(session, "sungai", within="bukan") == []
        assert await regions.search(session, "ñ\x00" * 50) == []


async def test_loading_only_one_province_into_an_empty_table(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        await session.execute(delete(Region))
        loaded = await regions.load_regions(session, prefixes=["63"])
        assert (loaded.inserted, loaded.total) == (2186, 2186)
        await session.rollback()


# --- one-time tokens ---------------------------------------------------------------------------------


async def test_a_token_is_stored_hashed_and_works_once(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        raw, row = await tokens.issue(session, TokenPurpose.PASSWORD_SETUP, 101, now=NOW)
        await session.commit()
    assert len(raw) >= 43
    assert row.token_hash == tokens.hash_token(raw) != raw
    assert row.expires_at == NOW + datetime.timedelta(hours=48)
    async with db.session() as session:
        stored = await session.scalar(select(OneTimeToken).where(OneTimeToken.id == row.id))
        assert stored is not None
        assert raw not in (stored.token_hash, str(stored.subject_id))
        assert (await tokens.find(session, TokenPurpose.PASSWORD_SETUP, raw, now=NOW)) is not None
        # The wrong purpose is no use: a reset link cannot accept an invitation.
        assert (await tokens.find(session, TokenPurpose.INVITATION, raw, now=NOW)) is None
    async with db.session(write=True) as session:
        used = await tokens.consume(session, TokenPurpose.PASSWORD_SETUP, raw, now=NOW)
        await session.commit()
    assert (used.id, used.subject_id, used.used_at) == (row.id, 101, NOW)
    async with db.session(write=True) as session:
        with pytest.raises(TokenInvalid) as caught:
            await tokens.consume(session, TokenPurpose.PASSWORD_SETUP, raw, now=NOW)
    assert caught.value.message == "Tautan ini sudah dipakai atau kedaluwarsa. Minta tautan baru ke pengurus koperasi."


async def test_an_expired_token_is_refused(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        raw, _ = await tokens.issue(session, TokenPurpose.INVITATION, 7, now=NOW)
        await session.commit()
    week = datetime.timedelta(days=7)
    async with db.session(write=True) as session:
        assert await tokens.find(session, TokenPurpose.INVITATION, raw, now=NOW + week - datetime.timedelta(seconds=1))
        assert await tokens.find(session, TokenPurpose.INVITATION, raw, now=NOW + week) is None
        with pytest.raises(TokenInvalid):
            await tokens.consume(session, TokenPurpose.INVITATION, raw, now=NOW + week)


@pytest.mark.parametrize(
    "raw", ["", "x", "ä" * 43, "a" * 10_000, "abc def" * 7, "%00" * 20, "../../etc/passwd" * 3, None, 12345, b"bytes"]
)
async def test_absurd_input_is_refused_without_crashing(db: DatabaseConfig, raw: object) -> None:
    async with db.session(write=True) as session:
        assert await tokens.find(session, TokenPurpose.PASSWORD_RESET, raw) is None
        with pytest.raises(TokenInvalid):
            await tokens.consume(session, TokenPurpose.PASSWORD_RESET, raw)


async def test_two_concurrent_uses_of_one_link_have_one_winner(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        raw, row = await tokens.issue(session, TokenPurpose.PASSWORD_RESET, 55)
        await session.commit()

    async def use() -> str:
        async with db.session(write=True) as session:
            try:
                await tokens.consume(session, TokenPurpose.PASSWORD_RESET, raw)
            except TokenInvalid:
                return "refused"
            # Hold the transaction open so the other request really overlaps it.
            await asyncio.sleep(0.3)
            await session.commit()
            return "won"

    outcomes = await asyncio.gather(*(use() for _ in range(4)))
    assert sorted(outcomes) == ["refused", "refused", "refused", "won"]
    async with db.session() as session:
        stored = await session.get(OneTimeToken, row.id)
        assert stored is not None
        assert stored.used_at is not None


async def test_a_new_reset_link_revokes_the_old_one(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        old, _ = await tokens.issue(session, TokenPurpose.PASSWORD_RESET, 77)
        assert await tokens.revoke(session, TokenPurpose.PASSWORD_RESET, 77) == 1
        new, _ = await tokens.issue(session, TokenPurpose.PASSWORD_RESET, 77)
        await session.commit()
    async with db.session(write=True) as session:
        with pytest.raises(TokenInvalid):
            await tokens.consume(session, TokenPurpose.PASSWORD_RESET, old)
        assert (await tokens.consume(session, TokenPurpose.PASSWORD_RESET, new)).subject_id == 77
        await session.commit()


# --- audit log ---------------------------------------------------------------------------------------


async def test_audit_entries_per_cooperative_and_per_region(db: DatabaseConfig) -> None:
    async with db.session(write=True) as session:
        cooperative_id = await session.scalar(select(Cooperative.id).order_by(Cooperative.id).limit(1))
        assert cooperative_id is not None
        base = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        for minute in range(5):
            audit.record(
                session,
                "staff.invited",
                acting_as="pengurus",
                cooperative_id=cooperative_id,
                region_code="63.03.05.2009",
                target_type="invitation",
                target_id=minute,
                detail={"role": "petugas", "nomor": minute},
                client_address="2001:db8::1",
                at=base + datetime.timedelta(minutes=minute),
            )
        audit.record(session, "cooperative.approved", acting_as="operator", region_code="63.10.01.2001", at=base)
        audit.record(session, "cooperative.approved", acting_as="operator", region_code="64.01", at=base)
        hostile = audit.record(session, "reset.issued", actor_label="Nama\x00Jahat", region_code="bukan-kode", at=base)
        await session.commit()
    assert (hostile.actor_label, hostile.region_code) == ("NamaJahat", None)

    async with db.session() as session:
        first = await audit.for_cooperative(session, cooperative_id, per_page=2)
        assert [e.target_id for e in first.entries] == ["4", "3"]
        assert first.has_more
        last = await audit.for_cooperative(session, cooperative_id, page=3, per_page=2)
        assert [e.target_id for e in last.entries] == ["0"]
        assert not last.has_more
        assert last.entries[0].detail == {"role": "petugas", "nomor": 0}
        assert last.entries[0].client_address == "2001:db8::1"

        banjar = await audit.for_region(session, "63.03", per_page=50)
        assert {e.region_code for e in banjar.entries} == {"63.03.05.2009"}
        kalsel = await audit.for_region(session, "63", per_page=50)
        assert {e.region_code for e in kalsel.entries} >= {"63.03.05.2009", "63.10.01.2001"}
        assert "64.01" not in {e.region_code for e in kalsel.entries}
        country = await audit.for_region(session, None, per_page=200)
        assert {"64.01", None} <= {e.region_code for e in country.entries}
        assert (await audit.for_region(session, "6%")).entries == []
