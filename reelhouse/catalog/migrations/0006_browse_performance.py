from django.db import migrations, models

# SQLite: the FTS5 index gains an `access` column of maturity tokens, so that a search by a profile with an age limit
# filters inside the full-text match instead of joining every match to its entry (a kids profile searching "ha" in a
# mostly unrated catalog joined and rejected tens of thousands of rows). kNN: rated and suitable for a kids profile
# limited to NN; pNN: unrated or rated at most NN, for other profiles limited to NN (catalog.search builds the same).
LEVELS = (0, 7, 12, 16, 18)
ACCESS = " || ".join(
    [f"CASE WHEN maturity IS NULL OR maturity <= {n} THEN ' p{n}' ELSE '' END" for n in LEVELS]
    + [f"CASE WHEN maturity IS NOT NULL AND maturity <= {n} THEN ' k{n}' ELSE '' END" for n in LEVELS])
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS catalog_searchentry_au",
    "DROP TRIGGER IF EXISTS catalog_searchentry_ad",
    "DROP TRIGGER IF EXISTS catalog_searchentry_ai",
    "DROP TABLE IF EXISTS catalog_search_fts",
    "DROP VIEW IF EXISTS catalog_search_content",
]
SQLITE_UP = [
    *SQLITE_DROP,
    f"""CREATE VIEW catalog_search_content AS
         SELECT rank_key, terms, synopsis_terms, trim({ACCESS}) AS access FROM catalog_searchentry""",
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
         terms, synopsis_terms, access, content='catalog_search_content', content_rowid='rank_key',
         tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')""",
    f"""CREATE TRIGGER catalog_searchentry_ai AFTER INSERT ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(rowid, terms, synopsis_terms, access)
         VALUES (new.rank_key, new.terms, new.synopsis_terms, trim({ACCESS.replace("maturity", "new.maturity")}));
       END""",
    f"""CREATE TRIGGER catalog_searchentry_ad AFTER DELETE ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(catalog_search_fts, rowid, terms, synopsis_terms, access)
         VALUES ('delete', old.rank_key, old.terms, old.synopsis_terms,
                 trim({ACCESS.replace("maturity", "old.maturity")}));
       END""",
    f"""CREATE TRIGGER catalog_searchentry_au AFTER UPDATE ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(catalog_search_fts, rowid, terms, synopsis_terms, access)
         VALUES ('delete', old.rank_key, old.terms, old.synopsis_terms,
                 trim({ACCESS.replace("maturity", "old.maturity")}));
         INSERT INTO catalog_search_fts(rowid, terms, synopsis_terms, access)
         VALUES (new.rank_key, new.terms, new.synopsis_terms, trim({ACCESS.replace("maturity", "new.maturity")}));
       END""",
    "INSERT INTO catalog_search_fts(catalog_search_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [  # back to 0003's index
    *SQLITE_DROP,
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
         terms, synopsis_terms, content='catalog_searchentry', content_rowid='rank_key',
         tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')""",
    """CREATE TRIGGER catalog_searchentry_ai AFTER INSERT ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(rowid, terms, synopsis_terms)
         VALUES (new.rank_key, new.terms, new.synopsis_terms);
       END""",
    """CREATE TRIGGER catalog_searchentry_ad AFTER DELETE ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(catalog_search_fts, rowid, terms, synopsis_terms)
         VALUES ('delete', old.rank_key, old.terms, old.synopsis_terms);
       END""",
    """CREATE TRIGGER catalog_searchentry_au AFTER UPDATE ON catalog_searchentry BEGIN
         INSERT INTO catalog_search_fts(catalog_search_fts, rowid, terms, synopsis_terms)
         VALUES ('delete', old.rank_key, old.terms, old.synopsis_terms);
         INSERT INTO catalog_search_fts(rowid, terms, synopsis_terms)
         VALUES (new.rank_key, new.terms, new.synopsis_terms);
       END""",
    "INSERT INTO catalog_search_fts(catalog_search_fts) VALUES ('rebuild')",
]


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    """Indexes and precomputed tables for the hot browse pages (home rows, search, series page)."""

    dependencies = [
        ("catalog", "0005_maturity_genres_people_mylist"),
    ]

    operations = [
        migrations.CreateModel(
            name="CountryTop",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("country", models.CharField(help_text="ISO 3166-1 alpha-2 of the viewers counted.", max_length=2)),
                ("position", models.PositiveSmallIntegerField(help_text="1 for the most played.")),
                ("kind", models.CharField(choices=[("series", "Series"), ("film", "Film"), ("episode", "Episode")],
                                          max_length=8)),
                ("object_id", models.BigIntegerField(help_text="Series id, or the work id of a film.")),
                ("plays", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["country", "kind", "object_id"], name="country_top_title")],
                "constraints": [models.UniqueConstraint(fields=("country", "position"), name="country_top_unique")],
            },
        ),
        migrations.CreateModel(
            name="CoWatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("source_kind", models.CharField(
                    choices=[("series", "Series"), ("film", "Film"), ("episode", "Episode")], max_length=8)),
                ("source_id", models.BigIntegerField(help_text="Series id, or the work id of a film.")),
                ("position", models.PositiveSmallIntegerField(help_text="1 for the strongest.")),
                ("kind", models.CharField(choices=[("series", "Series"), ("film", "Film"), ("episode", "Episode")],
                                          max_length=8)),
                ("object_id", models.BigIntegerField()),
                ("profiles", models.PositiveIntegerField(help_text="Profiles that watched both.")),
            ],
            options={
                "indexes": [models.Index(fields=["source_kind", "source_id", "kind", "object_id"],
                                         name="cowatch_title")],
                "constraints": [models.UniqueConstraint(fields=("source_kind", "source_id", "position"),
                                                        name="cowatch_unique")],
            },
        ),
        migrations.RunPython(_sqlite(SQLITE_UP), _sqlite(SQLITE_DOWN)),
    ]
