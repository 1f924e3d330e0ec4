from django.db import migrations, models


class Migration(migrations.Migration):
    """Titles and synopses in several languages, and the title in its original language (NFO <originaltitle>)."""

    dependencies = [
        ("catalog", "0006_browse_performance"),
    ]

    operations = [
        migrations.AddField(
            model_name="work", name="original_title",
            field=models.CharField(blank=True, help_text="Title in its original language (NFO).", max_length=300),
        ),
        migrations.AddField(
            model_name="work", name="translations",
            field=models.JSONField(
                blank=True, default=dict,
                help_text='Title and synopsis per language: {"fr": {"title": "...", "synopsis": "..."}}.'),
        ),
        migrations.AddField(
            model_name="series", name="original_title",
            field=models.CharField(blank=True, help_text="Title in its original language (NFO).", max_length=300),
        ),
        migrations.AddField(
            model_name="series", name="translations",
            field=models.JSONField(
                blank=True, default=dict,
                help_text='Title and synopsis per language: {"fr": {"title": "...", "synopsis": "..."}}.'),
        ),
        # Nullable without a default: SQLite adds the column in place (a rebuild would drop the FTS5 triggers).
        migrations.AddField(
            model_name="searchentry", name="translations",
            field=models.JSONField(blank=True, help_text="Title (and subtitle) per language.", null=True),
        ),
    ]
