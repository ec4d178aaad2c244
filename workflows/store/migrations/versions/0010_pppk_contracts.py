"""PPPK contracts (perjanjian kerja) and follow-up kinds long enough for the contract recommendation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kontrak',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('mulai', sa.Date(), nullable=False),
    sa.Column('selesai', sa.Date(), nullable=False),
    sa.Column('sk_number', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['followupcase.id'], ),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], ),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pegawai_id', 'mulai', name='uq_kontrak_pegawai_mulai'),
    sa.UniqueConstraint('case_id')
    )
    with op.batch_alter_table('kontrak', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kontrak_instansi_id'), ['instansi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kontrak_pegawai_id'), ['pegawai_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kontrak_selesai'), ['selesai'], unique=False)
    # PERPANJANGAN_KONTRAK is 20 characters; SQLite does not enforce a VARCHAR's length
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('followupcase', 'kind', type_=sa.String(length=32), existing_type=sa.String(length=16))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('followupcase', 'kind', type_=sa.String(length=16), existing_type=sa.String(length=32))
    with op.batch_alter_table('kontrak', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kontrak_selesai'))
        batch_op.drop_index(batch_op.f('ix_kontrak_pegawai_id'))
        batch_op.drop_index(batch_op.f('ix_kontrak_instansi_id'))
    op.drop_table('kontrak')
