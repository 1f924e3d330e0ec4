"""The public notice form: the union of a DMCA §512(c)(3) notification and an EU DSA Article 16 notice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reelhouse.core.countries import country_choices
from reelhouse.rights.models import Notice
from reelhouse.rights.notices import NoticeError, works_for_url

SCOPES = [(Notice.Scope.EPISODE, _("One episode")), (Notice.Scope.SEASON, _("A whole season")),
          (Notice.Scope.SERIES, _("A whole series")), (Notice.Scope.FILM, _("A film"))]


class NoticeForm(forms.Form):
    claimant_name = forms.CharField(label=_("Your full name"), max_length=200)
    on_behalf_of = forms.CharField(label=_("Rights holder you act for (if not yourself)"), max_length=200,
                                   required=False)
    claimant_address = forms.CharField(label=_("Postal address"), widget=forms.Textarea(attrs={"rows": 3}))
    claimant_email = forms.EmailField(label=_("E-mail address"))
    claimant_phone = forms.CharField(label=_("Telephone (optional)"), max_length=40, required=False)
    works_claimed = forms.CharField(label=_("The copyrighted work(s) you say are infringed"),
                                    widget=forms.Textarea(attrs={"rows": 3}))
    scope = forms.ChoiceField(label=_("What should be taken down"), choices=SCOPES)
    territories = forms.CharField(
        label=_("Territories (optional)"), max_length=800, required=False,
        help_text=_("Country codes separated by commas, e.g. FR, DE. Leave empty for all territories."))
    urls = forms.CharField(label=_("The exact addresses on this service, one per line"),
                           widget=forms.Textarea(attrs={"rows": 3}))
    explanation = forms.CharField(label=_("Why the material infringes your rights"),
                                  widget=forms.Textarea(attrs={"rows": 5}))
    good_faith = forms.BooleanField(label=_(
        "I have a good faith belief that use of the material in the manner complained of is not authorised by the "
        "copyright owner, its agent, or the law."))
    accurate = forms.BooleanField(label=_(
        "The information in this notice is accurate and complete, and, under penalty of perjury, I am authorised "
        "to act on behalf of the owner of the right that is allegedly infringed."))
    signature = forms.CharField(label=_("Signature (type your full name)"), max_length=200)

    def clean_territories(self):
        codes = [c.strip().upper() for c in self.cleaned_data["territories"].split(",") if c.strip()]
        known = {code for code, _name in country_choices("en")}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(_("Unknown country code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
        return ",".join(codes)

    def clean(self):
        data = super().clean()
        urls = [u.strip() for u in data.get("urls", "").splitlines() if u.strip()]
        if urls and data.get("scope"):
            problems = []
            for url in urls:
                try:
                    works_for_url(url, data["scope"])
                except NoticeError as exc:
                    problems.append(str(exc))
            if problems:
                self.add_error("urls", problems)
            data["urls"] = "\n".join(urls)
        return data

    def missing(self) -> list[str]:
        """The labels of the required fields left empty, for the summary at the top of the form."""
        return [str(self.fields[name].label) for name, errors in self.errors.items()
                if name in self.fields and any(e.code == "required" for e in errors.as_data())]


class CounterNoticeForm(forms.Form):
    """A counter-notification: the fields DMCA §512(g)(3) requires."""

    reference = forms.CharField(label=_("Reference of the notice (e.g. RH-2026-000123)"), max_length=20)
    name = forms.CharField(label=_("Your full name"), max_length=200)
    address = forms.CharField(label=_("Postal address"), widget=forms.Textarea(attrs={"rows": 3}))
    email = forms.EmailField(label=_("E-mail address"))
    phone = forms.CharField(label=_("Telephone (optional)"), max_length=40, required=False)
    material = forms.CharField(label=_("The material removed and where it appeared before removal"),
                               widget=forms.Textarea(attrs={"rows": 3}))
    mistake_statement = forms.BooleanField(label=_(
        "Under penalty of perjury, I have a good faith belief that the material was removed or disabled as a result "
        "of mistake or misidentification."))
    jurisdiction_consent = forms.BooleanField(label=_(
        "I consent to the jurisdiction of the court for my address (or, outside the United States, any judicial "
        "district where the service may be found) and will accept service of process from the claimant."))
    signature = forms.CharField(label=_("Signature (type your full name)"), max_length=200)

    def missing(self) -> list[str]:
        return NoticeForm.missing(self)
