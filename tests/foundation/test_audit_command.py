from sqlalchemy import Engine, update
from typer.testing import CliRunner

from referraldesk.audit import trail
from referraldesk.cli import app
from referraldesk.db.session import session_scope
from referraldesk.models import AuditEvent

STAFF = trail.Actor(name="staff:ana@example.org", role="staff")


def test_audit_verify_passes_an_intact_trail_and_names_a_changed_record(
    engine: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("referraldesk.cli.common.configure_logging", lambda *a, **k: None)
    with session_scope(engine) as session:
        for resource in ("p1", "p2", "p3"):
            trail.record(session, STAFF, "read", "patient", resource, patient_id=resource)

    intact = CliRunner().invoke(app, ["audit", "verify"])
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="staff:x"))
    broken = CliRunner().invoke(app, ["audit", "verify"])

    assert intact.exit_code == 0
    assert "3 records" in intact.output
    assert broken.exit_code == 1
    assert "record 2: its content was changed after it was written" in broken.output
