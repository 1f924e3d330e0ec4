"""Writes for people: creating users and their first profile."""

from django.db import transaction

from reelhouse.accounts.models import Profile, User
from reelhouse.core.services import audit_record


@transaction.atomic
def user_create(*, email: str, password: str, display_name: str = "", is_staff: bool = False,
                is_superuser: bool = False, country: str = "US") -> User:
    """Create a user with one default profile named after them."""
    user = User.objects.create_user(
        email, password, display_name=display_name, is_staff=is_staff, is_superuser=is_superuser, country=country
    )
    Profile.objects.create(user=user, name=display_name or email.split("@")[0])
    audit_record(action="user.created", subject=user)
    return user


def user_ensure(*, email: str, password: str, **fields) -> tuple[User, bool]:
    """Return the user with this email, creating it if needed (the password is set either way)."""
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        return user_create(email=email, password=password, **fields), True
    user.set_password(password)
    user.save(update_fields=["password"])
    return user, False
