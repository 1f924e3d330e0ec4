import importlib

from django.db import migrations, models

# An entry of a work without a licence is shown nowhere (rights.rule, issue 15): its key becomes '' and SQLite's FTS5
# `access` column gives a NULL key no territory token (0010 gave it tww, shown everywhere).
_0006 = importlib.import_module("reelhouse.catalog.migrations.0006_browse_performance")
_0010 = importlib.import_module("reelhouse.catalog.migrations.0010_territories")
OLD, NEW = "THEN ' tww' WHEN", "THEN '' WHEN"
SQLITE_UP = [sql.replace(OLD, NEW) for sql in _0010.SQLITE_UP]


def _refresh(apps, schema_editor):
    """Existing entries get their keys from the rule again: those of unlicensed works (NULL) become '' (nowhere)."""
    from reelhouse.catalog.services import availability_refresh

    availability_refresh()


class Migration(migrations.Migration):
    """Works without a licence are shown nowhere: their entries' keys recomputed, then the FTS index rebuilt."""

    dependencies = [
        ("catalog", "0011_episode_absolute_number"),
        ("rights", "0008_licence_lifecycle"),
    ]

    operations = [
        migrations.AlterField(
            model_name="searchentry",
            name="territories",
            field=models.CharField(blank=True, max_length=810, null=True,
                                   help_text="',FR,DE,' or ',WW,' ('' or empty: nowhere now, e.g. unlicensed)."),
        ),
        # Keys first, through 0010's triggers (which read the old NULL consistently), then the new index.
        migrations.RunPython(_refresh, migrations.RunPython.noop),
        migrations.RunPython(_0006._sqlite(SQLITE_UP), _0006._sqlite(_0010.SQLITE_UP)),
    ]
