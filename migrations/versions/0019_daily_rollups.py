"""daily rollups: sales per cooperative, producer and product per local day, on each basis of a sale

Revision ID: 0019_daily_rollups
Revises: 0017_finance_ledger
Create Date: 2026-12-01 06:00:00

New tables only. They are filled from the orders by `python -m app.cli rebuild-rollups` after upgrading
a database that already holds orders (the demo and province loaders run it themselves): a day is the
cooperative's local date, which the two databases' own date functions do not compute alike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_daily_rollups"
down_revision: str | Sequence[str] | None = "0017_finance_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COOP_MEASURES = ("orders", "cancelled", "sales", "margin", "producer_share", "supplier_cost", "units")
LINE_MEASURES = ("orders", "units", "sales", "producer_cost")
PRODUCT_MEASURES = (*LINE_MEASURES, "producer_share")


def _table(name: str, extra: str | None, measures: tuple[str, ...]) -> None:
    keys = ["cooperative_id", "day", "basis"] + ([extra] if extra else [])
    op.create_table(
        name,
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        *([sa.Column(extra, sa.Integer(), nullable=False)] if extra else []),
        *(sa.Column(m, sa.BigInteger(), server_default="0", nullable=False) for m in measures),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperative.id"], name=op.f(f"fk_{name}_cooperative_id_cooperative"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    _table("rollup_cooperative_day", None, COOP_MEASURES)
    _table("rollup_producer_day", "producer_id", LINE_MEASURES)
    _table("rollup_product_day", "product_id", PRODUCT_MEASURES)


def downgrade() -> None:
    for name in ("rollup_product_day", "rollup_producer_day", "rollup_cooperative_day"):
        op.drop_table(name)
