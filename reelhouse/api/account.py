"""The account as a client needs it: the subscription's limits, the profile this credential acts as, the device."""

from ninja import Router

from reelhouse.api.base import ERRORS, principal
from reelhouse.api.schemas import AccountOut, DeviceOut, ProfileOut, SubscriptionOut
from reelhouse.billing.selectors import subscription_current
from reelhouse.playback.selectors import downloads_active

router = Router(tags=["account"])


def _profile(profile, current) -> ProfileOut:
    return ProfileOut(id=profile.pk, name=profile.name, is_kids=profile.is_kids, max_maturity=profile.max_maturity,
                      language=profile.language, locked=profile.is_locked, current=profile.pk == current.pk)


@router.get("/account", response={200: AccountOut, **ERRORS}, summary="Subscription, profile and device")
def account(request):
    """The account's email is shown to its owner profile only (as the account pages are)."""
    who = principal(request)
    sub = subscription_current(user=who.user)
    return AccountOut(
        email=who.user.email if who.profile.is_owner else "", country=who.country,
        subscription=SubscriptionOut(plan=sub.plan.name, max_streams=sub.plan.max_streams,
                                     max_downloads=sub.plan.max_downloads, max_height=sub.plan.max_height,
                                     state=sub.state, current_period_end=sub.current_period_end) if sub else None,
        profile=_profile(who.profile, who.profile),
        device=DeviceOut(id=who.device.pk, name=who.device.name, created_at=who.device.created_at)
        if who.device else None,
        active_downloads=downloads_active(user=who.user).count())


@router.get("/profiles", response={200: list[ProfileOut], **ERRORS}, summary="Profiles this credential may use")
def profiles(request):
    """A device token is scoped to the one profile it was approved for, so it lists only that one; the web session
    lists the account's profiles (as the 'who is watching' page does)."""
    who = principal(request)
    if who.device is not None:
        return [_profile(who.profile, who.profile)]
    return [_profile(p, who.profile) for p in who.user.profiles.order_by("created_at", "pk")]
