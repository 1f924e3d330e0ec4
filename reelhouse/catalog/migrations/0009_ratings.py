import django.db.models.deletion
from django.db import migrations, models


def systems_fill(apps, schema_editor):
    """The rating systems of reelhouse.catalog.ratings.SYSTEMS as rows (catalog services keep them in step)."""
    from reelhouse.catalog.ratings import SYSTEMS

    RatingSystem = apps.get_model("catalog", "RatingSystem")
    Rating = apps.get_model("catalog", "Rating")
    for spec in SYSTEMS:
        system, _ = RatingSystem.objects.get_or_create(code=spec.code,
                                                       defaults={"country": spec.country, "name": spec.name})
        for label, age in spec.ratings:
            Rating.objects.get_or_create(system=system, label=label, defaults={"min_age": age})


class Migration(migrations.Migration):
    """Maturity ratings per country: rating systems, their labels with ages, and titles' ratings per country."""

    dependencies = [
        ("catalog", "0008_studios"),
    ]

    operations = [
        migrations.CreateModel(
            name="RatingSystem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(help_text="e.g. US-TV, US-MPA, DE-FSK, FR-CSA, GB-BBFC.", max_length=20,
                                          unique=True)),
                ("country", models.CharField(db_index=True, help_text="ISO 3166-1 alpha-2.", max_length=2)),
                ("name", models.CharField(max_length=100)),
            ],
            options={"ordering": ["country", "code"]},
        ),
        migrations.CreateModel(
            name="Rating",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=20)),
                ("min_age", models.PositiveSmallIntegerField()),
                ("system", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="ratings",
                                             to="catalog.ratingsystem")),
            ],
            options={
                "ordering": ["system", "min_age", "label"],
                "constraints": [models.UniqueConstraint(fields=("system", "label"), name="rating_unique_per_system")],
            },
        ),
        migrations.CreateModel(
            name="TitleRating",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("country", models.CharField(help_text="ISO 3166-1 alpha-2 of the viewers this rating is for.",
                                             max_length=2)),
                ("rating", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to="catalog.rating")),
                ("series", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                             related_name="ratings", to="catalog.series")),
                ("work", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                           related_name="ratings", to="catalog.work")),
            ],
            options={
                "ordering": ["country"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(models.Q(("series__isnull", False), ("work__isnull", True)),
                                           models.Q(("series__isnull", True), ("work__isnull", False)),
                                           _connector="OR"),
                        name="title_rating_one_title"),
                    models.UniqueConstraint(fields=("series", "country"), name="title_rating_unique_series"),
                    models.UniqueConstraint(fields=("work", "country"), name="title_rating_unique_work"),
                ],
            },
        ),
        migrations.RunPython(systems_fill, migrations.RunPython.noop),
    ]
