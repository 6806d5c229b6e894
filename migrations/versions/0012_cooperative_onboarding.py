"""cooperative onboarding: registration details, the readiness checklist's fields, opening and closing

Revision ID: 0012_cooperative_onboarding
Revises: 0010_roles
Create Date: 2026-12-01 04:10:00.000000

Cooperatives that exist already (the demo's) keep selling: their checklist fields are filled from what
they have (their address, the payment methods they can take, their delivery zones), and those that are
open count as opened when they were created.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


revision: str = '0012_cooperative_onboarding'
down_revision: str | None = '0011_producer_registration'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_TEXT = ('opening_hours', 'pickup_address', 'closed_message', 'rejection_reason')


def upgrade() -> None:
    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_number', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('nik_koperasi', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('applied_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('applicant_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('applicant_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('payment_methods', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('delivery_mode', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('opened_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))
        for name in _NEW_TEXT:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cooperative_legal_number'), ['legal_number'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_cooperative_applied_by_id_user_account'), 'user_account', ['applied_by_id'], ['id'],
            ondelete='SET NULL',
        )

    # Existing cooperatives were set up before the checklist existed: fill it from what they have.
    op.execute(
        "UPDATE cooperative SET pickup_address = COALESCE(street || ', ', '') || 'Desa ' || desa"
        " || ', Kec. ' || kecamatan || COALESCE(' (' || landmark || ')', '') WHERE pickup_address IS NULL"
    )
    op.execute(
        "UPDATE cooperative SET opening_hours = 'Tanyakan jam buka lewat WhatsApp koperasi.'"
        " WHERE opening_hours IS NULL"
    )
    op.execute(
        "UPDATE cooperative SET payment_methods = 'cash'"
        " || CASE WHEN bank_name IS NOT NULL AND bank_account_number IS NOT NULL"
        " AND bank_account_name IS NOT NULL THEN ',transfer' ELSE '' END"
        " || CASE WHEN qris_payload IS NOT NULL THEN ',qris' ELSE '' END"
        " WHERE payment_methods IS NULL"
    )
    op.execute(
        "UPDATE cooperative SET delivery_mode = CASE WHEN EXISTS (SELECT 1 FROM delivery_zone z"
        " WHERE z.cooperative_id = cooperative.id AND z.is_active = :yes) THEN 'zones' ELSE 'pickup_only' END"
        " WHERE delivery_mode IS NULL".replace(":yes", "TRUE" if op.get_bind().dialect.name == "postgresql" else "1")
    )
    op.execute("UPDATE cooperative SET opened_at = created_at WHERE status = 'open' AND opened_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cooperative_applied_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cooperative_legal_number'))
        for name in (
            'legal_number', 'nik_koperasi', 'applied_by_id', 'applicant_name', 'applicant_phone', 'reviewed_at',
            'payment_methods', 'delivery_mode', 'opened_at', *_NEW_TEXT,
        ):
            batch_op.drop_column(name)
