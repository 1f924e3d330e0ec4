"""Money in templates: integer minor units and a currency code, in the active language ('$9.99', '9,49 €')."""

from django import template

from reelhouse.billing.formatting import money_format, percent_format

register = template.Library()


@register.filter
def money(amount_minor: int, currency: str = "USD") -> str:
    return money_format(amount_minor, currency)


@register.filter
def percent_bp(basis_points: int) -> str:
    return percent_format(basis_points)
