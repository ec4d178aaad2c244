"""360 input on perilaku: the pemberi pertimbangan named for an SKP and period, and their ratings per core value

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('input360',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skp_id', sa.Integer(), nullable=False),
    sa.Column('period_no', sa.Integer(), nullable=False),
    sa.Column('pemberi_id', sa.Integer(), nullable=False),
    sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pemberi_id'], ['pegawai.id'], ),
    sa.ForeignKeyConstraint(['skp_id'], ['skp.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('input360', schema=None) as batch_op:
        batch_op.create_index('ix_input360_skp_period', ['skp_id', 'period_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_input360_pemberi_id'), ['pemberi_id'], unique=False)

    op.create_table('input360value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('input_id', sa.Integer(), nullable=False),
    sa.Column('core_value', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.ForeignKeyConstraint(['input_id'], ['input360.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('input_id', 'core_value')
    )
    with op.batch_alter_table('input360value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_input360value_input_id'), ['input_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('input360value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_input360value_input_id'))
    op.drop_table('input360value')
    with op.batch_alter_table('input360', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_input360_pemberi_id'))
        batch_op.drop_index('ix_input360_skp_period')
    op.drop_table('input360')
