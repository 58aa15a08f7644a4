"""retroactive matching: the cursor of the re-matching of history in the bank change log

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tipline.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'retro_cursors',
        sa.Column('name', sa.String(length=50), primary_key=True),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.Column('last_entry_id', sa.BigInteger(), nullable=False),
        sa.Column('signals', sa.BigInteger(), nullable=False),
        sa.Column('files', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('retro_cursors')
