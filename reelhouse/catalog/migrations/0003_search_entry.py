"""Search entries, indexed by SQLite FTS5 (an external-content table kept in step by triggers) or by PostgreSQL
full text (stored tsvector columns with GIN indexes)."""

from django.db import migrations, models

SQLITE_UP = [
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
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS catalog_searchentry_au",
    "DROP TRIGGER IF EXISTS catalog_searchentry_ad",
    "DROP TRIGGER IF EXISTS catalog_searchentry_ai",
    "DROP TABLE IF EXISTS catalog_search_fts",
]
POSTGRES_UP = [
    """ALTER TABLE catalog_searchentry
         ADD COLUMN fts_terms tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED,
         ADD COLUMN fts_synopsis tsvector GENERATED ALWAYS AS (to_tsvector('simple', synopsis_terms)) STORED""",
    "CREATE INDEX catalog_searchentry_fts_terms ON catalog_searchentry USING gin (fts_terms)",
    "CREATE INDEX catalog_searchentry_fts_synopsis ON catalog_searchentry USING gin (fts_synopsis)",
]
POSTGRES_DOWN = [
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS fts_terms, DROP COLUMN IF EXISTS fts_synopsis",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('series', 'Series'), ('film', 'Film'), ('episode', 'Episode')], max_length=8)),
                ('object_id', models.BigIntegerField(help_text='Series id, or the work id of a film or episode.')),
                ('rank_key', models.BigIntegerField(help_text='popularity << 34 | kind << 32 | object id', unique=True)),
                ('title', models.CharField(max_length=300)),
                ('title_norm', models.CharField(help_text='Folded title words, for exact matches.', max_length=300)),
                ('terms', models.TextField(help_text='Folded title words and transliterations (indexed).')),
                ('synopsis_terms', models.TextField(blank=True, help_text='Folded synopsis words (indexed).')),
                ('subtitle', models.CharField(blank=True, help_text='Series and episode code of an episode.', max_length=300)),
                ('slug', models.CharField(blank=True, help_text='Slug of a series or film.', max_length=320)),
                ('series_id_ref', models.BigIntegerField(blank=True, help_text='The series of an episode.', null=True)),
                ('year', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('poster', models.CharField(blank=True, max_length=500)),
                ('popularity', models.PositiveIntegerField(default=0, help_text='Profiles that watched it.')),
                ('trending', models.PositiveIntegerField(default=0, help_text='Plays in the last 7 days.')),
                ('published_at', models.DateTimeField(blank=True, help_text='Latest publish (series: newest episode).', null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['title_norm'], name='search_entry_title_norm'), models.Index(fields=['kind', 'title_norm'], name='search_entry_kind_az'), models.Index(fields=['kind', '-published_at'], name='search_entry_kind_recent'), models.Index(fields=['kind', '-trending'], name='search_entry_kind_trending')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'object_id'), name='search_entry_unique')],
            },
        ),
        migrations.RunPython(_run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
                             _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})),
    ]
