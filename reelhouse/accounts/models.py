"""People: users sign in by email; each user watches through one of their profiles."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from reelhouse.core import clock


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        """Sign-in finds the account whatever the case typed (addresses are stored in lower case)."""
        return self.get(email__iexact=(username or "").strip())

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2: decides licence territory.")
    language = models.CharField(max_length=8, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=255, blank=True,
                                   help_text="Base32 TOTP secret (RFC 6238), encrypted at rest (core/crypto.py).")
    totp_enabled_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0, help_text="Last accepted time step: a code works once.")
    session_epoch = models.PositiveIntegerField(default=0, help_text="Raised by 'sign out everywhere'.")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    def get_session_auth_hash(self):
        """Django signs every session with this; it changes with the password and with 'sign out everywhere'."""
        return salted_hmac("reelhouse.accounts.User.session", f"{self.password}:{self.session_epoch}",
                           algorithm="sha256").hexdigest()


class Profile(models.Model):
    """A viewer within an account: own history, resume points, language and limits."""

    MAX_PER_ACCOUNT = 5

    class Maturity(models.IntegerChoices):
        """The highest age rating a profile may see (a title rated above it never appears)."""

        ALL = 0, _("All ages")
        SEVEN = 7, _("7+")
        TWELVE = 12, _("12+")
        SIXTEEN = 16, _("16+")
        ADULT = 18, _("18+ (everything)")

    user = models.ForeignKey(User, related_name="profiles", on_delete=models.CASCADE)
    name = models.CharField(max_length=40)
    is_kids = models.BooleanField(default=False)
    is_owner = models.BooleanField(default=False, help_text="The account holder's own profile (one per account, never "
                                   "a kids profile): it alone manages profiles, billing, privacy and security.")
    max_maturity = models.PositiveSmallIntegerField(choices=Maturity.choices, default=Maturity.ADULT)
    pin_hash = models.CharField(max_length=200, blank=True, help_text="Optional 4-digit lock, hashed.")
    language = models.CharField(max_length=8, blank=True, help_text="Interface language; empty follows the browser.")
    subtitle_language = models.CharField(max_length=8, blank=True)
    audio_language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="profile_name_unique_per_user"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_owner=True),
                                    name="profile_one_owner_per_user"),
            models.CheckConstraint(condition=~models.Q(is_owner=True, is_kids=True), name="profile_owner_not_kids"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def is_locked(self) -> bool:
        return bool(self.pin_hash)


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app; stored hashed."""

    user = models.ForeignKey(User, related_name="recovery_codes", on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=200)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class Device(models.Model):
    """A TV or app signed in with a code (RFC 8628): a browser session, or a bearer token for other clients.

    Watches as one profile; revoking it ends its session and its token at once."""

    user = models.ForeignKey(User, related_name="devices", on_delete=models.CASCADE)
    profile = models.ForeignKey(Profile, related_name="devices", on_delete=models.CASCADE)
    name = models.CharField(max_length=200, blank=True, help_text="The client's User-Agent, to name it in the list.")
    session_key = models.CharField(max_length=40, blank=True, help_text="The browser session it signed in (web TV).")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True,
                                  help_text="SHA-256 of its API bearer token (non-browser clients); never the token.")
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"device {self.pk} of {self.user} ({'revoked' if self.revoked_at else 'active'})"


class DeviceAuthorization(models.Model):
    """One pending sign-in with a code: the TV holds the device code, the person types the user code."""

    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        DENIED = "denied"
        USED = "used"  # the TV collected its sign-in: the code is spent

    device_code_hash = models.CharField(max_length=64, unique=True)
    user_code_hash = models.CharField(max_length=64, unique=True)
    for_browser = models.BooleanField(default=False, help_text="Asked for by the web TV page: only the browser "
                                      "session that asked is signed in, and no bearer token is issued.")
    client_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    interval_s = models.PositiveSmallIntegerField(default=5)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    last_polled_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    device = models.OneToOneField(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"device authorization {self.pk} ({self.state})"
