"""Numbered invoices: parties, VAT and amounts formatted per locale, on a printable page and by email (real SMTP)."""

import email
import email.policy

import pytest
from django.utils import formats, translation

from reelhouse.accounts.services import user_create
from reelhouse.billing import conf, services
from reelhouse.billing.formatting import money_format, percent_format
from reelhouse.core import clock

pytestmark = pytest.mark.django_db(transaction=True)
NB = "\u00a0"  # no-break space: between an amount and its symbol
NNB = "\u202f"  # narrow no-break space: CLDR's French thousands separator


@pytest.mark.parametrize("amount, currency, language, shown", [
    (999, "USD", "en", "$9.99"), (949, "EUR", "en", "€9.49"), (123456789, "USD", "en", "$1,234,567.89"),
    (999, "USD", "fr", f"9,99{NB}$US"), (949, "EUR", "fr", f"9,49{NB}€"),
    (123456789, "EUR", "fr", f"1{NNB}234{NNB}567,89{NB}€"),
    (999, "USD", "de", f"9,99{NB}$"), (123456789, "EUR", "de", f"1.234.567,89{NB}€"),
    (5, "USD", "en", "$0.05"), (0, "EUR", "fr", f"0,00{NB}€"),
    # The yen has no minor unit: 1200 is ¥1,200, not ¥12.00.
    (1200, "JPY", "en", "¥1,200"), (1200, "JPY", "fr", f"1{NNB}200{NB}JPY"), (123456, "JPY", "de", f"123.456{NB}¥"),
    # Refunds and credits: the minus goes where each language puts it.
    (-250, "EUR", "de", f"-2,50{NB}€"), (-250, "EUR", "en", "-€2.50"), (-999, "USD", "fr", f"-9,99{NB}$US"),
    (-1200, "JPY", "en", "-¥1,200"),
])
def test_money_is_written_the_way_each_language_writes_it(amount, currency, language, shown):
    assert money_format(amount, currency, language=language) == shown


def test_money_follows_the_active_language_and_survives_a_regional_or_unknown_code():
    with translation.override("fr"):
        assert money_format(949, "eur") == f"9,49{NB}€"
    assert money_format(949, "EUR", language="de-at") == f"€{NB}9,49"  # Austria writes the euro first
    assert money_format(949, "EUR", language="fr-xx") == f"9,49{NB}€"  # unknown region: the language's own way


@pytest.mark.parametrize("bp, language, shown", [(2000, "en", "20%"), (550, "en", "5.5%"), (550, "fr", f"5,5{NB}%"),
                                                 (1900, "de", f"19{NB}%"), (1234, "de", f"12,34{NB}%")])
def test_vat_rates_are_written_per_language(bp, language, shown):
    assert percent_format(bp, language=language) == shown


@pytest.mark.parametrize("amount, bp, vat", [(999, 2000, 167), (949, 1900, 152), (2649, 550, 138), (0, 2000, 0),
                                             (999, 0, 0)])
def test_vat_included_in_a_price_is_rounded_half_up(amount, bp, vat):
    assert services.vat_included(amount_minor=amount, rate_bp=bp) == vat


def test_vat_rates_setting_is_checked_with_a_clear_error(settings):
    settings.REELHOUSE_VAT_RATES = "FR=20, de=19,*=0, AT=5.5"
    assert conf.vat_rates() == {"FR": 2000, "DE": 1900, "*": 0, "AT": 550}
    settings.REELHOUSE_VAT_RATES = "FR=20,France=20"
    with pytest.raises(ValueError, match="'France=20' is not COUNTRY=PERCENT"):
        conf.vat_rates()
    settings.REELHOUSE_VAT_RATES = "FR=lots"
    with pytest.raises(ValueError, match="'FR=lots' is not COUNTRY=PERCENT"):
        conf.vat_rates()


@pytest.fixture
def seller(settings):
    settings.REELHOUSE_SELLER_NAME = "Reelhouse Films SAS"
    settings.REELHOUSE_SELLER_ADDRESS = "12 rue des Lilas|75011 Paris|France"
    settings.REELHOUSE_SELLER_VAT_ID = "FR40123456789"
    settings.REELHOUSE_VAT_RATES = "FR=20,DE=19"


@pytest.fixture
def claire(db):
    user = user_create(email="claire@example.com", password="correct horse battery", display_name="Claire")
    services.billing_profile_update(user=user, name="Claire Dubois", address="3 place du Marché\n69002 Lyon",
                                    country="fr", vat_id="")
    return user


def test_an_invoice_carries_the_parties_and_the_vat_of_the_buyers_country(claire, plans, seller):
    payment = services.plan_purchase_record(user=claire, plan=plans["standard-1m"], currency="EUR")
    assert payment.number == f"RH-{clock.now().year}-000001"
    assert payment.seller_details.splitlines() == ["Reelhouse Films SAS", "12 rue des Lilas", "75011 Paris", "France"]
    assert payment.buyer_details.splitlines() == ["Claire Dubois", "3 place du Marché", "69002 Lyon", "FR",
                                                  "claire@example.com"]
    assert (payment.buyer_country, payment.vat_rate_bp, payment.vat_minor) == ("FR", 2000, 158)  # 949 / 1.2
    # Later changes do not rewrite an invoice already issued.
    services.billing_profile_update(user=claire, name="Claire D.", address="", country="DE", vat_id="")
    payment.refresh_from_db()
    assert payment.buyer_details.startswith("Claire Dubois") and payment.vat_rate_bp == 2000
    second = services.plan_purchase_record(user=claire, plan=plans["standard-1m"], currency="EUR")
    assert (second.buyer_country, second.vat_rate_bp, second.vat_minor) == ("DE", 1900, 152)


def test_no_vat_line_where_the_operator_set_no_rate(member, plans, seller):
    payment = services.plan_purchase_record(user=member, plan=plans["standard-1m"], currency="USD")
    assert (payment.buyer_country, payment.vat_rate_bp, payment.vat_minor) == ("US", 0, 0)


@pytest.mark.parametrize("language, amount, vat, net, country", [
    ("en", "€9.49", "€1.58", "€7.91", "France"), ("fr", f"9,49{NB}€", f"1,58{NB}€", f"7,91{NB}€", "France"),
    ("de", f"9,49{NB}€", f"1,58{NB}€", f"7,91{NB}€", "Frankreich"),
])
def test_the_invoice_page_is_printable_and_formatted_in_the_readers_language(client, claire, plans, seller, language,
                                                                             amount, vat, net, country):
    payment = services.plan_purchase_record(user=claire, plan=plans["standard-1m"], currency="EUR")
    client.force_login(claire)
    page = client.get(f"/account/receipts/{payment.number}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        date = formats.date_format(payment.paid_at, "DATE_FORMAT")
    assert f'lang="{language}"' in page and date in page and payment.number in page
    assert f'<td class="num">{amount}</td>' in page and f'<td class="num">{vat}</td>' in page and net in page
    assert "Reelhouse Films SAS<br>12 rue des Lilas<br>75011 Paris<br>France<br>" in page
    assert f"Claire Dubois<br>3 place du Marché<br>69002 Lyon<br>{country}<br>" in page and "FR40123456789" in page
    assert "billing/invoice.css" in page
    account = client.get("/account/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'href="/account/receipts/{payment.number}/"' in account


def test_the_print_stylesheet_leaves_only_the_invoice_on_paper(client):
    css = client.get("/static/billing/invoice.css")
    text = b"".join(css.streaming_content if css.streaming else [css.content]).decode()
    assert css.status_code == 200 and "@media print" in text
    assert "header.top, footer.foot, .invoice-actions" in text


def test_nobody_else_sees_an_invoice(client, claire, member, plans):
    payment = services.plan_purchase_record(user=claire, plan=plans["standard-1m"], currency="EUR")
    client.force_login(member)
    assert client.get(f"/account/receipts/{payment.number}/").status_code == 404


def test_billing_details_are_saved_from_the_account_page_and_checked(client, member, plans):
    client.force_login(member)
    page = client.post("/account/billing-details/", {"name": "Member GmbH", "address": "Hauptstraße 1\n10115 Berlin",
                                                     "country": "de", "vat_id": "de 123 456 789"}, follow=True)
    assert "Billing details saved" in page.content.decode()
    profile = member.billing_profile
    assert (profile.country, profile.vat_id) == ("DE", "DE123456789")
    page = client.post("/account/billing-details/", {"name": "x", "address": "", "country": "XX", "vat_id": ""},
                       follow=True)
    assert "&#x27;XX&#x27; is not a country code" in page.content.decode()


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_the_invoice_is_mailed_in_the_subscribers_language_through_a_real_smtp_server(smtp_server, plans, seller):
    hans = user_create(email="hans@example.com", password="correct horse battery", display_name="Hans")
    hans.language = "de"
    hans.save(update_fields=["language"])
    services.billing_profile_update(user=hans, name="Hans Meier", address="Hauptstraße 1\n10115 Berlin",
                                    country="DE", vat_id="DE123456789")
    payment = services.plan_purchase_record(user=hans, plan=plans["standard-3m"], currency="EUR")
    [(to, raw)] = smtp_server.messages
    message = _parse(raw)
    assert to == ["hans@example.com"] and payment.number in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    with translation.override("de"):
        date = formats.date_format(payment.paid_at, "DATE_FORMAT")  # e.g. "25. November 2026"
    for body in (text, html):
        assert payment.number in body and date in body
        assert f"26,49{NB}€" in body and f"4,23{NB}€" in body and f"22,26{NB}€" in body  # total, 19 % VAT, net
        assert f"19{NB}%" in body and "Hans Meier" in body and "DE123456789" in body and "FR40123456789" in body
    lines = text.splitlines()
    assert lines[lines.index("  10115 Berlin") + 1] == "  Deutschland"  # the country named, not 'DE'
    assert "10115 Berlin<br>Deutschland<br>" in html
    assert "Reelhouse Films SAS<br>12 rue des Lilas" in html and 'lang="de"' in html
