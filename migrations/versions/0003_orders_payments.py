"""orders and payments: price ceilings, subsidy rules, resident profiles, payments, delivery zones, QRIS

Revision ID: 0003_orders_payments
Revises: 0001
Create Date: 2026-11-27 20:00:08.299103
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op


revision: str = '0003_orders_payments'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Boolean defaults are the literals '0'/'1' (valid boolean input on PostgreSQL too): a SQL expression
    # as a default makes Alembic rebuild the SQLite table instead of adding a column.
    op.create_table('price_ceiling',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False, start=1, increment=1), nullable=False),
    sa.Column('commodity', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('provinces', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_price_ceiling_ck_price_ceiling_amount_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_ceiling'))
    )
    with op.batch_alter_table('price_ceiling', schema=None) as batch_op:
        batch_op.create_index('ix_price_ceiling_commodity_starts', ['commodity', 'starts_on'], unique=False)

    op.create_table('delivery_zone',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False, start=1, increment=1), nullable=False),
    sa.Column('cooperative_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('fee', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_delivery_zone_ck_delivery_zone_fee_nonnegative')),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_delivery_zone_cooperative_id_cooperative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_zone')),
    sa.UniqueConstraint('cooperative_id', 'name', name='uq_delivery_zone_cooperative_name')
    )
    with op.batch_alter_table('delivery_zone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_zone_cooperative_id'), ['cooperative_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False, start=1, increment=1), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_payment_actor_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['customer_order.id'], name=op.f('fk_payment_order_id_customer_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('order_id', 'kind', name='uq_payment_order_kind')
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('bank_account_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('bank_account_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('qris_payload', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('qris_merchant_name', sa.String(length=99), nullable=True))
        batch_op.add_column(sa.Column('qris_merchant_city', sa.String(length=99), nullable=True))
        batch_op.add_column(sa.Column('qris_nmid', sa.String(length=99), nullable=True))
        batch_op.add_column(sa.Column('qris_is_demo', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('qris_updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True))

    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_fingerprint', sa.String(length=64), nullable=True))

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ceiling_commodity', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('ceiling_units_milli', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('members_only', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('requires_nik', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('quota_qty', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quota_period', sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_product_ceiling_commodity'), ['ceiling_commodity'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dusun', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('rt', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('rw', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('landmark', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('nik', sa.String(length=16), nullable=True))
        # A unique index, not a constraint: SQLite adds it without rebuilding the table.
        batch_op.create_index(batch_op.f('ix_user_account_nik'), ['nik'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_nik'))
        batch_op.drop_column('nik')
        batch_op.drop_column('landmark')
        batch_op.drop_column('rw')
        batch_op.drop_column('rt')
        batch_op.drop_column('dusun')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_ceiling_commodity'))
        batch_op.drop_column('quota_period')
        batch_op.drop_column('quota_qty')
        batch_op.drop_column('requires_nik')
        batch_op.drop_column('members_only')
        batch_op.drop_column('ceiling_units_milli')
        batch_op.drop_column('ceiling_commodity')

    with op.batch_alter_table('customer_order', schema=None) as batch_op:
        batch_op.drop_column('idempotency_fingerprint')

    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.drop_column('qris_updated_at')
        batch_op.drop_column('qris_is_demo')
        batch_op.drop_column('qris_nmid')
        batch_op.drop_column('qris_merchant_city')
        batch_op.drop_column('qris_merchant_name')
        batch_op.drop_column('qris_payload')
        batch_op.drop_column('bank_account_name')
        batch_op.drop_column('bank_account_number')
        batch_op.drop_column('bank_name')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_order_id'))

    op.drop_table('payment')
    with op.batch_alter_table('delivery_zone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_zone_cooperative_id'))

    op.drop_table('delivery_zone')
    with op.batch_alter_table('price_ceiling', schema=None) as batch_op:
        batch_op.drop_index('ix_price_ceiling_commodity_starts')

    op.drop_table('price_ceiling')
