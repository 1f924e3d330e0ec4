"""Help centre pages: an article, search, the "was this helpful?" answer. Public: no sign-in."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reelhouse.helpcentre import selectors, services


def article(request, slug: str):
    found = get_object_or_404(selectors.articles_published(language=request.LANGUAGE_CODE), slug=slug)
    if request.GET.get("from") == "request":
        services.suggestion_opened(article=found, session=request.session)
    return render(request, "helpcentre/article.html", {"article": found,
                                                       "body": selectors.article_html(article=found)})


def search(request):
    query = request.GET.get("q", "")[:200]
    results = selectors.articles_search(query=query, language=request.LANGUAGE_CODE)
    return render(request, "helpcentre/search.html", {"query": query, "results": results})


@require_POST
def vote(request, slug: str):
    found = get_object_or_404(selectors.articles_published(language=request.LANGUAGE_CODE), slug=slug)
    services.article_vote(article=found, helpful=request.POST.get("helpful") == "yes", session=request.session)
    messages.success(request, _("Thank you for your answer."))
    return redirect("helpcentre:article", slug=found.slug)
