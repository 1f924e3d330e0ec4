"""The audit trail becomes a hash chain: before/after values, reason, actor label, position and hashes; existing
entries are chained in the order they were written; PostgreSQL refuses UPDATE and DELETE on the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFUSE = """
CREATE OR REPLACE FUNCTION reelhouse_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on core_auditevent refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION reelhouse_audit_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS reelhouse_audit_append_only();
"""


def chain_existing(apps, schema_editor):
    from reelhouse.core.audit import GENESIS, entry_hash

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    prev, seq = GENESIS, 0
    for entry in AuditEvent.objects.order_by("at", "id"):
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = entry_hash(entry)
        entry.save(update_fields=["seq", "prev_hash", "hash"])
        prev = entry.hash
    AuditChainHead.objects.create(pk=1, seq=seq, hash=prev)


def refuse_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE, params=None)


def allow_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_heartbeat"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-seq"], "permissions": [("export_auditevent",
                                                             "Can export the audit trail as CSV")]},
        ),
        migrations.AlterField(
            model_name="auditevent", name="actor",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(model_name="auditevent", name="actor_label", field=models.CharField(
            blank=True, db_index=True, help_text="Who acted, as they were named then (e-mail); empty for the system.",
            max_length=254)),
        migrations.AddField(model_name="auditevent", name="before", field=models.JSONField(
            blank=True, help_text="The changed values before, when something changed.", null=True)),
        migrations.AddField(model_name="auditevent", name="after", field=models.JSONField(
            blank=True, help_text="The changed values after.", null=True)),
        migrations.AddField(model_name="auditevent", name="reason", field=models.TextField(blank=True)),
        migrations.AddField(model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(null=True)),
        migrations.AddField(model_name="auditevent", name="prev_hash", field=models.CharField(default="",
                                                                                              max_length=64)),
        migrations.AddField(model_name="auditevent", name="hash", field=models.CharField(null=True, max_length=64)),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(
            help_text="Position in the chain, from 1.", unique=True)),
        migrations.AlterField(model_name="auditevent", name="prev_hash", field=models.CharField(
            help_text="sha256 of the entry before (64 zeros for the first).", max_length=64)),
        migrations.AlterField(model_name="auditevent", name="hash", field=models.CharField(
            help_text="sha256 of this entry's canonical JSON + prev_hash.", max_length=64, unique=True)),
        migrations.RunPython(refuse_changes, allow_changes),
    ]
