"""index audit entries by target

Revision ID: case_0006
Revises: case_0005
Create Date: 2026-11-25 08:08:41.444031
"""
from alembic import op
import sqlalchemy as sa


revision = 'case_0006'
down_revision = 'case_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX: a batch operation could rebuild the table on SQLite and lose the
    # triggers that keep audit entries append-only.
    op.create_index('ix_audit_entries_target', 'audit_entries', ['target_type', 'target_id'])


def downgrade() -> None:
    op.drop_index('ix_audit_entries_target', table_name='audit_entries')
