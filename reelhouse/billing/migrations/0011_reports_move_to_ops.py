"""The billing reports' CSVs moved to /ops/dashboard/<name>.csv (one route per report, checked by the dashboard's
permissions), so their own permission goes: from the model's options and from the database."""

from django.db import migrations


def permission_remove(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="billing", codename="view_billing_reports").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0010_role_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="payment",
            options={"ordering": ["-paid_at", "-id"],
                     "permissions": [("refund_payment", "Can record refunds of payments")]},
        ),
        migrations.RunPython(permission_remove, migrations.RunPython.noop),
    ]
