"""Help centre reads: safe rendering of an article's Markdown, and search with the catalog's text machinery
(accents folded, one typo forgiven, prefixes while typing)."""

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from reelhouse.catalog import textnorm
from reelhouse.helpcentre.models import Article

# markdown-it's safe preset: raw HTML is escaped, and its link validator refuses javascript:, vbscript:, file: and
# data: (other than images) URLs, so an article cannot carry a script whoever wrote it.
_MARKDOWN = MarkdownIt("js-default")


def article_html(*, article: Article) -> SafeString:
    return mark_safe(_MARKDOWN.render(article.body))


def articles_published(*, language: str):
    return Article.objects.filter(published=True, language=(language or "en")[:2]).select_related("category")


def _matches(token: str, terms: set[str]) -> int:
    if token in terms:
        return 3
    if len(token) >= 3 and any(term.startswith(token) for term in terms):
        return 2
    if len(token) >= 4 and terms.intersection(textnorm.one_edit_variants(token)):
        return 1
    return 0


def articles_search(*, query: str, language: str, limit: int = 10) -> list[Article]:
    """Published articles in `language` matching every word of `query` (title words count double)."""
    words = textnorm.query_tokens(query)
    if not words:
        return []
    scored = []
    for article in articles_published(language=language):
        title_terms = set(textnorm.index_terms(article.title).split())
        body_terms = set(textnorm.index_terms(article.body).split()) | title_terms
        scores = [2 * _matches(w, title_terms) + _matches(w, body_terms) for w in words]
        if all(scores):
            scored.append((-sum(scores), article.title, article))
    return [article for *_key, article in sorted(scored, key=lambda row: row[:2])[:limit]]


def suggestions(*, text: str, language: str) -> list:
    """support.suggestions provider: articles that may answer what a subscriber is writing."""
    from reelhouse.support.suggestions import Suggestion

    words = textnorm.query_tokens(text)
    found = {}
    for word in words[:8]:
        for article in articles_search(query=word, language=language, limit=3):
            found.setdefault(article.pk, article)
    return [Suggestion(title=a.title, url=reverse("helpcentre:article", args=[a.slug]) + "?from=request")
            for a in found.values()][:5]
