"""Notification writes: record notices (idempotent per profile, kind and work), preferences, unsubscribe, read."""

from django.core import signing
from django.utils.translation import gettext as _

from reelhouse.core import clock
from reelhouse.core.audit import audit_record
from reelhouse.notifications.kinds import CHANNELS, EMAIL, UNSUBSCRIBE_SALT, kind_get
from reelhouse.notifications.models import Notification, Preference


class PreferenceError(ValueError):
    """A choice that cannot be made (a transactional mail switched off, an unknown kind or channel)."""


def notification_create(*, profile, kind: str, text: str, work=None) -> Notification:
    """Record a notice for a profile; telling the same profile twice about the same work does nothing."""
    notification, _ = Notification.objects.get_or_create(profile=profile, kind=kind, work=work,
                                                         defaults={"text": text[:500]})
    return notification


def on_work_available(sender, *, work, **kwargs) -> None:
    """A work became available: followers of its series are told about a new episode."""
    from reelhouse.catalog.models import Episode, Follow
    from reelhouse.rights.selectors import works_shown

    episode = Episode.objects.select_related("series", "season", "licence").filter(pk=work.pk).first()
    if episode is None:
        return
    text = f"New episode of {episode.series.title}: {episode.code} {episode.title}"
    for follow in Follow.objects.filter(series_id=episode.series_id).select_related("profile__user"):
        if not works_shown(works=[episode], country=follow.profile.user.country):
            continue  # not shown where this follower lives (licence, withdrawal): nothing they could watch
        notification_create(profile=follow.profile, kind=Notification.Kind.NEW_EPISODE, text=text, work=episode)


def on_work_withdrawn(sender, *, work_ids, **kwargs) -> None:
    """rights.signals.work_withdrawn: a new-episode notice about an episode the rule no longer shows its profile
    (withdrawn where the subscriber lives) is taken back, so neither the app nor the digest announces it."""
    from reelhouse.catalog.models import Episode
    from reelhouse.rights.selectors import works_shown

    episodes = Episode.objects.select_related("licence").in_bulk(list(work_ids))
    notices = list(Notification.objects.filter(kind=Notification.Kind.NEW_EPISODE, work_id__in=list(episodes))
                   .values_list("pk", "work_id", "profile__user__country"))
    shown = {country: works_shown(works=episodes.values(), country=country) for country in {c for _, _, c in notices}}
    Notification.objects.filter(pk__in=[pk for pk, work_id, country in notices
                                        if work_id not in shown[country]]).delete()


def preference_set(*, user, kind: str, channel: str, enabled: bool) -> Preference:
    """Record whether `user` wants notices of `kind` on `channel`; receipts, failed payments and password resets
    are always mailed."""
    if channel not in CHANNELS:
        raise PreferenceError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    try:
        spec = kind_get(kind)
    except ValueError as exc:
        raise PreferenceError(str(exc)) from None
    if channel == EMAIL and spec.transactional and not enabled:
        raise PreferenceError(_("%(kind)s are always sent by e-mail: they are about your payments or your access.")
                              % {"kind": spec.label})
    preference, _created = Preference.objects.update_or_create(
        user=user, kind=kind, channel=channel, defaults={"enabled": enabled, "changed_at": clock.now()})
    return preference


def unsubscribe_token_read(*, token: str) -> dict:
    """The subscriber and kind a one-click unsubscribe token names ({"u": user id, "k": kind}); PreferenceError
    for a forged or damaged token."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kind_get(data["k"])
        int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise PreferenceError(_("This unsubscribe link is not valid. Sign in and change your notification "
                                "settings instead.")) from None
    return data


def unsubscribe(*, token: str):
    """One-click unsubscribe: the signed token names the subscriber and the kind; that kind's mail stops.
    Returns (user, kind). Raises PreferenceError for a forged or damaged token or a deleted account."""
    from django.contrib.auth import get_user_model

    data = unsubscribe_token_read(token=token)
    user = get_user_model().objects.filter(pk=data["u"]).first()
    if user is None:
        raise PreferenceError(_("This unsubscribe link is not valid. Sign in and change your notification "
                                "settings instead."))
    kind = kind_get(data["k"])
    preference_set(user=user, kind=kind.code, channel=EMAIL, enabled=False)
    audit_record(action="notifications.unsubscribed", subject=user, kind=kind.code)
    return user, kind


def notifications_mark_read(*, profile) -> int:
    """Mark every unread notice of the profile read; returns how many were."""
    return Notification.objects.filter(profile=profile, read_at__isnull=True).update(read_at=clock.now())
