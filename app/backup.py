"""Backup and restore of one installation: a consistent copy of the database and of VAR_DIR's files."""

from __future__ import annotations

import contextlib
import datetime
import glob
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from app.secret_key import SECRET_FILE_NAME
from app.settings import Settings

MANIFEST = "backup.json"
SQLITE_FILE = "pasardesa.sqlite3"
PG_DUMP_FILE = "pasardesa.pgdump"
MEDIA = "media"
FORMAT_VERSION = 1


class BackupError(RuntimeError):
    """Said to the operator as is (Bahasa Indonesia)."""


# -- backup -----------------------------------------------------------------------------------------


def backup(settings: Settings, dest: Path) -> str:
    """Copy the database (online, consistent) and then the files into `dest`, which must be new or empty.

    The database is copied first: every photo a copied row names already exists when the files are
    copied after it. The work happens in a sibling folder renamed at the end, so a half-made
    backup never looks complete.
    """
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} sudah berisi berkas; pilih folder baru atau kosong.")  # i18n: not shown
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if settings.is_sqlite:
        _sqlite_copy(_sqlite_path(settings), partial / SQLITE_FILE)
        database = "sqlite"
    else:
        _pg_dump(settings.database_url, partial / PG_DUMP_FILE)
        database = "postgresql"
    media = settings.var_dir / MEDIA
    # With MEDIA_URL the photos are in the object store, backed up there (versioning or a bucket copy).
    if media.is_dir() and not settings.media_url:
        shutil.copytree(media, partial / MEDIA)
    secret = settings.var_dir / SECRET_FILE_NAME
    if secret.is_file():
        shutil.copy2(secret, partial / SECRET_FILE_NAME)
    manifest = {
        "format": FORMAT_VERSION,
        "database": database,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "media": settings.media_url or "local",
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    if dest.exists():
        dest.rmdir()
    partial.rename(dest)
    if settings.media_url:
        return (
            f"Cadangan selesai di {dest}: basis data {database}. "  # i18n: not shown
            f"Berkas media ada di {settings.media_url} dan tidak disalin: "
            "cadangkan bucket itu sendiri (lihat README, bagian Produksi)."
        )
    files = sum(1 for p in (dest / MEDIA).rglob("*") if p.is_file()) if (dest / MEDIA).exists() else 0
    return f"Cadangan selesai di {dest}: basis data {database} dan {files} berkas media."


def _sqlite_path(settings: Settings) -> Path:
    if settings.sqlite_file is None:
        raise BackupError("DATABASE_URL tidak menunjuk ke berkas SQLite.")  # i18n: not shown
    return settings.sqlite_file


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: one consistent snapshot while the app keeps writing (WAL)."""
    if not source.exists():
        raise BackupError(f"Basis data {source} tidak ada.")  # i18n: not shown
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _pg_binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(
            f"{name} tidak ditemukan. Pasang klien PostgreSQL (paket postgresql-client) "  # i18n: not shown
            "atau cadangkan basis data sendiri dengan `pg_dump --format=custom` (lihat README, bagian Produksi)."
        )
    return found


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A URL libpq tools accept, with the password passed in the environment (not visible in `ps`)."""
    url: URL = make_url(database_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_dump(database_url: str, target: Path) -> None:
    dsn, env = _libpq(database_url)
    _run([_pg_binary("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", f"--dbname={dsn}"], env)


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} gagal:\n{result.stderr.strip()[-2000:]}")


# -- restore ----------------------------------------------------------------------------------------


def restore(settings: Settings, src: Path, *, force: bool = False) -> str:
    """Put a backup made by `backup` in place. Stop the app first.

    Refuses to overwrite a database that already holds tables unless `force`: a restore pointed at
    the wrong place must not erase a live shop.
    """
    manifest_path = src / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{src} bukan folder cadangan Pasar Desa (tidak ada {MANIFEST}).")  # i18n: not shown
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    expected = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest.get("database") != expected:
        raise BackupError(
            f"Cadangan ini dari {manifest.get('database')}, tujuan memakai {expected}."  # i18n: not shown
        )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if settings.is_sqlite:
        _restore_sqlite(src / SQLITE_FILE, _sqlite_path(settings), force=force)
    else:
        _restore_postgres(src / PG_DUMP_FILE, settings.database_url, force=force)
    media = settings.var_dir / MEDIA
    if (src / MEDIA).is_dir():
        shutil.rmtree(media, ignore_errors=True)
        shutil.copytree(src / MEDIA, media)
    secret = settings.var_dir / SECRET_FILE_NAME
    if (src / SECRET_FILE_NAME).is_file() and (force or not secret.exists()):
        shutil.copy2(src / SECRET_FILE_NAME, secret)
        secret.chmod(0o600)
    # An index built from the database that was replaced would answer with products it no longer has.
    shutil.rmtree(settings.search_index_dir, ignore_errors=True)
    created = manifest.get("created_at", "?")
    return f"Cadangan dari {created} dipulihkan. Indeks pencarian dibangun ulang saat mulai."  # i18n: not shown


def _restore_sqlite(backup_file: Path, target: Path, *, force: bool) -> None:
    if _sqlite_has_tables(target) and not force:
        raise BackupError(f"{target} sudah berisi data. Tambahkan --force untuk menimpanya.")  # i18n: not shown
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(backup_file)
    dst = sqlite3.connect(target, timeout=30)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def _restore_postgres(dump: Path, database_url: str, *, force: bool) -> None:
    dsn, env = _libpq(database_url)
    psql = _pg_binary("psql")
    count_tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    probe = subprocess.run(  # noqa: S603
        [psql, "--no-psqlrc", "-At", f"--dbname={dsn}", "-c", count_tables],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise BackupError(f"Basis data tujuan tidak bisa dibuka:\n{probe.stderr.strip()[-2000:]}")  # i18n: not shown
    if int(probe.stdout.strip() or 0) and not force:
        raise BackupError(
            "Basis data tujuan sudah berisi tabel. Tambahkan --force untuk menimpanya."  # i18n: not shown
        )
    args = [_pg_binary("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={dsn}"]
    if force:
        args += ["--clean", "--if-exists"]
    _run([*args, str(dump)], env)
