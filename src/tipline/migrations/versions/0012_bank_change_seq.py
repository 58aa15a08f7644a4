"""hash lists at scale: a commit-ordered sequence on the index change log, provenance digests

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 20:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bank_index_changes') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=False, server_default='0'))
    # Changes logged before: one number each, in id order (what followers saved as last_id).
    op.execute("UPDATE bank_index_changes SET seq = id")
    op.create_index('ix_bank_index_changes_seq', 'bank_index_changes', ['seq'])
    with op.batch_alter_table('bank_provenance') as batch:
        batch.add_column(sa.Column('fingerprint', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bank_provenance') as batch:
        batch.drop_column('fingerprint')
    op.drop_index('ix_bank_index_changes_seq', table_name='bank_index_changes')
    with op.batch_alter_table('bank_index_changes') as batch:
        batch.drop_column('seq')
