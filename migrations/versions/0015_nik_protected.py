"""NIK protected: a keyed hash and an encrypted copy replace the plain NIK; session epochs; sign-up notices

Revision ID: 0015_nik_protected
Revises: 0014_idempotency_scope
Create Date: 2026-12-04 09:00:00

Every stored NIK is converted with keys derived from SECRET_KEY (or the key kept in VAR_DIR on the
embedded default), the same ones the application uses, then the plain column is dropped. A database
without NIKs needs no key to migrate. Downgrading decrypts them back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.nik_vault import NikVault
from app.secret_key import resolve_secret_keys
from app.settings import Settings

revision: str = "0015_nik_protected"
down_revision: str | Sequence[str] | None = "0014_idempotency_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table(
    "user_account",
    sa.column("id", sa.BigInteger),
    sa.column("nik", sa.String),
    sa.column("nik_hash", sa.String),
    sa.column("nik_sealed", sa.Text),
)


def _vault() -> NikVault:
    config = op.get_context().config
    settings = config.attributes.get("settings") if config is not None else None
    if not isinstance(settings, Settings):
        settings = Settings.from_env()
    return NikVault.from_secrets(resolve_secret_keys(settings))


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nik_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("nik_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("signup_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("nik_attempt_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.nik).where(users.c.nik.is_not(None))).all()
    if rows:
        vault = _vault()
        for user_id, nik in rows:
            nik_hash, sealed = vault.seal(nik)
            bind.execute(users.update().where(users.c.id == user_id).values(nik_hash=nik_hash, nik_sealed=sealed))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_nik_hash"), ["nik_hash"], unique=True)
        batch_op.drop_index(batch_op.f("ix_user_account_nik"))
        batch_op.drop_column("nik")


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nik", sa.String(length=16), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.nik_sealed).where(users.c.nik_sealed.is_not(None))).all()
    if rows:
        vault = _vault()
        for user_id, sealed in rows:
            bind.execute(users.update().where(users.c.id == user_id).values(nik=vault.open(sealed)))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_nik"), ["nik"], unique=True)
        batch_op.drop_index(batch_op.f("ix_user_account_nik_hash"))
        batch_op.drop_column("nik_attempt_at")
        batch_op.drop_column("signup_attempt_at")
        batch_op.drop_column("session_epoch")
        batch_op.drop_column("nik_sealed")
        batch_op.drop_column("nik_hash")
