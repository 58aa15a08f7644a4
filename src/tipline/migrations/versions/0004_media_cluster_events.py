"""media cluster events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tipline.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('media_cluster_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('cluster_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_id', sa.String(length=40), nullable=True),
    sa.Column('at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['media_clusters.id'], name=op.f('fk_media_cluster_events_cluster_id_media_clusters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_cluster_events'))
    )
    with op.batch_alter_table('media_cluster_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_cluster_events_cluster_id'), ['cluster_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('media_cluster_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_cluster_events_cluster_id'))

    op.drop_table('media_cluster_events')
