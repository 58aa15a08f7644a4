"""media review: leases, so two reviewers never hold one media cluster at once

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tipline.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'review_leases',
        sa.Column('cluster_id', BIG_ID, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('taken_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lease_until', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cluster_id'], ['media_clusters.id'],
                                name=op.f('fk_review_leases_cluster_id_media_clusters')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_review_leases_user_id_users')),
        sa.PrimaryKeyConstraint('cluster_id', name=op.f('pk_review_leases')),
    )
    op.create_index(op.f('ix_review_leases_user_id'), 'review_leases', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_review_leases_user_id'), table_name='review_leases')
    op.drop_table('review_leases')
