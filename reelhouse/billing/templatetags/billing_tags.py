"""Money in templates: integer minor units and a currency code to '$9.99' / '9,49 €'."""

from django import template

register = template.Library()

FORMATS = {"USD": ("$", "", "."), "EUR": ("", " €", ",")}


@register.filter
def money(amount_minor: int, currency: str = "USD") -> str:
    prefix, suffix, decimal = FORMATS.get(str(currency).upper(), ("", f" {currency}", "."))
    sign = "-" if amount_minor < 0 else ""
    units, cents = divmod(abs(int(amount_minor)), 100)
    return f"{sign}{prefix}{units}{decimal}{cents:02d}{suffix}"
