from django.db import migrations, models


class Migration(migrations.Migration):
    """Studios and networks of series and films (NFO <studio>)."""

    dependencies = [
        ("catalog", "0007_translations"),
    ]

    operations = [
        migrations.CreateModel(
            name="Studio",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, unique=True)),
                ("slug", models.SlugField(max_length=220, unique=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.AddField(
            model_name="series", name="studios",
            field=models.ManyToManyField(blank=True, related_name="series", to="catalog.studio"),
        ),
        migrations.AddField(
            model_name="film", name="studios",
            field=models.ManyToManyField(blank=True, related_name="films", to="catalog.studio"),
        ),
    ]
