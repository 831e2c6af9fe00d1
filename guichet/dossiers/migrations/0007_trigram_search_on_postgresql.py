"""Trigram indexes for the queue's search, on PostgreSQL only.

A search typed as part of a reference (without dashes), part of a phone number or a word
of a name is a `LIKE '%…%'`, which a B-tree cannot serve. pg_trgm's GIN indexes can, for
three characters or more. SQLite keeps scanning: the embedded run holds few dossiers.
The user name indexes match Django's `icontains` on PostgreSQL, `UPPER(col::text) LIKE`.
"""

from django.db import migrations

INDEXES = [
    ("dossier_reference_key_trgm", "dossiers_dossier", "reference_key gin_trgm_ops"),
    ("dossier_contact_value_trgm", "dossiers_dossier", "contact_value gin_trgm_ops"),
    ("user_first_name_trgm", "accounts_user", "UPPER(first_name) gin_trgm_ops"),
    ("user_last_name_trgm", "accounts_user", "UPPER(last_name) gin_trgm_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("dossiers", "0006_queue_indexes_and_reference_key"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
