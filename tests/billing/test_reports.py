"""Back-office billing figures: subscribers by plan and state, revenue, MRR, churn, ARPU, trials, vouchers."""

import csv
import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client

from reelhouse.accounts.services import user_create
from reelhouse.billing import reports, services
from reelhouse.core import clock
from tests.conftest import with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(plans):
    users = [user_create(email=f"c{i}@example.com", password="correct horse battery") for i in range(4)]
    services.plan_purchase_record(user=users[0], plan=plans["standard-1m"], currency="USD")
    services.plan_purchase_record(user=users[1], plan=plans["standard-12m"], currency="USD")
    services.plan_purchase_record(user=users[2], plan=plans["standard-3m"], currency="EUR")
    users[3].email_verified_at = users[3].date_joined  # a trial needs a confirmed address
    users[3].save(update_fields=["email_verified_at"])
    services.trial_start(user=users[3])
    return users


def test_subscribers_by_plan_and_state(customers):
    rows = {(r["plan_name"], r["sub_state"]): r["subscribers"]
            for r in reports.subscribers_by_plan_and_state(at=clock.now())}
    assert rows == {("Standard monthly", "active"): 1, ("Standard 12 months prepaid", "active"): 1,
                    ("Standard 3 months prepaid", "active"): 1, ("Standard monthly", "trialing"): 1}


def test_mrr_spreads_prepaid_terms_over_their_months(customers):
    assert reports.mrr(at=clock.now()) == {"EUR": round(2649 / 3), "USD": 999 + round(9999 / 12)}
    assert reports.mrr(at=clock.now() + relativedelta(months=2, days=1)) == {"EUR": 883, "USD": 833}
    assert reports.mrr(at=clock.now() + relativedelta(months=6)) == {"USD": 833}


def test_churn_arpu_and_trial_conversion(customers, plans):
    month_start = clock.now() + dt.timedelta(seconds=1)
    figures = reports.month_figures(month_start=month_start)
    # The monthly payer and the trial lapse within the month; the prepaid ones stay.
    assert (figures.subscribers_start, figures.churned, figures.churn_rate) == (4, 2, 0.5)
    assert reports.trial_conversion() == {"trials": 1, "converted": 0, "rate": 0.0}
    clock.advance(dt.timedelta(days=1))
    services.plan_purchase_record(user=customers[3], plan=plans["standard-1m"], currency="USD")  # the trial converts
    assert reports.trial_conversion() == {"trials": 1, "converted": 1, "rate": 1.0}
    figures = reports.month_figures(month_start=month_start)
    assert (figures.churned, figures.revenue_minor, figures.arpu_minor) == (1, {"USD": 999}, {"USD": 250})


@pytest.fixture
def operator_client(db):
    operator = with_role(user_create(email="operator@example.com", password="correct horse battery", is_staff=True),
                         "finance")
    staff = Client()
    staff.force_login(operator)
    return staff


def test_revenue_csv_is_for_staff_only(client, operator_client, customers, member):
    """The billing reports' old URLs send (permanently) to their one route, /ops/dashboard/<name>.csv, which checks."""
    assert operator_client.get("/billing/reports/nope.csv").status_code == 404
    moved = operator_client.get("/billing/reports/revenue.csv")
    assert moved.status_code == 301 and moved["Location"] == "/ops/dashboard/revenue.csv"
    client.force_login(member)
    assert client.get("/billing/reports/revenue.csv", follow=True).status_code == 403  # without the finance role
    rows = list(csv.DictReader(io.StringIO(
        operator_client.get("/billing/reports/revenue.csv", follow=True).content.decode())))
    by_plan = {(r["plan"], r["currency"]): int(r["net_minor"]) for r in rows}
    assert by_plan == {("Standard monthly", "USD"): 999, ("Standard 12 months prepaid", "USD"): 9999,
                       ("Standard 3 months prepaid", "EUR"): 2649}
    months = list(csv.DictReader(io.StringIO(
        operator_client.get("/billing/reports/months.csv", follow=True).content.decode())))
    assert len({r["month"] for r in months}) == 12
    batch = services.voucher_batch_create(name="Fair", plan=services.plan_default(), months=1, count=3)
    services.voucher_redeem(user=member, code=batch.vouchers.first().code)
    vouchers = list(csv.DictReader(io.StringIO(
        operator_client.get("/billing/reports/vouchers.csv", follow=True).content.decode())))
    assert (vouchers[0]["batch"], vouchers[0]["codes"], vouchers[0]["redeemed"]) == ("Fair", "3", "1")
