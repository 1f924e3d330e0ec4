"""`reelhouse staff_enrol EMAIL`: the one-time link with which an operator sets up two-step sign-in.

An operator account (made with `reelhouse createsuperuser`, or an account an operator was made in the admin) cannot
sign in with its password alone and cannot set up two-step sign-in from a password-only session: it opens this
link, enters its password and scans the code. Printed here; `--mail` also mails it to the operator."""

from django.core.management.base import BaseCommand, CommandError

from reelhouse.accounts import twofactor
from reelhouse.accounts.models import User


class Command(BaseCommand):
    help = "Print (and with --mail, send) an operator's one-time link to set up two-step sign-in."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000/",
                            help="Where operators reach this server (default http://127.0.0.1:8000/).")
        parser.add_argument("--mail", action="store_true", help="Also mail the link to the operator.")

    def handle(self, *args, email, base_url, mail, **options):
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {email!r}; create it with `reelhouse createsuperuser`")
        if not twofactor.is_operator(user):
            raise CommandError(f"{user.email} is not an operator (staff) account; make it one in the admin first")
        try:
            link = twofactor.enrolment_link(user=user, base_url=base_url)
        except twofactor.TwoFactorError as exc:
            raise CommandError(f"{exc} To move it to a new phone, use its security page with a current code.") \
                from exc
        if mail:
            from reelhouse.core.mailing import mail_queue

            mail_queue(to=user.email, user=user, subject="Set up two-step sign-in for Reelhouse",
                       text=f"Open this link within 3 days to set up two-step sign-in for {user.email}:\n\n{link}\n\n"
                       "It works once. If you did not expect this mail, tell the other operators.")
            self.stdout.write(f"Mailed to {user.email}.")
        self.stdout.write(link)
