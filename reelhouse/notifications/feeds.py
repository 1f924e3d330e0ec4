"""The press feed: published announcements for everyone, in the reader's language, as Atom (Django's syndication
framework writes the XML)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from reelhouse.notifications.announcements import announcements_public


class AnnouncementFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        return request.LANGUAGE_CODE or "en"

    def title(self, language):
        return _("Reelhouse news")

    def subtitle(self, language):
        return _("New arrivals, maintenance windows and press releases from Reelhouse.")

    def link(self, language):
        return reverse("notifications:news")

    def items(self, language):
        return announcements_public(language=language)[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body

    def item_link(self, item):
        return f"{reverse('notifications:news')}#announcement-{item.pk}"

    def item_pubdate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.get_category_display()]
