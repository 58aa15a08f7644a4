"""worklist order index and route countries

The worklist's keyset order is (status, level, deadline, -score, id) with the cases not yet
triaged and those without a deadline last: an expression index on exactly those expressions
(constants written inline, in each database's form) serves the order, the cursor and the
level and deadline filters (on PostgreSQL it includes the bare columns, so counting a level
reads the index alone). `cases.merged_into_id` gets the index the case page's lookup of merged
cases needs. `route_countries` holds the countries of each active route, so the
country filter is an index lookup instead of a text match in JSON.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 20:45:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None

NO_DEADLINE = {  # the sentinel "no deadline", as each database compares UTCDateTime values
    "postgresql": "'9999-12-31 00:00:00+00'::timestamptz",
    "sqlite": "'9999-12-31 00:00:00.000000'",
}


def _country_rows(connection: sa.Connection) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for route_id, case_id, reasons in connection.execute(
            sa.text("SELECT id, case_id, reasons FROM routes WHERE status = 'active'")):
        found = json.loads(reasons) if isinstance(reasons, str) else reasons or []
        countries = {str(r["country"]).upper() for r in found
                     if isinstance(r, dict) and isinstance(r.get("country"), str)
                     and len(r["country"]) == 2}
        rows += [{"route_id": route_id, "country": c, "case_id": case_id}
                 for c in sorted(countries)]
    return rows


def upgrade() -> None:
    connection = op.get_bind()
    route_countries = op.create_table(
        'route_countries',
        sa.Column('route_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_route_countries_case_id_cases')),
        sa.ForeignKeyConstraint(['route_id'], ['routes.id'],
                                name=op.f('fk_route_countries_route_id_routes')),
        sa.PrimaryKeyConstraint('route_id', 'country', name=op.f('pk_route_countries')))
    op.create_index('ix_route_countries_country_case', 'route_countries',
                    ['country', 'case_id'], unique=False)
    rows = _country_rows(connection)
    if rows:
        op.bulk_insert(route_countries, rows)
    op.drop_index('ix_cases_worklist', table_name='cases')
    no_deadline = NO_DEADLINE[connection.dialect.name]
    include = (" INCLUDE (priority_level, deadline, priority_score)"
               if connection.dialect.name == "postgresql" else "")
    op.execute(
        "CREATE INDEX ix_cases_worklist_order ON cases (status, coalesce(priority_level, 'P9'), "
        f"coalesce(deadline, {no_deadline}), (-coalesce(priority_score, 0)), id){include}")
    op.create_index(op.f('ix_cases_merged_into_id'), 'cases', ['merged_into_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cases_merged_into_id'), table_name='cases')
    op.drop_index('ix_cases_worklist_order', table_name='cases')
    op.create_index('ix_cases_worklist', 'cases', ['status', 'priority_score', 'deadline'],
                    unique=False)
    op.drop_index('ix_route_countries_country_case', table_name='route_countries')
    op.drop_table('route_countries')
