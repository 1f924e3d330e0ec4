"""Help centre writes: a reader's "was this helpful?" answer, once per article per session."""

from django.db.models import F

from reelhouse.helpcentre.models import Article


def article_vote(*, article: Article, helpful: bool, session) -> bool:
    """Count the answer unless this session answered for this article already; returns whether it counted."""
    voted = set(session.get("helpcentre_voted", []))
    if article.pk in voted:
        return False
    field = "helpful" if helpful else "not_helpful"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    session["helpcentre_voted"] = sorted(voted | {article.pk})
    return True
