"""One-time links (password setup, invitations, resets): random, stored hashed, single use, expiring."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, ColumnElement, CursorResult, ForeignKey, Index, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.errors import DomainError
from app.i18n import N_, _

__all__ = [
    "DEFAULT_TTL",
    "INVALID_MESSAGE",
    "IssuedLink",
    "OneTimeToken",
    "TokenInvalid",
    "TokenPurpose",
    "consume",
    "find",
    "hash_token",
    "issue",
    "issue_link",
    "revoke",
]

INVALID_MESSAGE = N_("Tautan ini sudah dipakai atau kedaluwarsa. Minta tautan baru ke pengurus koperasi.")
# secrets.token_urlsafe(32) gives 43 characters; anything far outside that cannot be ours.
_RAW = re.compile(r"[A-Za-z0-9_-]{16,128}")


class TokenPurpose(StrEnum):
    PASSWORD_SETUP = "password_setup"  # noqa: S105 (a purpose name, not a secret)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    INVITATION = "invitation"


DEFAULT_TTL: dict[TokenPurpose, datetime.timedelta] = {
    TokenPurpose.PASSWORD_SETUP: datetime.timedelta(hours=48),
    TokenPurpose.PASSWORD_RESET: datetime.timedelta(hours=48),
    TokenPurpose.INVITATION: datetime.timedelta(days=7),
}


# Where each kind of link leads; the raw token follows.
LINK_PATHS: dict[TokenPurpose, str] = {
    TokenPurpose.PASSWORD_SETUP: "/atur-sandi/",
    TokenPurpose.PASSWORD_RESET: "/atur-sandi/",
    TokenPurpose.INVITATION: "/undangan/",
}


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: shown once to whoever asked for it, then only its hash remains."""

    purpose: TokenPurpose
    raw: str
    expires_at: datetime.datetime

    @property
    def path(self) -> str:
        return LINK_PATHS[self.purpose] + self.raw

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path


class TokenInvalid(DomainError):
    """Unknown, already used or expired: one message for all three, so a link reveals nothing."""

    status_code = 410
    code = "token_invalid"

    def __init__(self) -> None:
        super().__init__(_(INVALID_MESSAGE))


class OneTimeToken(Base):
    __tablename__ = "one_time_token"
    __table_args__ = (Index("ix_one_time_token_purpose_subject", "purpose", "subject_id"),)

    # SHA-256 of the raw token, hex: a leaked database cannot be turned back into working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    # A user id (setup, reset) or an invitation id, depending on the purpose.
    subject_id: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def _valid_hash(raw: object) -> str | None:
    # Links get pasted with trailing dots, wrapped by chat apps or typed by hand: reject, never crash.
    if not isinstance(raw, str) or not _RAW.fullmatch(raw):
        return None
    return hash_token(raw)


Purposes = TokenPurpose | Collection[TokenPurpose]


def _purposes(purpose: Purposes) -> list[str]:
    # One link page serves several purposes (a first password and a reset both lead to /atur-sandi/).
    return [purpose] if isinstance(purpose, TokenPurpose) else list(purpose)


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or datetime.datetime.now(datetime.UTC)


async def issue(
    session: AsyncSession,
    purpose: TokenPurpose,
    subject_id: int,
    *,
    created_by: int | None = None,
    ttl: datetime.timedelta | None = None,
    now: datetime.datetime | None = None,
) -> tuple[str, OneTimeToken]:
    """A new link's raw token (shown once, never stored) and its row, added to the session."""
    raw = secrets.token_urlsafe(32)
    row = OneTimeToken(
        token_hash=hash_token(raw),
        purpose=purpose,
        subject_id=subject_id,
        created_by_id=created_by,
        expires_at=_now(now) + (ttl if ttl is not None else DEFAULT_TTL[purpose]),
    )
    session.add(row)
    await session.flush()
    return raw, row


async def issue_link(
    session: AsyncSession,
    purpose: TokenPurpose,
    subject_id: int,
    *,
    created_by: int | None = None,
    replace: bool = False,
    now: datetime.datetime | None = None,
) -> IssuedLink:
    """`issue` as a link; with `replace`, the subject's earlier links of this purpose stop working."""
    if replace:
        await revoke(session, purpose, subject_id, now=now)
    raw, row = await issue(session, purpose, subject_id, created_by=created_by, now=now)
    return IssuedLink(purpose=purpose, raw=raw, expires_at=row.expires_at)


async def find(
    session: AsyncSession, purpose: Purposes, raw: object, *, now: datetime.datetime | None = None
) -> OneTimeToken | None:
    """The usable token behind a link, without using it up (to show the form the link leads to)."""
    token_hash = _valid_hash(raw)
    if token_hash is None:
        return None
    return await session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == token_hash,
            OneTimeToken.purpose.in_(_purposes(purpose)),
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > _now(now),
        )
    )


async def _use_up(session: AsyncSession, moment: datetime.datetime, *conditions: ColumnElement[bool]) -> int:
    """Mark the unused tokens matching `conditions` used at `moment`; how many were."""
    result = cast(
        "CursorResult[object]",
        await session.execute(
            update(OneTimeToken)
            .where(*conditions, OneTimeToken.used_at.is_(None))
            .values(used_at=moment, updated_at=moment)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount


async def consume(
    session: AsyncSession, purpose: Purposes, raw: object, *, now: datetime.datetime | None = None
) -> OneTimeToken:
    """Use a token up and return its row, or raise TokenInvalid.

    One conditional UPDATE decides: of two requests racing with the same link, exactly one changes
    the row; the other finds it already used (PostgreSQL re-checks the condition after the row lock,
    SQLite serialises writers).
    """
    token_hash = _valid_hash(raw)
    if token_hash is None:
        raise TokenInvalid
    moment = _now(now)
    used = await _use_up(
        session,
        moment,
        OneTimeToken.token_hash == token_hash,
        OneTimeToken.purpose.in_(_purposes(purpose)),
        OneTimeToken.expires_at > moment,
    )
    if used != 1:
        raise TokenInvalid
    row = await session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == token_hash).execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def revoke(
    session: AsyncSession, purpose: Purposes, subject_id: int, *, now: datetime.datetime | None = None
) -> int:
    """Use up every outstanding token of a subject (a new reset link replaces the old one); how many."""
    moment = _now(now)
    return await _use_up(
        session, moment, OneTimeToken.purpose.in_(_purposes(purpose)), OneTimeToken.subject_id == subject_id
    )
