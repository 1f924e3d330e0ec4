"""The operator roles (accounts/roles.py) as groups. Their permissions are applied from the table by roles_sync after
every migrate (all apps' permissions exist only then) and by `reelhouse roles sync`."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from reelhouse.accounts.roles import ROLES

    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_devices"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
