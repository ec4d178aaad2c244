"""status periods of pegawai and the study-progress predikat of tugas belajar

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('statusperiod',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('sk_number', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pegawai_id', 'starts', name='uq_statusperiod_start')
    )
    with op.batch_alter_table('statusperiod', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statusperiod_pegawai_id'), ['pegawai_id'], unique=False)
    op.create_table('studyprogress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pegawai_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('predikat', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('report', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
    sa.ForeignKeyConstraint(['pegawai_id'], ['pegawai.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pegawai_id', 'year', name='uq_studyprogress_year')
    )
    with op.batch_alter_table('studyprogress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studyprogress_pegawai_id'), ['pegawai_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('studyprogress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studyprogress_pegawai_id'))
    op.drop_table('studyprogress')
    with op.batch_alter_table('statusperiod', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statusperiod_pegawai_id'))
    op.drop_table('statusperiod')
