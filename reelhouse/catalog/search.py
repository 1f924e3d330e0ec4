"""The database half of catalog search: one full-text match, written for SQLite FTS5 and for PostgreSQL.
Both index the same pre-folded words (see textnorm), so a query matches the same entries on both."""

from django.db import connection

from reelhouse.catalog import textnorm
from reelhouse.rights import rule


def _group_fts5(alternatives: list[str], prefix: bool) -> str:
    star = "*" if prefix else ""
    return "(" + " OR ".join(f'"{w}"{star}' for w in alternatives) + ")"


def _group_pg(alternatives: list[str], prefix: bool) -> str:
    star = ":*" if prefix else ""
    return "(" + " | ".join(f"{w}{star}" for w in alternatives) + ")"


def _maturity_sql(profile, table: str) -> tuple[str, list]:
    """The SQL condition matching catalog.selectors.maturity_q for a limited profile ('' for none)."""
    if profile is None:
        return "", []
    limit = profile.max_maturity
    if profile.is_kids:
        return f" AND {table}.maturity <= %s", [limit]
    return f" AND ({table}.maturity IS NULL OR {table}.maturity <= %s)", [limit]


# Age levels the SQLite index carries access tokens for (migration catalog 0006): kNN for kids profiles, pNN for others.
ACCESS_LEVELS = (0, 7, 12, 16, 18)


def _access_token(profile) -> str | None:
    """The FTS5 `access` token that keeps a limited profile's matches to titles it may see, at the first indexed
    level at or above its limit (never narrower than maturity_q; the exact condition is still applied on the join),
    or None when no token applies."""
    if profile is None:
        return None
    limit = 18 if profile.max_maturity is None else profile.max_maturity
    level = next((n for n in ACCESS_LEVELS if n >= limit), None)
    if level is None or (not profile.is_kids and level >= 18):
        return None
    return f"{'k' if profile.is_kids else 'p'}{level}"


def match_rank_keys(*, words: list[list[str]], prefix_last: bool, column: str, limit: int,
                    profile=None, country: str | None = None) -> list[int]:
    """Rank keys of the most popular entries whose `column` ('terms' or 'synopsis_terms') holds every word group
    (each a list of alternatives; tokens are [a-z0-9] only, so no query syntax can get through). Given a profile
    with a maturity limit, only entries it may see; given a country (two letters or '', see
    selectors.viewer_country), only entries licensed there."""
    if not words or limit <= 0:
        return []
    last = len(words) - 1
    if connection.vendor == "postgresql":
        expr = " & ".join(_group_pg(alts, prefix_last and i == last) for i, alts in enumerate(words))
        tsv = {"terms": "fts_terms", "synopsis_terms": "fts_synopsis"}[column]
        cond, params = _maturity_sql(profile, "catalog_searchentry")
        where, more = rule.entry_sql(country, "catalog_searchentry.territories")
        cond, params = cond + where, params + more
        sql = (f"SELECT rank_key FROM catalog_searchentry WHERE {tsv} @@ to_tsquery('simple', %s){cond} "
               "ORDER BY rank_key DESC LIMIT %s")
    else:
        expr = f"{column} : (" + " AND ".join(_group_fts5(alts, prefix_last and i == last)
                                              for i, alts in enumerate(words)) + ")"
        cond, params = _maturity_sql(profile, "e")
        if token := _access_token(profile):  # filter inside the match: no join of rows the profile may not see
            expr += f" AND access : {token}"
        if country is not None:
            expr += f" AND {rule.entry_fts(country)}"
        if cond:
            sql = ("SELECT f.rowid FROM catalog_search_fts f JOIN catalog_searchentry e ON e.rank_key = f.rowid "
                   f"WHERE catalog_search_fts MATCH %s{cond} ORDER BY f.rowid DESC LIMIT %s")
        else:
            sql = ("SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH %s "
                   "ORDER BY rowid DESC LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [expr, *params, limit])
        return [row[0] for row in cursor.fetchall()]


def typo_groups(tokens: list[str], *, caps: textnorm.TypoCaps | None = textnorm.TYPO_CAPS
                ) -> list[list[str]] | None:
    """Word groups allowing one typo in each long word, within `caps` (textnorm.TypoCaps: how many words, how long,
    how many variants in all; None lifts them, for the benchmark only); None when no word gets variants."""
    groups, used, expanded = [], 0, 0
    for token in tokens:
        group = [token]
        if len(token) >= textnorm.TYPO_MIN_CHARS and (caps is None or (
                len(token) <= caps.chars and expanded < caps.words)):
            variants = textnorm.one_edit_variants(token)
            if caps is None or used + len(variants) + (len(tokens) - len(groups) - 1) <= caps.variants:
                group, expanded = variants, expanded + 1
        groups.append(group)
        used += len(group)
    return groups if expanded else None
