"""qualitative indikator: an approach and an ekspektasi per indikator, the penilai's rating per realisasi

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # every existing indikator is quantitative, as it was: its target and realisasi stay as they are
    with op.batch_alter_table('indikator', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'approach', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='KUANTITATIF'
            )
        )
        batch_op.add_column(sa.Column('ekspektasi', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
    with op.batch_alter_table('realisasi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('realisasi', schema=None) as batch_op:
        batch_op.drop_column('rating')
    with op.batch_alter_table('indikator', schema=None) as batch_op:
        batch_op.drop_column('ekspektasi')
        batch_op.drop_column('approach')
