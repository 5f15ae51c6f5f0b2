from django.urls import path

from . import views

urlpatterns = [
    path("cases/<uuid:case_id>/services/", views.case_services, name="case_services"),
    path("cases/<uuid:case_id>/services/refer/", views.referral_new, name="referral_new"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("reports/gaps/", views.gap_report, name="gap_report"),
]
