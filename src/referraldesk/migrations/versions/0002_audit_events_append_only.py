"""audit_events append-only on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 10:00:00

A trigger refuses UPDATE, DELETE and TRUNCATE of audit_events, so no code path and
no casual hand edit can change the trail; erasure and retention leave audit records
whole (rights/erase.py). The table's owner can still disable the trigger: the keyed
hash chain and its checkpoint (audit/trail.py, audit/checkpoint.py) are what catch
that. SQLite has no roles to keep apart, so it gets no trigger: whoever can write the
file can drop one.

Hand-written, apart from 0001, because `make migration` regenerates 0001 from the
models, which cannot describe a trigger; move this file aside while it runs.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REFUSE = """
CREATE FUNCTION referraldesk_audit_events_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit records are never changed or removed; '
                     'see `referraldesk audit verify --help`';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(REFUSE)
    op.execute(
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION referraldesk_audit_events_refuse()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION referraldesk_audit_events_refuse()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS referraldesk_audit_events_refuse()")
