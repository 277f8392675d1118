"""cases: one index holding a counsellor's whole worklist order

Revision ID: case_0007
Revises: case_0006
Create Date: 2026-11-25 10:10:00

The dashboard counts, sorts and pages a counsellor's cases. With this index it reads only the
index (counsellor, status, next follow-up, created, id), never the wide rows with their sealed
fields; only the fifty rows of the page are loaded. It replaces the (counsellor, status) index,
of which it is an extension.
"""
from alembic import op


revision = 'case_0007'
down_revision = 'case_0006'
branch_labels = None
depends_on = None

COLUMNS = ['assigned_counsellor_id', 'status', 'next_follow_up_on', 'created_at', 'id']


def upgrade() -> None:
    # Plain CREATE/DROP INDEX: a batch operation would rebuild the table on SQLite.
    op.create_index('ix_cases_worklist', 'cases', COLUMNS)
    op.drop_index('ix_cases_counsellor_status', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_counsellor_status', 'cases', ['assigned_counsellor_id', 'status'])
    op.drop_index('ix_cases_worklist', table_name='cases')
