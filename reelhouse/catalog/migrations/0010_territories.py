import importlib

from django.db import migrations, models

# SQLite: the FTS5 `access` column gains territory tokens next to 0006's maturity tokens, so that a search matches
# only what the viewer's country may see inside the full-text match: tww for worldwide (and for an unlicensed entry,
# which browsing does not hold back), tfr for France... ('' territories: nowhere now, no token).
_0006 = importlib.import_module("reelhouse.catalog.migrations.0006_browse_performance")
TERRITORY = ("CASE WHEN territories IS NULL THEN ' tww' WHEN territories = '' THEN '' "
             "ELSE ' t' || replace(trim(lower(territories), ','), ',', ' t') END")
ACCESS = f"{_0006.ACCESS} || {TERRITORY}"


def _access(row: str) -> str:
    return "trim(" + ACCESS.replace("maturity", f"{row}.maturity").replace("territories", f"{row}.territories") + ")"


SQLITE_UP = [
    *_0006.SQLITE_DROP,
    f"CREATE VIEW catalog_search_content AS SELECT rank_key, terms, synopsis_terms, trim({ACCESS}) AS access "
    "FROM catalog_searchentry",
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
         terms, synopsis_terms, access, content='catalog_search_content', content_rowid='rank_key',
         tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')""",
    f"""CREATE TRIGGER catalog_searchentry_ai AFTER INSERT ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(rowid, terms, synopsis_terms, access)
         VALUES (new.rank_key, new.terms, new.synopsis_terms, {_access("new")});
       END""",
    f"""CREATE TRIGGER catalog_searchentry_ad AFTER DELETE ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(catalog_search_fts, rowid, terms, synopsis_terms, access)
         VALUES ('delete', old.rank_key, old.terms, old.synopsis_terms, {_access("old")});
       END""",
    f"""CREATE TRIGGER catalog_searchentry_au AFTER UPDATE ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(catalog_search_fts, rowid, terms, synopsis_terms, access)
         VALUES ('delete', old.rank_key, old.terms, old.synopsis_terms, {_access("old")});
         INSERT INTO catalog_search_fts(rowid, terms, synopsis_terms, access)
         VALUES (new.rank_key, new.terms, new.synopsis_terms, {_access("new")});
       END""",
    "INSERT INTO catalog_search_fts(catalog_search_fts) VALUES ('rebuild')",
]


def _fill(apps, schema_editor):
    """Existing entries get their territories from their works' licences (new ones get them when indexed)."""
    from reelhouse.catalog.services import availability_refresh

    availability_refresh(withdrawals=False)  # rights' withdrawals table comes later; none exist yet


class Migration(migrations.Migration):
    """Rows and search filter by the viewer's territory: where each entry's licences let it be shown now."""

    dependencies = [
        ("catalog", "0009_ratings"),
        ("rights", "0003_licence_territory_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="rights_recheck_at",
            field=models.DateTimeField(blank=True, help_text="When a licence window next opens or closes.", null=True),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="territories",
            field=models.CharField(blank=True, max_length=810, null=True,
                                   help_text="',FR,DE,' or ',WW,' ('' nowhere now; empty: unlicensed, not held "
                                             "back)."),
        ),
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(condition=models.Q(("rights_recheck_at__isnull", False)), fields=["rights_recheck_at"],
                               name="search_entry_recheck"),
        ),
        migrations.RunPython(_0006._sqlite(SQLITE_UP), _0006._sqlite(_0006.SQLITE_UP)),
        migrations.RunPython(_fill, migrations.RunPython.noop),
    ]
