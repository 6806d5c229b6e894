"""Command line: migrate, load the demo data, serve, back up and restore, and the search maintenance commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from alembic import command
from alembic.config import Config

from app.settings import ROOT, Settings

log = logging.getLogger("pasardesa.cli")


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["settings"] = settings
    config.attributes["configure_logging"] = False
    return config


def migrate(settings: Settings) -> None:
    """Bring the schema to the latest revision. Run once, before any app worker starts."""
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    # "heads": feature branches add revisions side by side until a merge revision joins them.
    command.upgrade(alembic_config(settings), "heads")


async def seed_demo(settings: Settings, *, only_if_empty: bool = True) -> str:
    from app.db import DatabaseConfig
    from app.demo.loader import is_empty, load_demo
    from app.registry import import_models
    from finance.rebuild import rebuild_ledger

    import_models()
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            if only_if_empty and not await is_empty(session):
                return "Database sudah berisi data; data demo tidak dimuat."
            summary = await load_demo(session, settings.demo_password)
            await rebuild_ledger(session)  # demo history loaded in bulk enters the books here
            await session.commit()
    finally:
        await db.dispose()
    return (
        f"Data demo dimuat: {summary.cooperatives} koperasi, {summary.producers} produsen, "
        f"{summary.products} produk, {summary.users} akun."
    )


async def reindex(settings: Settings) -> str:
    """Rebuild the search index here if no running app owns it; otherwise ask the app to do it."""
    from app.registry import import_models
    from search.relay import rebuild_index

    import_models()
    return await rebuild_index(settings)


async def sweep_media(settings: Settings) -> str:
    """Delete photo files that no product photo names (left by an upload whose transaction failed)."""
    from app.db import DatabaseConfig
    from app.registry import import_models
    from app.storage import open_media_store
    from producers.media_sweep import sweep_orphans

    import_models()
    db = DatabaseConfig(settings)
    try:
        async with db.session() as session:
            deleted = await sweep_orphans(session, open_media_store(settings))
    finally:
        await db.dispose()
    return f"{len(deleted)} berkas foto tanpa produk dihapus."


async def rebuild_rollups(settings: Settings) -> str:
    """Recompute the daily sales rollups of every cooperative from its orders."""
    from app.db import DatabaseConfig
    from app.registry import import_models
    from orders import rollups

    import_models()
    db = DatabaseConfig(settings)
    try:
        return await rollups.rebuild_database(db)
    finally:
        await db.dispose()


async def generate_catalog(settings: Settings, products: int, cooperatives: int, seed: int) -> str:
    from app.db import DatabaseConfig
    from app.demo.synthetic_catalog import load_synthetic_catalog
    from app.registry import import_models

    import_models()
    db = DatabaseConfig(settings)
    try:
        summary = await load_synthetic_catalog(db, products=products, cooperatives=cooperatives, seed=seed)
    finally:
        await db.dispose()
    return summary


async def load_ceilings(settings: Settings, path: str | None) -> str:
    from pathlib import Path

    from app.db import DatabaseConfig
    from app.registry import import_models
    from catalog import services as catalog

    import_models()
    rows = catalog.read_ceilings(Path(path)) if path else catalog.read_ceilings()
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            added = await catalog.load_ceilings(session, rows)
            await session.commit()
    finally:
        await db.dispose()
    return f"Batas harga dimuat: {added} baru dari {len(rows)} baris."


async def create_operator(settings: Settings, name: str, phone: str, region: str) -> str:
    """The first operator (or another region for one): an account without a password and a one-time link
    to set it. BASE_URL, when set, is the address people open (e.g. https://pasardesa.example)."""
    import os

    from app import platform
    from app.audit import Actor
    from app.clock import local_time
    from app.db import DatabaseConfig
    from app.models import PlatformRole
    from app.registry import import_models

    import_models()
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            user, link = await platform.grant(
                session, Actor(user=None, acting_as=None), PlatformRole.OPERATOR, name, phone, region
            )
            await session.commit()
    finally:
        await db.dispose()
    base = os.environ.get("BASE_URL", "").strip() or f"http://{settings.host}:{settings.port}"
    return (
        f"Operator: {user.name} ({user.phone}), wilayah {region or 'seluruh Indonesia'}.\n"
        f"Tautan untuk membuat kata sandi (sekali pakai, berlaku sampai {local_time(link.expires_at)}):\n"
        f"{link.url(base)}"
    )


def serve(settings: Settings) -> None:
    import uvicorn

    from app.secret_key import resolve_secret_keys

    resolve_secret_keys(settings)  # no key in production: stop here, before migrating or forking workers
    migrate(settings)
    if settings.demo_mode:
        print(asyncio.run(seed_demo(settings)), flush=True)
    print(f"Pasar Desa berjalan di http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(
        "app.asgi:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        # The app reads X-Forwarded-For itself, only from TRUSTED_PROXIES (app.security); the server's
        # own handling would believe any local peer and hide the real one from the app.
        proxy_headers=False,
        log_level="info",
        access_log=settings.access_log,
    )


async def rekey_nik(settings: Settings) -> str:
    """Rewrite NIKs sealed under SECRET_KEY_PREVIOUS with SECRET_KEY, so the previous key can be dropped."""
    from app import accounts, nik_vault
    from app.db import DatabaseConfig
    from app.secret_key import resolve_secret_keys

    vault = nik_vault.NikVault.from_secrets(resolve_secret_keys(settings))
    db = DatabaseConfig(settings)
    try:
        async with db.session(write=True) as session:
            count = await accounts.rekey_niks(session, vault)
            await session.commit()
    finally:
        await db.dispose()
    return f"{count} NIK ditulis ulang dengan SECRET_KEY sekarang; SECRET_KEY_PREVIOUS boleh dihapus."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pasardesa", description="Pasar Desa: pasar koperasi desa.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    seed = sub.add_parser("seed-demo", help="load the demo cooperatives into an empty database")
    seed.add_argument("--force", action="store_true", help="load even if the database has data")
    sub.add_parser("serve", help="migrate, load demo data if empty, and serve")
    sub.add_parser("reindex", help="rebuild the search index from the database")
    sub.add_parser("rekey-nik", help="after rotating SECRET_KEY: rewrite stored NIKs under the new key")
    sub.add_parser("rebuild-ledger", help="post recorded money events missing from the ledger, and opening entries")
    sub.add_parser("rebuild-rollups", help="recompute the daily sales rollups from the orders")
    sub.add_parser("sweep-media", help="delete photo files no product names (left by failed uploads)")
    gen = sub.add_parser("generate-catalog", help="load a synthetic catalog for benchmarks")
    gen.add_argument("--products", type=int, default=10_000)
    gen.add_argument("--cooperatives", type=int, default=20)
    gen.add_argument("--seed", type=int, default=1)
    province = sub.add_parser("generate-province", help="a synthetic Kalimantan Selatan (2,016 cooperatives)")
    province.add_argument("--scale", type=float, default=1.0, help="shrink every count but the cooperatives")
    province.add_argument("--seed", type=int, default=1)
    ceilings = sub.add_parser("load-ceilings", help="add government price ceilings (HET/HAP) from a JSON file")
    ceilings.add_argument("path", nargs="?", help="JSON file like catalog/data/price_ceilings.json (the default)")
    operator = sub.add_parser("create-operator", help="an operator (Dinas Koperasi) and a link to set a password")
    operator.add_argument("--name", required=True)
    operator.add_argument("--phone", required=True)
    operator.add_argument("--region", default="", help="region code, e.g. 63 or 63.03 (default: whole country)")
    backup = sub.add_parser("backup", help="copy the database and VAR_DIR's files into a new folder, while running")
    backup.add_argument("dest", help="a folder that does not exist yet (or is empty)")
    restore = sub.add_parser("restore", help="put a backup in place (stop the app first)")
    restore.add_argument("src", help="a folder made by `backup`")
    restore.add_argument("--force", action="store_true", help="overwrite a database that already holds data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    if args.command == "migrate":
        migrate(settings)
        print("Migrasi selesai.")
    elif args.command == "seed-demo":
        print(asyncio.run(seed_demo(settings, only_if_empty=not args.force)))
    elif args.command == "reindex":
        print(asyncio.run(reindex(settings)))
    elif args.command == "rekey-nik":
        print(asyncio.run(rekey_nik(settings)))
    elif args.command == "rebuild-ledger":
        from finance.rebuild import rebuild_command

        print(asyncio.run(rebuild_command(settings)))
    elif args.command == "sweep-media":
        print(asyncio.run(sweep_media(settings)))
    elif args.command == "rebuild-rollups":
        migrate(settings)
        print(asyncio.run(rebuild_rollups(settings)))
    elif args.command == "generate-catalog":
        if args.products < 1 or args.cooperatives < 1:
            parser.error("--products and --cooperatives must be at least 1")
        print(asyncio.run(generate_catalog(settings, args.products, args.cooperatives, args.seed)))
    elif args.command == "generate-province":
        if not 0 < args.scale <= 1:
            parser.error("--scale must be above 0 and at most 1")
        from app.demo.province import generate_province

        migrate(settings)
        print(asyncio.run(generate_province(settings, scale=args.scale, seed=args.seed)))
    elif args.command == "load-ceilings":
        print(asyncio.run(load_ceilings(settings, args.path)))
    elif args.command == "create-operator":
        return _create_operator(args, settings)
    elif args.command in {"backup", "restore", "serve"}:
        return _operate(args, settings)
    return 0


def _create_operator(args: argparse.Namespace, settings: Settings) -> int:
    from app.errors import DomainError

    migrate(settings)
    try:
        print(asyncio.run(create_operator(settings, args.name, args.phone, args.region)))
    except DomainError as exc:
        print(" ".join(dict.fromkeys([exc.message, *exc.field_errors.values()])), file=sys.stderr)
        return 2
    return 0


def _operate(args: argparse.Namespace, settings: Settings) -> int:
    """Commands an operator runs on a live installation: a refusal is a message, not a traceback."""
    from pathlib import Path

    from app.backup import BackupError, backup, restore
    from app.secret_key import MissingSecretKey

    try:
        if args.command == "backup":
            print(backup(settings, Path(args.dest)))
        elif args.command == "restore":
            print(restore(settings, Path(args.src), force=args.force))
        else:
            serve(settings)
    except (BackupError, MissingSecretKey) as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
