"""audit log hash chain: prev_hash and chain_hash on every row; PostgreSQL also refuses TRUNCATE;
report files' content warnings

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tipline.audit.chain import GENESIS, TABLE, keys_of, row_hash, stored_form

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTERs, not batch: copying the table on SQLite would drop its append-only triggers.
    op.add_column('audit_events', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_events', sa.Column('chain_hash', sa.String(length=64), nullable=True))
    op.add_column('report_files', sa.Column('content_warning', sa.Text(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    _chain_existing_rows(postgres)
    if postgres:
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


def _chain_existing_rows(postgres: bool) -> None:
    """Rows written before the chain are chained now, in id order, with the keys the
    migrating process bound (`tipline db upgrade` binds the settings' keys)."""
    bind = op.get_bind()
    columns = [TABLE.c[name] for name in ("id", "at", "actor", "action", "object_type",
                                          "object_id", "remote_addr", "detail")]
    rows = bind.execute(sa.select(*columns).order_by(TABLE.c.id)).mappings().all()
    if not rows:
        return
    _updates_allowed(postgres, True)
    key, prev = keys_of(bind.engine).chain, GENESIS
    for row in rows:
        full = {**row, "detail": stored_form(row["detail"])}
        chain_hash = row_hash(key, prev, full)
        bind.execute(sa.update(TABLE).where(TABLE.c.id == row["id"])
                     .values(prev_hash=prev, chain_hash=chain_hash))
        prev = chain_hash
    _updates_allowed(postgres, False)


def _updates_allowed(postgres: bool, allowed: bool) -> None:
    if postgres:
        verb = "DISABLE" if allowed else "ENABLE"
        op.execute(f"ALTER TABLE audit_events {verb} TRIGGER audit_events_append_only")
    elif allowed:
        op.execute("DROP TRIGGER audit_events_no_update")
    else:
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    with op.batch_alter_table('report_files') as batch:
        batch.drop_column('content_warning')
    op.execute("ALTER TABLE audit_events DROP COLUMN chain_hash")
    op.execute("ALTER TABLE audit_events DROP COLUMN prev_hash")
