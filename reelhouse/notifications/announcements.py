"""Announcements: who sees which (THE audience rules: the banner, the news page, the Atom feed and the mail all ask
here), dismissing a banner, and mailing an announcement to its audience."""

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import translation

from reelhouse.core import clock
from reelhouse.core.http import site_url
from reelhouse.notifications.kinds import ANNOUNCEMENT
from reelhouse.notifications.mail import mail_queue, recipient_language
from reelhouse.notifications.models import Announcement, AnnouncementDismissal


def _published(*, language: str, at=None) -> QuerySet:
    """Published announcements written for `language` (languages is a comma-separated list of codes)."""
    code = (language or "en")[:2].lower()
    return (Announcement.objects.filter(published_at__lte=at or clock.now())
            .filter(Q(languages__iexact=code) | Q(languages__istartswith=f"{code},")
                    | Q(languages__iendswith=f",{code}") | Q(languages__icontains=f",{code},")))


def _audience_q(*, user) -> Q:
    """Announcements addressed to `user` (None: a visitor, who sees only those for everyone)."""
    everyone = Q(audience=Announcement.Audience.EVERYONE)
    if user is None or not user.is_authenticated:
        return everyone
    from reelhouse.billing.models import Subscription
    from reelhouse.billing.selectors import subscription_entitles

    # The plan of the subscription that entitles them now, as a subquery: the banner on every page costs one query.
    current_plan = Subquery(Subscription.objects.filter(subscription_entitles(), user=user)
                            .order_by("-current_period_end").values("plan_id")[:1])
    return (everyone | Q(audience=Announcement.Audience.COUNTRY, country__iexact=user.country)
            | Q(audience=Announcement.Audience.PLAN, plan_id=current_plan))


def announcements_for(*, user, language: str, at=None) -> QuerySet:
    """What the news page shows this viewer: published, in their language, addressed to them."""
    return _published(language=language, at=at).filter(_audience_q(user=user))


def announcements_public(*, language: str) -> QuerySet:
    """What the press feed carries: announcements for everyone only, never a plan's or a country's."""
    return announcements_for(user=None, language=language)


def banner_for(*, user, profile, language: str) -> list[Announcement]:
    """The banners to show a profile: its announcements with a banner that the profile has not dismissed."""
    if profile is None:
        return []
    return list(announcements_for(user=user, language=language).filter(banner=True)
                .exclude(dismissals__profile=profile).only("pk", "title")[:3])


def announcement_dismiss(*, announcement_id: int, user, profile, language: str) -> bool:
    """Remember that the profile closed the banner; False when the announcement is not one it could see."""
    announcement = announcements_for(user=user, language=language).filter(pk=announcement_id).first()
    if announcement is None:
        return False
    try:
        with transaction.atomic():
            AnnouncementDismissal.objects.create(announcement=announcement, profile=profile)
    except IntegrityError:
        pass  # dismissed twice (two tabs): already remembered
    return True


def _audience_users(announcement: Announcement):
    from django.contrib.auth import get_user_model

    from reelhouse.billing.models import Subscription
    from reelhouse.billing.selectors import subscription_current

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if announcement.audience == Announcement.Audience.COUNTRY:
        return list(users.filter(country__iexact=announcement.country))
    if announcement.audience == Announcement.Audience.PLAN:
        candidates = users.filter(pk__in=Subscription.objects.filter(plan=announcement.plan).values("user_id"))
        return [u for u in candidates if getattr(subscription_current(user=u), "plan_id", None) == announcement.plan_id]
    return list(users)


def announcement_mail(*, announcement: Announcement) -> int:
    """Mail a published announcement (once) to the accounts of its audience whose language it is written in and who
    did not switch announcement mail off; returns how many mails were queued."""
    if not announcement.mail or announcement.published_at > clock.now():
        return 0
    with transaction.atomic():
        claimed = Announcement.objects.filter(pk=announcement.pk, mailed_at__isnull=True).update(mailed_at=clock.now())
    if not claimed:
        return 0
    languages = announcement.language_list()
    sent = 0
    for user in _audience_users(announcement):
        language = recipient_language(user)
        if language[:2] not in languages:
            continue
        with translation.override(language):
            text = render_to_string("notifications/email/announcement.txt",
                                    {"announcement": announcement, "site": site_url()})
        sent += mail_queue(to=user.email, subject=announcement.title, text=text, user=user,
                           kind=ANNOUNCEMENT.code) is not None
    return sent


def announcements_mail_due() -> int:
    """The periodic job: mail every published announcement marked for mail and not mailed yet."""
    due = Announcement.objects.filter(mail=True, mailed_at__isnull=True, published_at__lte=clock.now())
    return sum(announcement_mail(announcement=a) for a in due)
