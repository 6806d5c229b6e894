"""instance identity, so a search index built from another database is noticed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 20:05:00
"""

import datetime
import uuid
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "instance_meta",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_meta")),
        sa.UniqueConstraint("key", name=op.f("uq_instance_meta_key")),
    )
    now = datetime.datetime.now(datetime.UTC)
    op.bulk_insert(table, [{"key": "instance_id", "value": uuid.uuid4().hex, "created_at": now, "updated_at": now}])


def downgrade() -> None:
    op.drop_table("instance_meta")
