"""Forms of the support desk: a request (signed in, or a visitor with the anti-spam fields), replies, the agent's
reply/note/update, and a rating."""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from reelhouse.core import clock
from reelhouse.support import conf
from reelhouse.support.attachments import Upload
from reelhouse.support.models import Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > conf.ATTACHMENTS_PER_MESSAGE:
            raise forms.ValidationError(_("At most %(n)s files can go with one message.") %
                                        {"n": conf.ATTACHMENTS_PER_MESSAGE})
        uploads = []
        for f in files:
            if f.size > conf.ATTACHMENT_MAX_BYTES:
                raise forms.ValidationError(_("%(name)s is too large; attachments can be up to %(max)s MB.") % {
                    "name": f.name, "max": conf.ATTACHMENT_MAX_BYTES // 1048576})
            uploads.append(Upload(filename=f.name, data=f.read()))
        return uploads


class RequestForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 8}),
                           max_length=conf.BODY_MAX_CHARS)
    files = FilesField(label=_("Screenshots or files (pictures, PDF, text)"))


def form_stamp() -> str:
    return signing.dumps(int(clock.now().timestamp()), salt=conf.FORM_SALT)


class VisitorRequestForm(RequestForm):
    """For people who cannot sign in. Spam resistance: a field people never see must stay empty, and the form must
    have been shown by us between FORM_MIN_SECONDS and FORM_MAX_SECONDS before it is sent (a signed stamp)."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your e-mail address"))
    website = forms.CharField(label=_("Leave this empty"), required=False)  # the honeypot
    shown = forms.CharField(widget=forms.HiddenInput)

    field_order = ["name", "email", "subject", "body", "files", "website", "shown"]

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("This looks automated; please write to us by e-mail instead."),
                                        code="honeypot")
        try:
            shown = signing.loads(data.get("shown") or "", salt=conf.FORM_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(_("The form has expired; please send it again."), code="stamp") from None
        age = clock.now().timestamp() - int(shown)
        if age < conf.FORM_MIN_SECONDS:
            raise forms.ValidationError(_("That was very fast; please check your message and send it again."),
                                        code="too_fast")
        if age > conf.FORM_MAX_SECONDS:
            raise forms.ValidationError(_("The form has expired; please send it again."), code="stamp")
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=conf.BODY_MAX_CHARS)
    files = FilesField(label=_("Files"))


class AgentReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    files = FilesField(label=_("Files"))


class TicketUpdateForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=Ticket.State.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    assignee = forms.TypedChoiceField(label=_("Assigned to"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody"))] + [(a.pk, a.email) for a in agents]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("How did we do?"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(5, _("Great")), (3, _("Okay")), (1, _("Poor"))])
    comment = forms.CharField(label=_("Anything to add? (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
