"""Help centre writes: a reader's "was this helpful?" answer, once per article per session; deflection counts (an
article opened from the request form's suggestions, and whether a request was sent anyway)."""

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


SUGGESTED = "helpcentre_suggested_opened"


def suggestion_opened(*, article: Article, session) -> None:
    """An article opened from the request form's suggestions: counted once per session, remembered until a request."""
    opened = set(session.get(SUGGESTED, []))
    if article.pk not in opened:
        Article.objects.filter(pk=article.pk).update(suggested_opens=F("suggested_opens") + 1)
        session[SUGGESTED] = sorted(opened | {article.pk})


def request_sent(*, session) -> None:
    """support.suggestions listener: the articles this session opened did not spare it a request."""
    opened = session.pop(SUGGESTED, [])
    if opened:
        Article.objects.filter(pk__in=opened).update(suggested_then_requested=F("suggested_then_requested") + 1)
