"""On PostgreSQL, the database itself refuses to change or remove audit rows.

Row-level: any UPDATE or DELETE. Statement-level: TRUNCATE, unless the table is already
empty or the session says `guichet.audit_flush = on`. Only the test suite says so (for its
own test database, so the runner can flush it between transactional tests); it guards
against mistakes, not against the table's owner, who could drop the trigger anyway.
SQLite has no such triggers here: the application's guards (AuditEventQuerySet) and the
head compared by `verify_audit` cover it. See docs/decisions/0008-audit-head-and-trigger.md.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF NOT EXISTS (SELECT 1 FROM audit_auditevent)
           OR current_setting('guichet.audit_flush', true) = 'on' THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_update_or_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_head_counts_events'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
