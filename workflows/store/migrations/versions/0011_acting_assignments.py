"""acting assignments (Plt/Plh with an SK) and the RHK Tambahan that records an acting duty

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('actingassignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('sk_number', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], ),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('actingassignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actingassignment_instansi_id'), ['instansi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actingassignment_pegawai_id'), ['pegawai_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actingassignment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_actingassignment_state', ['state'], unique=False)
    with op.batch_alter_table('rhk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_rhk_acting_id'), ['acting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rhk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rhk_acting_id'))
        batch_op.drop_column('acting_id')
    with op.batch_alter_table('actingassignment', schema=None) as batch_op:
        batch_op.drop_index('ix_actingassignment_state')
        batch_op.drop_index(batch_op.f('ix_actingassignment_unit_id'))
        batch_op.drop_index(batch_op.f('ix_actingassignment_pegawai_id'))
        batch_op.drop_index(batch_op.f('ix_actingassignment_instansi_id'))
    op.drop_table('actingassignment')
