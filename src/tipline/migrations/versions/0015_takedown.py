"""notice and takedown: reported URLs, where each was seen, reports from the public, the
provider and hotline registries, notices (a leased queue) and each URL's history

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:46:20.852374
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tipline.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('takedown_hotlines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_hotlines')),
    sa.UniqueConstraint('country', name=op.f('uq_takedown_hotlines_country'))
    )
    op.create_table('takedown_providers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('ranges', sa.JSON(), nullable=False),
    sa.Column('domains', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=500), nullable=False),
    sa.Column('upstream_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['upstream_id'], ['takedown_providers.id'], name=op.f('fk_takedown_providers_upstream_id_takedown_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_providers')),
    sa.UniqueConstraint('name', name=op.f('uq_takedown_providers_name'))
    )
    op.create_table('takedown_public_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('receipt', sa.String(length=20), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_public_reports')),
    sa.UniqueConstraint('receipt', name=op.f('uq_takedown_public_reports_receipt'))
    )
    with op.batch_alter_table('takedown_public_reports', schema=None) as batch_op:
        batch_op.create_index('ix_takedown_public_reports_sender', ['sender', 'created_at'], unique=False)

    op.create_table('takedown_urls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('refusal', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assessment', sa.String(length=20), nullable=True),
    sa.Column('assessed_by', sa.String(length=100), nullable=True),
    sa.Column('jurisdiction', sa.String(length=2), nullable=True),
    sa.Column('addresses', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('provider_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('located_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('noticed_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notice_channel', sa.String(length=20), nullable=True),
    sa.Column('removed_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_check_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_notice_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('down_streak', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('last_seen_status', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['takedown_providers.id'], name=op.f('fk_takedown_urls_provider_id_takedown_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_urls')),
    sa.UniqueConstraint('digest', name=op.f('uq_takedown_urls_digest'))
    )
    with op.batch_alter_table('takedown_urls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_takedown_urls_host'), ['host'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_urls_located_at'), ['located_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_urls_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_urls_next_notice_at'), ['next_notice_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_urls_status'), ['status'], unique=False)

    op.create_table('takedown_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('url_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['url_id'], ['takedown_urls.id'], name=op.f('fk_takedown_events_url_id_takedown_urls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_events'))
    )
    with op.batch_alter_table('takedown_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_takedown_events_url_id'), ['url_id'], unique=False)

    op.create_table('takedown_notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('url_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('party', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('contact', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_token', sa.String(length=40), nullable=True),
    sa.Column('lease_until', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', tipline.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['url_id'], ['takedown_urls.id'], name=op.f('fk_takedown_notices_url_id_takedown_urls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_notices'))
    )
    with op.batch_alter_table('takedown_notices', schema=None) as batch_op:
        batch_op.create_index('ix_takedown_notices_due', ['status', 'available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_notices_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_notices_url_id'), ['url_id'], unique=False)

    op.create_table('takedown_sightings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('url_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('identifier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('public_report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('given', sa.Text(), nullable=False),
    sa.Column('at', tipline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['identifier_id'], ['report_identifiers.id'], name=op.f('fk_takedown_sightings_identifier_id_report_identifiers')),
    sa.ForeignKeyConstraint(['public_report_id'], ['takedown_public_reports.id'], name=op.f('fk_takedown_sightings_public_report_id_takedown_public_reports')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_takedown_sightings_report_id_reports')),
    sa.ForeignKeyConstraint(['url_id'], ['takedown_urls.id'], name=op.f('fk_takedown_sightings_url_id_takedown_urls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_sightings')),
    sa.UniqueConstraint('identifier_id', name=op.f('uq_takedown_sightings_identifier_id'))
    )
    with op.batch_alter_table('takedown_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_takedown_sightings_public_report_id'), ['public_report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_sightings_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_takedown_sightings_url_id'), ['url_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('takedown_sightings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_sightings_url_id'))
        batch_op.drop_index(batch_op.f('ix_takedown_sightings_report_id'))
        batch_op.drop_index(batch_op.f('ix_takedown_sightings_public_report_id'))

    op.drop_table('takedown_sightings')
    with op.batch_alter_table('takedown_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_notices_url_id'))
        batch_op.drop_index(batch_op.f('ix_takedown_notices_status'))
        batch_op.drop_index('ix_takedown_notices_due')

    op.drop_table('takedown_notices')
    with op.batch_alter_table('takedown_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_events_url_id'))

    op.drop_table('takedown_events')
    with op.batch_alter_table('takedown_urls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_takedown_urls_status'))
        batch_op.drop_index(batch_op.f('ix_takedown_urls_next_notice_at'))
        batch_op.drop_index(batch_op.f('ix_takedown_urls_next_check_at'))
        batch_op.drop_index(batch_op.f('ix_takedown_urls_host'))
        batch_op.drop_index(batch_op.f('ix_takedown_urls_located_at'))

    op.drop_table('takedown_urls')
    with op.batch_alter_table('takedown_public_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_takedown_public_reports_sender')

    op.drop_table('takedown_public_reports')
    op.drop_table('takedown_providers')
    op.drop_table('takedown_hotlines')
