"""audit_events indexed by action and by resource type

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 23:00:00

The audit page filters the trail by action or resource type, newest first, and lists
the values there are to choose from. Without these indexes both read the whole
trail, which grows with every record shown to staff: millions of rows in a busy
year. With them a filtered page reads its rows from the index in order, and the
choices are found by one index seek per distinct value (admin/queries/audit.py).
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_action_seq", "audit_events", ["action", "seq"])
    op.create_index("ix_audit_resource_type_seq", "audit_events", ["resource_type", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_resource_type_seq", table_name="audit_events")
    op.drop_index("ix_audit_action_seq", table_name="audit_events")
