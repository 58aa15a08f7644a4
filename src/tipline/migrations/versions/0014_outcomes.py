"""outcomes: what agencies did with the cases they were sent (versioned vocabulary,
confidential until a date) and the reporters' outcome webhooks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:47:06.100971
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tipline.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporter_webhooks',
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['reporters.id'], name=op.f('fk_reporter_webhooks_reporter_id_reporters')),
    sa.PrimaryKeyConstraint('reporter_id', name=op.f('pk_reporter_webhooks'))
    )
    op.create_table('outcomes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('vocabulary_version', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('held_until', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_outcomes_agency_id_agencies')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outcomes_case_id_cases')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_outcomes_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('agency_id', 'reference', name=op.f('uq_outcomes_agency_id_reference'))
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcomes_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_outcomes_held_until', ['held_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_report_id'))
        batch_op.drop_index('ix_outcomes_held_until')
        batch_op.drop_index(batch_op.f('ix_outcomes_case_id'))
        batch_op.drop_index(batch_op.f('ix_outcomes_agency_id'))

    op.drop_table('outcomes')
    op.drop_table('reporter_webhooks')
