"""Operator dashboards: staff (with 2FA) only, plots as valid SVG naming their series, CSV equal to the figures."""

import csv
import datetime as dt
import io

import pyotp
import pytest
from dateutil.relativedelta import relativedelta
from defusedxml import ElementTree

from reelhouse.accounts import twofactor
from reelhouse.backoffice import figures
from reelhouse.backoffice.selectors import month_start
from reelhouse.billing import services
from reelhouse.core import clock
from tests.backoffice.conftest import seed_customers

pytestmark = pytest.mark.django_db

PAGES = ["/ops/dashboard/", "/ops/dashboard/revenue/", "/ops/dashboard/mrr.svg", "/ops/dashboard/revenue.csv"]


def _csv(client, key: str) -> list[dict]:
    response = client.get(f"/ops/dashboard/{key}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _svg_text(client, key: str) -> str:
    response = client.get(f"/ops/dashboard/{key}.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)  # well-formed XML, no entity tricks
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def _this_month() -> str:
    return clock.now().strftime("%Y-%m")


def test_dashboards_are_for_operators_only(client, operator_client, customers):
    for url in PAGES:
        assert client.get(url).status_code == 302  # anonymous: to sign-in
        assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(customers[0])
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    for url in PAGES:
        assert operator_client.get(url).status_code == 200, url
    assert operator_client.get("/ops/dashboard/nope.svg").status_code == 404


def test_operators_need_two_steps_when_required(settings, operator, operator_client):
    settings.REELHOUSE_STAFF_REQUIRE_2FA = True
    response = operator_client.get("/ops/dashboard/")  # never enrolled: signed out, no page from the password alone
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    secret, _svg = twofactor.totp_begin(user=operator)
    twofactor.totp_confirm(user=operator, code=pyotp.TOTP(secret).at(clock.now()))
    response = operator_client.get("/ops/dashboard/")  # 2FA on, but this session signed in with the password only
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    operator_client.force_login(operator)
    session = operator_client.session
    session[twofactor.SESSION_VERIFIED] = {"user": operator.pk, "at": clock.now().isoformat()}
    session.save()
    assert operator_client.get("/ops/dashboard/").status_code == 200


def test_pages_show_every_plot_with_a_text_alternative_and_csv(operator_client, customers):
    for url, keys in [("/ops/dashboard/", figures.OVERVIEW), ("/ops/dashboard/revenue/", figures.REVENUE)]:
        html = operator_client.get(url).content.decode()
        for key in keys:
            spec = figures.FIGURES[key]
            assert f'<figure class="plot" id="figure-{key}"' in html
            assert f'src="/ops/dashboard/{key}.svg" alt="{spec.title}: ' in html
            assert f'href="/ops/dashboard/{key}.csv"' in html
        assert html.count("<figcaption>") == len(keys) and html.count("<summary>Data table</summary>") == len(keys)
    html = operator_client.get("/ops/dashboard/revenue/").content.decode()
    assert "<td>Standard 12 months prepaid</td><td>USD</td><td>9999</td>" in html  # the data table, as in the CSV


def test_plots_are_valid_svg_naming_their_series(operator_client, customers, plans):
    batch = services.voucher_batch_create(name="Spring fair", plan=plans["standard-1m"], months=1, count=3)
    services.voucher_redeem(user=customers[0], code=batch.vouchers.first().code)
    text = {key: _svg_text(operator_client, key) for key in figures.FIGURES}
    for key, spec in figures.FIGURES.items():
        assert str(spec.title) in text[key]
    assert "USD" in text["mrr"] and "EUR" in text["mrr"] and "MRR (currency units per month)" in text["mrr"]
    for name in ["Standard monthly", "Standard 3 months prepaid", "active", "trialing"]:
        assert name in text["subscribers"]
    assert "Plays" in text["plays"] and "Plays (sessions started)" in text["plays"]
    assert "Published deliveries" in text["ingest"] and "Transcode hours" in text["ingest"]
    for name in ["Standard monthly", "Standard 12 months prepaid", "Standard 3 months prepaid", "Net revenue (EUR)",
                 "Net revenue (USD)"]:
        assert name in text["revenue"]
    assert "Churn rate" in text["churn"] and "No data yet" in text["arpu"]  # no complete month yet
    assert "Conversion rate: 0.0%" in text["trials"]
    assert "Spring fair" in text["vouchers"] and "Redeemed" in text["vouchers"]


def test_billing_csv_exports_equal_the_seeded_figures(operator_client, customers, plans):
    month = _this_month()
    assert sorted((r["month"], r["plan"], r["currency"], r["net_minor"], r["payments"])
                  for r in _csv(operator_client, "revenue")) == sorted([
        (month, "Standard monthly", "USD", "999", "1"), (month, "Standard 12 months prepaid", "USD", "9999", "1"),
        (month, "Standard 3 months prepaid", "EUR", "2649", "1")])
    assert [r for r in _csv(operator_client, "mrr") if r["month"] == month] == [
        {"month": month, "currency": "EUR", "mrr_minor": str(round(2649 / 3))},
        {"month": month, "currency": "USD", "mrr_minor": str(999 + round(9999 / 12))}]
    assert sorted((r["plan"], r["state"], r["subscribers"]) for r in _csv(operator_client, "subscribers")) == sorted([
        ("Standard monthly", "active", "1"), ("Standard 12 months prepaid", "active", "1"),
        ("Standard 3 months prepaid", "active", "1"), ("Standard monthly", "trialing", "1")])
    assert _csv(operator_client, "trials") == [{"trials": "1", "converted": "0", "rate": "0.0"}]
    batch = services.voucher_batch_create(name="Spring fair", plan=plans["standard-1m"], months=1, count=3)
    services.voucher_redeem(user=customers[0], code=batch.vouchers.first().code)
    assert _csv(operator_client, "vouchers") == [
        {"batch": "Spring fair", "plan": "Standard monthly", "months": "1", "codes": "3", "redeemed": "1"}]


def _move_clock_to(when: dt.datetime) -> None:
    clock.advance(when - clock.now())


def test_churn_and_arpu_of_a_complete_month(operator, operator_client, plans):
    start = month_start(clock.now()) + relativedelta(months=1)  # M: a month that starts after the seeding
    _move_clock_to(start + dt.timedelta(hours=1))
    users = seed_customers(plans)  # monthly until M+1 01:00, 12m, 3m, a 7-day trial
    _move_clock_to(start + relativedelta(months=1, days=9))
    services.plan_purchase_record(user=users[3], plan=plans["standard-1m"], currency="USD")  # the lapsed trial pays
    _move_clock_to(start + relativedelta(months=2, days=4))  # M+1 is complete now
    operator_client.force_login(operator)  # an operator's session lasts 8 hours: two months on, they sign in again
    m0, m1 = start.strftime("%Y-%m"), (start + relativedelta(months=1)).strftime("%Y-%m")
    churn = {r["month"]: r for r in _csv(operator_client, "churn")}
    assert len(churn) == 12 and list(churn)[-1] == m1
    assert churn[m0] == {"month": m0, "subscribers_start": "0", "churned": "0", "churn_rate": "0.0"}
    # Three had access when M+1 began; the monthly payer did not renew.
    assert churn[m1] == {"month": m1, "subscribers_start": "3", "churned": "1", "churn_rate": "0.3333"}
    assert _csv(operator_client, "arpu") == [{"month": m1, "currency": "USD", "arpu_minor": str(round(999 / 3))}]
    assert _csv(operator_client, "trials") == [{"trials": "1", "converted": "1", "rate": "1.0"}]
    assert "333" not in _svg_text(operator_client, "arpu") and "USD" in _svg_text(operator_client, "arpu")


def test_plays_and_ingest_throughput_per_day(operator_client, published_film, subscriber):
    from reelhouse.media.models import TranscodeJob
    from reelhouse.playback.services import playback_start, playback_stop

    profile = subscriber.profiles.get()
    for _ in range(3):
        playback_stop(session=playback_start(profile=profile, work=published_film, device="test"))
    today = clock.now().date().isoformat()
    plays = _csv(operator_client, "plays")
    assert len(plays) == 30 and plays[-1] == {"day": today, "plays": "3"}
    assert sum(int(r["plays"]) for r in plays) == 3
    job = TranscodeJob.objects.get(state=TranscodeJob.State.DONE)
    hours = round((job.finished_at - job.started_at).total_seconds() / 3600, 4)
    ingest = _csv(operator_client, "ingest")
    assert ingest[-1] == {"day": today, "published": "1", "transcode_hours": str(hours)}
    assert sum(int(r["published"]) for r in ingest) == 1


def test_svg_is_cached_per_figure_day_and_data(operator_client, customers, plans):
    first = operator_client.get("/ops/dashboard/revenue.svg").content
    assert operator_client.get("/ops/dashboard/revenue.svg").content == first
    services.plan_purchase_record(user=customers[3], plan=plans["standard-6m"], currency="EUR")
    changed = operator_client.get("/ops/dashboard/revenue.svg").content
    assert changed != first and b"Standard 6 months prepaid" in changed


def test_trial_conversion_by_the_month_trials_started(operator_client, customers, plans):
    month = _this_month()
    rows = _csv(operator_client, "trial_cohorts")
    assert len(rows) == 12 and rows[-1] == {"month": month, "trials": "1", "converted": "0", "rate": "0.0"}
    assert all(r["trials"] == "0" for r in rows[:-1])
    services.plan_purchase_record(user=customers[3], plan=plans["standard-1m"], currency="USD")  # the trial pays
    assert _csv(operator_client, "trial_cohorts")[-1] == {"month": month, "trials": "1", "converted": "1",
                                                          "rate": "1.0"}
    text = _svg_text(operator_client, "trial_cohorts")
    for name in ["Trial conversion by month", "Trials started", "Paid since", "Conversion rate",
                 "Conversion (% of trials)", month]:
        assert name in text


def test_paused_subscribers_are_counted_by_plan_and_state(operator_client, customers):
    services.subscription_pause(user=customers[0], weeks=2)
    rows = sorted((r["plan"], r["state"], r["subscribers"]) for r in _csv(operator_client, "subscribers"))
    assert ("Standard monthly", "paused", "1") in rows and ("Standard monthly", "active", "1") not in rows


def test_percent_signs_in_plot_labels_are_not_taken_for_python_format():
    """gettext's xgettext (what makemessages runs) must not mark a label like 'Churn (% of …)' python-format, or
    msgfmt --check refuses any translation that does not repeat the bogus '% o' conversion."""
    import re
    import subprocess
    from pathlib import Path

    source = Path(figures.__file__)
    pot = subprocess.run(["xgettext", "--language=Python", "--keyword=_", "--keyword=gettext_lazy",
                          "--from-code=UTF-8", "--add-comments=xgettext", "-o", "-", str(source)],
                         check=True, capture_output=True, text=True).stdout
    entries = [e for e in pot.split("\n\n") if 'msgid "' in e and "%" in e]
    assert entries, "xgettext found no label with a percent sign: the test no longer looks at the right file"
    for entry in entries:
        msgid = re.search(r'msgid "(.*)"', entry).group(1)
        has_placeholder = re.search(r"%\(\w+\)[-#0 +]*\d*(\.\d+)?[diouxXeEfFgGcrs]|%%", msgid) is not None
        flag = "#, python-format" if has_placeholder else "#, no-python-format"
        assert flag in entry, f"{msgid!r} is flagged wrongly:\n{entry}"
