"""Alembic environment: runs the project's migrations on SQLite or PostgreSQL, asynchronously."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.db import make_engine, metadata
from app.registry import import_models
from app.settings import Settings

import_models()
config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _settings() -> Settings:
    settings = config.attributes.get("settings")
    return settings if isinstance(settings, Settings) else Settings.from_env()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.dialect.name == "sqlite":
        # Foreign keys are not enforced while migrating (see app.db); make sure nothing was left dangling.
        broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise RuntimeError(f"migration left rows pointing at missing rows: {broken[:5]}")


async def _run_async() -> None:
    engine = make_engine(_settings(), for_migrations=True)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_settings().database_url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_async())
