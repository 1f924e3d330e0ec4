"""Referral ledger notes used to name the referee's address ("referral of bob@example.com"), which the referrer's
stamp history showed. Rewrite them to the neutral notes the earn rule now writes; only the note changes (an erasure
of personal data, not a change of any amount)."""

from django.db import migrations


def notes_neutralise(apps, schema_editor):
    StampEntry = apps.get_model("rewards", "StampEntry")
    Referral = apps.get_model("rewards", "Referral")
    for entry in StampEntry.objects.filter(kind="referral", note__startswith="referral of ").select_related("account"):
        referral = Referral.objects.filter(pk=entry.source.partition(":")[2] or None).select_related("referee").first()
        if referral is not None and entry.account.user_id == referral.referee_id:
            note = "joined with a friend's code"
        elif referral is not None:
            note = f"friend joined {referral.referee.date_joined.date().isoformat()}"
        else:
            note = ""
        StampEntry.objects.filter(pk=entry.pk).update(note=note)


class Migration(migrations.Migration):

    dependencies = [
        ("rewards", "0003_stamp_entry_reinstate"),
    ]

    operations = [
        migrations.RunPython(notes_neutralise, migrations.RunPython.noop),
    ]
