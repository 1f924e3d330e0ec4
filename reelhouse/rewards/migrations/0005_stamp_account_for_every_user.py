"""Every account has a stamp account (and referral code) from its creation on (rewards.receivers.on_user_created),
so the account page only reads. Give one to the accounts made before, which got theirs on first visit."""

import secrets

from django.conf import settings
from django.db import migrations

ALPHABET, LENGTH = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 8  # as rewards.services and rewards.conf had them


def stamp_accounts_create(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    StampAccount = apps.get_model("rewards", "StampAccount")
    taken = set(StampAccount.objects.values_list("referral_code", flat=True))
    for user_id in User.objects.filter(stamp_account__isnull=True).values_list("pk", flat=True).iterator():
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        while code in taken:
            code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        taken.add(code)
        StampAccount.objects.create(user_id=user_id, referral_code=code)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("rewards", "0004_referral_notes_without_email"),
    ]

    operations = [migrations.RunPython(stamp_accounts_create, migrations.RunPython.noop)]
