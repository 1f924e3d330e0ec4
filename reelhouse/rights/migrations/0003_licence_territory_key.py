from django.db import migrations, models


def fill(apps, schema_editor):
    from reelhouse.rights.models import territory_key

    Licence = apps.get_model("rights", "Licence")
    for licence in Licence.objects.all():
        licence.territory_key = territory_key(licence.territories)
        licence.save(update_fields=["territory_key"])


class Migration(migrations.Migration):
    dependencies = [("rights", "0002_licence_allows_downloads")]

    operations = [
        migrations.AddField(
            model_name="licence",
            name="territory_key",
            field=models.CharField(default=",WW,", editable=False, max_length=810,
                                   help_text="The territories as ',FR,DE,' (kept by save()), so that queries match "
                                             "a code with one LIKE."),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
