"""passwords that must change, token versions, and tokens ended by logging out

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('pegawai', 'appuser')


def upgrade() -> None:
    # existing accounts keep their password (no forced change) and start at token version 0
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false())
            )
            batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('revokedtoken',
    sa.Column('jti', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti')
    )
    with op.batch_alter_table('revokedtoken', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revokedtoken_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('revokedtoken', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revokedtoken_expires_at'))
    op.drop_table('revokedtoken')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('token_version')
            batch_op.drop_column('must_change_password')
