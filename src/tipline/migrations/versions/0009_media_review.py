"""media review: reveals, exposure overrides, reviewer preferences (tipline.review)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tipline.db

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'media_reveals',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.String(length=40), nullable=False),
        sa.Column('opened_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('limit_seconds', sa.Float(), nullable=False),
        sa.Column('closed_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('seconds', sa.Float(), nullable=True),
        sa.Column('closed_by', sa.String(length=20), nullable=True),
        sa.Column('open_slot', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['file_id'], ['report_files.id'],
                                name=op.f('fk_media_reveals_file_id_report_files')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_media_reveals_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_reveals')),
        sa.UniqueConstraint('user_id', 'open_slot',
                            name=op.f('uq_media_reveals_user_id_open_slot')),
    )
    op.create_index(op.f('ix_media_reveals_file_id'), 'media_reveals', ['file_id'])
    op.create_index('ix_media_reveals_user_opened', 'media_reveals', ['user_id', 'opened_at'])
    op.create_table(
        'exposure_overrides',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('extra_seconds', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_by', sa.String(length=100), nullable=False),
        sa.Column('granted_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_exposure_overrides_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exposure_overrides')),
    )
    op.create_index('ix_exposure_overrides_user_day', 'exposure_overrides', ['user_id', 'day'])
    op.create_table(
        'reviewer_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('blur_level', sa.Integer(), nullable=True),
        sa.Column('budget_seconds', sa.Integer(), nullable=True),
        sa.Column('updated_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_reviewer_preferences_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_reviewer_preferences')),
    )


def downgrade() -> None:
    op.drop_table('reviewer_preferences')
    op.drop_index('ix_exposure_overrides_user_day', table_name='exposure_overrides')
    op.drop_table('exposure_overrides')
    op.drop_index('ix_media_reveals_user_opened', table_name='media_reveals')
    op.drop_index(op.f('ix_media_reveals_file_id'), table_name='media_reveals')
    op.drop_table('media_reveals')
