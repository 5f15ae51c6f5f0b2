from django.urls import path

from . import views

urlpatterns = [
    path("cases/<uuid:case_id>/follow-up/", views.case_follow_up, name="case_follow_up"),
    path("cases/<uuid:case_id>/follow-up/visits/<int:visit_id>/", views.visit_record, name="visit_record"),
    path("health/reminders/", views.reminders_health, name="reminders_health"),
]
