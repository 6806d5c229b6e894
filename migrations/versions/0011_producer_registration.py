"""producer registration by staff (owner, NIB, PIRT, halal, one phone per cooperative); categories everywhere

Revision ID: 0011_producer_registration
Revises: 0009_onboarding_base
Create Date: 2026-12-02 10:00:00

The categories were only written by the demo loader, so an instance started with DEMO_MODE=0 had none and
no product could be created or imported. They are inserted here when missing (matched by slug), which the
demo loaders already tolerate: they reuse categories by name.
"""

import datetime
import re
from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0011_producer_registration"
down_revision: str | Sequence[str] | None = "0010_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The demo catalog's categories, in its order (app/demo/demo_catalog.json), frozen as of this revision.
CATEGORIES = (
    "Sembako",
    "Sayur & Buah",
    "Ikan & Daging",
    "Makanan Olahan",
    "Minuman",
    "Kerajinan",
    "Kebutuhan Rumah Tangga",
    "Jasa",
)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def upgrade() -> None:
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("nib", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("pirt_number", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("halal_number", sa.String(length=60), nullable=True))
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table. NULL phones repeat.
    op.create_index("uq_producer_cooperative_phone", "producer", ["cooperative_id", "phone"], unique=True)

    category = sa.table(
        "category",
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("created_at", DateTimeUTC(timezone=True)),
        sa.column("updated_at", DateTimeUTC(timezone=True)),
    )
    bind = op.get_bind()
    existing = set(bind.execute(sa.select(category.c.slug)).scalars())
    now = datetime.datetime.now(datetime.UTC)
    missing = [
        {"slug": _slug(name), "name": name, "position": position, "created_at": now, "updated_at": now}
        for position, name in enumerate(CATEGORIES)
        if _slug(name) not in existing
    ]
    if missing:
        bind.execute(sa.insert(category), missing)


def downgrade() -> None:
    # The categories stay: products may point at them.
    op.drop_index("uq_producer_cooperative_phone", table_name="producer")
    with op.batch_alter_table("producer", schema=None) as batch_op:
        batch_op.drop_column("halal_number")
        batch_op.drop_column("pirt_number")
        batch_op.drop_column("nib")
        batch_op.drop_column("owner_name")
