"""Search as you type over the catalog's search entries, as cards."""


from reelhouse.catalog import search, textnorm
from reelhouse.catalog.selectors.cards import Card, _card
from reelhouse.catalog.selectors.conf import SEARCH_MAX
from reelhouse.catalog.selectors.visibility import entries_visible, maturity_q, viewer_country


def catalog_search(*, query: str, profile=None, country: str | None = None, limit: int = 20) -> list[Card]:
    """Series, films and episodes matching what was typed: the last word as a prefix, accents and case ignored,
    one typo tolerated in words of 5+ letters when nothing matches exactly. Ranked exact title > title starting
    with the query > title containing its words > synopsis, the popular first within each. At most 5 queries;
    any input (operators, quotes, emoji, control characters, 10,000 characters) gives results or []."""
    words = textnorm.query_tokens(query)
    if not words:
        return []
    limit = max(1, min(int(limit), SEARCH_MAX))
    qnorm = " ".join(words)
    country = None if country is None else viewer_country(country)
    visible = entries_visible(profile, country)
    limited = bool(maturity_q(profile))
    exact = list(visible.filter(title_norm=qnorm).order_by("-rank_key")[:limit])
    seen = {e.rank_key for e in exact}
    tiers: list[list[int]] = []
    if len(qnorm) >= 2:
        title_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True, column="terms",
                                            limit=limit * 3, profile=profile if limited else None, country=country)
        tiers.append([k for k in title_keys if k not in seen])
        seen.update(title_keys)
        if len(seen) < limit:
            synopsis_keys = search.match_rank_keys(words=[[w] for w in words], prefix_last=True,
                                                   column="synopsis_terms", limit=limit,
                                                   profile=profile if limited else None, country=country)
            tiers.append([k for k in synopsis_keys if k not in seen])
            seen.update(synopsis_keys)
    if len(seen) < limit and (groups := search.typo_groups(words)):
        typo_keys = search.match_rank_keys(words=groups, prefix_last=False, column="terms", limit=limit,
                                           profile=profile if limited else None, country=country)
        tiers.append([k for k in typo_keys if k not in seen])
    wanted = [k for tier in tiers for k in tier]
    fetched = {e.rank_key: e for e in visible.filter(rank_key__in=wanted)} if wanted else {}
    ranked = list(exact)
    for i, tier in enumerate(tiers):
        entries = [fetched[k] for k in tier if k in fetched]
        if i == 0:  # titles starting with the query before titles merely containing its words
            entries.sort(key=lambda e: not e.title_norm.startswith(qnorm))
        ranked += entries
    return [_card(e) for e in ranked[:limit]]
