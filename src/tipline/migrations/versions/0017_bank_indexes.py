"""hash lists at scale: drop indexes a unique index already covers, log index changes as signal id
ranges, remember each bank's last imported file

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# (table, index, column): each is the leading column of the table's unique index, which serves
# every query the single-column index served; `at` of the change log is read by nothing.
_REDUNDANT = (
    ('bank_entries', 'ix_bank_entries_bank_id', 'bank_id'),
    ('bank_signal_variants', 'ix_bank_signal_variants_signal_id', 'signal_id'),
    ('bank_provenance', 'ix_bank_provenance_entry_id', 'entry_id'),
    ('bank_index_changes', 'ix_bank_index_changes_at', 'at'),
)


def upgrade() -> None:
    for table, index, _ in _REDUNDANT:
        op.drop_index(index, table_name=table)
    with op.batch_alter_table('bank_index_changes') as batch:
        batch.add_column(sa.Column('last_signal_id', sa.BigInteger(), nullable=True))
    op.execute("UPDATE bank_index_changes SET last_signal_id = signal_id")
    with op.batch_alter_table('bank_index_changes') as batch:
        batch.alter_column('last_signal_id', existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table('banks') as batch:
        batch.add_column(sa.Column('import_digest', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('import_records', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('banks') as batch:
        batch.drop_column('import_records')
        batch.drop_column('import_digest')
    # One row per signal again, as the followers of 0012 read the log.
    op.execute("INSERT INTO bank_index_changes (signal_id, last_signal_id, at, seq) "
               "SELECT b.id, b.id, c.at, c.seq FROM bank_index_changes c JOIN bank_signals b "
               "ON b.id > c.signal_id AND b.id <= c.last_signal_id")
    with op.batch_alter_table('bank_index_changes') as batch:
        batch.drop_column('last_signal_id')
    for table, index, column in _REDUNDANT:
        op.create_index(index, table, [column])
