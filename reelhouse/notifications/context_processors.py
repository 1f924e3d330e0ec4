"""The announcement banners for base.html, read only when a page renders them."""

from django.utils.functional import SimpleLazyObject


def announcement_banners(request) -> dict:
    def banners():
        from reelhouse.notifications.announcements import banner_for

        return banner_for(user=getattr(request, "user", None), profile=getattr(request, "profile", None),
                          language=getattr(request, "LANGUAGE_CODE", "en"))

    return {"announcement_banners": SimpleLazyObject(banners)}
