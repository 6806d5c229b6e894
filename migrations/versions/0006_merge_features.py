"""join the feature branches: instance identity, orders and payments, fulfilment, producers

Revision ID: 0006_merge_features
Revises: 0002, 0003_orders_payments, 0004_fulfilment, 0005_producers
Create Date: 2026-11-27 20:40:00
"""

from collections.abc import Sequence

revision: str = "0006_merge_features"
down_revision: str | Sequence[str] | None = ("0002", "0003_orders_payments", "0004_fulfilment", "0005_producers")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
