"""idempotency scope: an order's Idempotency-Key belongs to its buyer, unique per cooperative, buyer and key

Revision ID: 0014_idempotency_scope
Revises: 0013_member_numbers
Create Date: 2026-12-01 06:00:00

Keys were unique per cooperative, so one buyer's key found another buyer's order. Orders placed with a
key so far get the scope a retry of theirs would have now: the account that placed it, else its phone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_idempotency_scope"
down_revision: str | Sequence[str] | None = "0013_member_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_scope", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE customer_order SET idempotency_scope = CASE WHEN user_id IS NOT NULL"
        " THEN 'u:' || CAST(user_id AS VARCHAR(20)) ELSE 'p:' || customer_phone END"
        " WHERE idempotency_key IS NOT NULL"
    )
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_constraint("uq_order_cooperative_idempotency_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_order_idempotency_scope_key", ["cooperative_id", "idempotency_scope", "idempotency_key"]
        )


def downgrade() -> None:
    # Two buyers may now hold the same key; only the first order of each key keeps it.
    op.execute(
        "UPDATE customer_order SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND id NOT IN"
        " (SELECT MIN(id) FROM customer_order WHERE idempotency_key IS NOT NULL"
        " GROUP BY cooperative_id, idempotency_key)"
    )
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_constraint("uq_order_idempotency_scope_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_order_cooperative_idempotency_key", ["cooperative_id", "idempotency_key"]
        )
        batch_op.drop_column("idempotency_scope")
