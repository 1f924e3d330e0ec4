from django.urls import path

from reelhouse.billing import views

app_name = "billing"
urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/redeem/", views.voucher_redeem, name="redeem"),
    path("account/trial/", views.trial_start, name="trial"),
    path("account/cancel/", views.subscription_cancel, name="cancel"),
    path("account/pause/", views.subscription_pause, name="pause"),
    path("account/unpause/", views.subscription_unpause, name="unpause"),
    path("account/upgrade/", views.subscription_upgrade, name="upgrade"),
    path("account/plan-change/", views.subscription_change, name="change"),
    path("account/plan-change/cancel/", views.subscription_change_cancel, name="change_cancel"),
    path("account/payment-method/", views.billing_portal, name="portal"),
    path("account/billing-details/", views.billing_details, name="details"),
    path("account/referral/", views.referral_enter, name="referral"),
    path("account/stamps/<slug:code>/redeem/", views.stamps_redeem, name="stamps_redeem"),
    path("account/streams/<uuid:session_id>/stop/", views.stream_stop, name="stream_stop"),
    path("account/receipts/<str:number>/", views.receipt, name="receipt"),
    path("billing/checkout/", views.checkout, name="checkout"),
    path("billing/reports/<slug:name>.csv", views.report_csv, name="report_csv"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
