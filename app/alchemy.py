"""The request's database session in Litestar (a `db_session` dependency, committed or rolled back before the
response) and the database-backed session store.

advanced-alchemy's Litestar extension did this, but importing any part of it loads its command line (alembic,
rich-click): ~15 MB in every app worker for what is a page of code. Models, column types and the session
listeners still come from advanced-alchemy's core.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any, cast

from advanced_alchemy.base import UUIDv7Base
from advanced_alchemy.config.asyncio import AsyncSessionConfig, SQLAlchemyAsyncConfig
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol
from litestar.stores.base import NamespacedStore
from litestar.types import Message, Scope
from sqlalchemy import Index, LargeBinary, String, UniqueConstraint, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, declarative_mixin, declared_attr, mapped_column
from sqlalchemy.sql.base import Executable

__all__ = ["RequestSessions", "SessionStore", "SessionsPlugin", "StoreModelMixin"]

log = logging.getLogger("pasardesa.db")

# Where the request's session lives in the ASGI scope (the same place advanced-alchemy kept it).
_SCOPE_NAMESPACE = "_aa_connection_state"
_SESSION_KEY = "_sqlalchemy_db_session"
# After these the request's session is finished: the response has started or the client went away.
_TERMINUS = frozenset({"http.response.start", "http.disconnect", "websocket.disconnect", "websocket.close"})


class RequestSessions:
    """One database session per request, made on first use and ended before the response goes out."""

    def __init__(self, engine: AsyncEngine, *, dependency_key: str = "db_session") -> None:
        self.engine = engine
        self.dependency_key = dependency_key
        # advanced-alchemy's core session factory: it registers the listeners that stamp `updated_at`.
        self.sessionmaker: Callable[[], AsyncSession] = SQLAlchemyAsyncConfig(
            engine_instance=engine, session_config=AsyncSessionConfig(expire_on_commit=False)
        ).create_session_maker()

    @staticmethod
    def current(scope: Scope) -> AsyncSession | None:
        """The request's session if it has one."""
        return cast("AsyncSession | None", cast("dict[str, Any]", scope).get(_SCOPE_NAMESPACE, {}).get(_SESSION_KEY))

    def provide_session(self, state: State, scope: Scope) -> AsyncSession:
        """The request's session, made on first use (handlers receive it as `db_session`)."""
        del state
        states = cast("dict[str, Any]", scope).setdefault(_SCOPE_NAMESPACE, {})
        session = states.get(_SESSION_KEY)
        if session is None:
            session = states[_SESSION_KEY] = self.sessionmaker()
        return cast("AsyncSession", session)

    def provide_engine(self) -> AsyncEngine:
        return self.engine

    async def before_send(self, message: Message, scope: Scope) -> None:
        """Commit on 2xx/3xx and roll back otherwise when the response starts; close the session at the end."""
        session = self.current(scope)
        if session is None:
            return
        try:
            # The session middleware's unit of work has usually ended the transaction already (see app.web);
            # committing an ended one again would only run its listeners.
            if message["type"] == "http.response.start" and session.in_transaction():
                # A failed commit must not go out as a success: it raises, and the client sees an error.
                if 200 <= message["status"] < 400:
                    await session.commit()
                else:
                    await session.rollback()
        finally:
            if message["type"] in _TERMINUS:
                try:
                    await session.close()
                except Exception:
                    log.debug("request session close failed while sending", exc_info=True)
                cast("dict[str, Any]", scope)[_SCOPE_NAMESPACE].pop(_SESSION_KEY, None)


class SessionsPlugin(InitPluginProtocol):
    """Adds the `db_session` and `db_engine` dependencies and the before-send commit."""

    def __init__(self, sessions: RequestSessions) -> None:
        self.sessions = sessions

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.dependencies.update(
            {
                "db_engine": Provide(self.sessions.provide_engine, sync_to_thread=False),
                self.sessions.dependency_key: Provide(self.sessions.provide_session, sync_to_thread=False),
            }
        )
        app_config.before_send.append(self.sessions.before_send)
        app_config.signature_namespace.update({"AsyncEngine": AsyncEngine, "AsyncSession": AsyncSession})
        return app_config


@declarative_mixin
class StoreModelMixin(UUIDv7Base):
    """A key/value row of a store: the table advanced-alchemy's store used, unchanged (migration 0001)."""

    __abstract__ = True

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            UniqueConstraint(cls.key, cls.namespace, name=f"uq_{cls.__tablename__}_key_namespace"),
            Index(f"ix_{cls.__tablename__}_key_namespace_unique", cls.key, cls.namespace, unique=True),
        )

    @declared_attr
    def key(cls) -> Mapped[str]:
        return mapped_column(String(length=255), nullable=False)

    @declared_attr
    def namespace(cls) -> Mapped[str]:
        return mapped_column(String(length=255), nullable=False)

    @declared_attr
    def value(cls) -> Mapped[bytes]:
        return mapped_column(LargeBinary, nullable=False)

    @declared_attr
    def expires_at(cls) -> Mapped[datetime.datetime]:
        return mapped_column(index=True)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _delta(seconds: int | datetime.timedelta) -> datetime.timedelta:
    return seconds if isinstance(seconds, datetime.timedelta) else datetime.timedelta(seconds=seconds)


class SessionStore(NamespacedStore):
    """A Litestar store in a table, shared by every worker; each call is its own short transaction."""

    def __init__(
        self, sessionmaker: Callable[[], AsyncSession], model: type[StoreModelMixin], namespace: str | None = "LITESTAR"
    ) -> None:
        self._sessionmaker = sessionmaker
        self._model = model
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> SessionStore:
        nested = f"{self.namespace}_{namespace}" if self.namespace else namespace
        return type(self)(self._sessionmaker, self._model, nested)

    def _is(self, key: str) -> tuple[Any, ...]:
        return (self._model.key == key, self._model.namespace == self.namespace)

    async def _run(self, statement: Executable) -> None:
        async with self._sessionmaker() as session:
            await session.execute(statement)
            await session.commit()

    async def set(self, key: str, value: str | bytes, expires_in: int | datetime.timedelta | None = None) -> None:
        data = value if isinstance(value, bytes) else value.encode("utf-8")
        expires_at = None if expires_in is None else _now() + _delta(expires_in)
        values = {"key": key, "namespace": self.namespace, "value": data, "expires_at": expires_at}
        async with self._sessionmaker() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(self._model).values(**values)
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["key", "namespace"],
                    set_={"value": statement.excluded.value, "expires_at": statement.excluded.expires_at},
                )
            )
            await session.commit()

    async def get(self, key: str, renew_for: int | datetime.timedelta | None = None) -> bytes | None:
        now = _now()
        model = self._model
        async with self._sessionmaker() as session:
            value = (
                await session.execute(
                    select(model.value).where(*self._is(key), model.expires_at.is_(None) | (model.expires_at > now))
                )
            ).scalar_one_or_none()
            if value and renew_for:
                await session.execute(update(model).where(*self._is(key)).values(expires_at=now + _delta(renew_for)))
            await session.commit()
        return value or None

    async def delete(self, key: str) -> None:
        await self._run(delete(self._model).where(*self._is(key)))

    async def delete_all(self) -> None:
        if self.namespace is None:
            raise ValueError("a store without a namespace cannot delete everything")
        await self._run(delete(self._model).where(self._model.namespace == self.namespace))

    async def exists(self, key: str) -> bool:
        model = self._model
        async with self._sessionmaker() as session:
            found = await session.execute(
                select(model.key)
                .where(*self._is(key), model.expires_at.is_(None) | (model.expires_at > _now()))
                .limit(1)
            )
            return found.scalar_one_or_none() is not None

    async def expires_in(self, key: str) -> int | None:
        model = self._model
        now = _now()
        async with self._sessionmaker() as session:
            live = (model.expires_at.is_not(None), model.expires_at > now)
            found = await session.execute(select(model.expires_at).where(*self._is(key), *live))
            expires_at = found.scalar_one_or_none()
        return int((expires_at - now).total_seconds()) if expires_at else None
