"""What the service tells a subscriber about, on which channels, and which of it cannot be switched off."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

IN_APP, EMAIL = "in_app", "email"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"  # signs one-click unsubscribe tokens (user, kind)
CHANNELS = {IN_APP: _("In the app"), EMAIL: _("By e-mail")}


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    transactional: bool = False  # mail of this kind is always sent: it is about money or access


NEW_EPISODE = Kind("new_episode", _("New episodes of series you follow"))
RECEIPT = Kind("receipt", _("Receipts"), transactional=True)
RENEWAL_REMINDER = Kind("renewal_reminder", _("Renewal reminders"))
PAYMENT_FAILED = Kind("payment_failed", _("Failed payments"), transactional=True)
PREPAID_ENDING = Kind("prepaid_ending", _("Prepaid term ending"))
DOWNLOAD_EXPIRY = Kind("download_expiry", _("Downloads about to expire"))
ANNOUNCEMENT = Kind("announcement", _("Announcements"))
PASSWORD_RESET = Kind("password_reset", _("Password reset"), transactional=True)

KINDS = {kind.code: kind for kind in (NEW_EPISODE, RECEIPT, RENEWAL_REMINDER, PAYMENT_FAILED, PREPAID_ENDING,
                                      DOWNLOAD_EXPIRY, ANNOUNCEMENT, PASSWORD_RESET)}


def kind_get(code: str) -> Kind:
    """The kind named `code`; a clear error for an unknown one."""
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"unknown notification kind {code!r}; known: {', '.join(KINDS)}") from None
