"""Forms for the profile pages: they validate input; services do the writing."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from reelhouse.accounts.models import Profile
from reelhouse.core.countries import country_choices


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    is_kids = forms.BooleanField(label=_("Kids profile"), required=False,
                                 help_text=_("Only titles rated for children, a simpler home page."))
    max_maturity = forms.TypedChoiceField(label=_("Highest age rating shown"), coerce=int,
                                          choices=Profile.Maturity.choices, initial=Profile.Maturity.ADULT)
    language = forms.ChoiceField(label=_("Interface language"), required=False,
                                 choices=[("", _("Same as the browser")), *settings.LANGUAGES])
    pin = forms.RegexField(label=_("Profile lock (4 digits)"), regex=r"^\d{4}$", required=False,
                           help_text=_("Leave empty for no lock."),
                           error_messages={"invalid": _("A profile lock is exactly 4 digits.")},
                           widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    remove_pin = forms.BooleanField(label=_("Remove the lock"), required=False)
    audio_language = forms.ChoiceField(label=_("Audio"), required=False,
                                       choices=[("", _("The title's own")), *settings.LANGUAGES],
                                       help_text=_("The player starts titles in these languages where they have them; "
                                                   "a choice made in the player is saved here too."))
    subtitle_language = forms.ChoiceField(label=_("Subtitles"), required=False,
                                          choices=[("", _("Off")), *settings.LANGUAGES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A language picked in the player that the interface does not speak (say 'es') stays selectable.
        for name in ("audio_language", "subtitle_language"):
            field, current = self.fields[name], self.initial.get(name)
            if current and current not in dict(field.choices):
                field.choices = [*field.choices, (current, current)]


class PinForm(forms.Form):
    pin = forms.RegexField(label=_("PIN"), regex=r"^\d{4}$",
                           error_messages={"invalid": _("Enter the 4 digits of this profile's lock.")},
                           widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                                             "autofocus": True}))


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               help_text=_("At least 10 characters; not a common password."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    # A callable, so the names are in the language of each request ('Allemagne' for a French visitor).
    country = forms.ChoiceField(label=_("Country"), choices=country_choices,
                                help_text=_("What you can watch depends on the country you live in."))


class AccountPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail is written in the account's language (not the browser's of whoever asked)
    and goes out through the mail queue."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        from reelhouse.core.mailing import mail_queue, recipient_language

        user = context["user"]
        with translation.override(recipient_language(user)):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            text = loader.render_to_string(email_template_name, context)
            html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
        mail_queue(to=to_email, subject=subject, text=text, html=html, user=user)
