from django.urls import path

from . import views

urlpatterns = [
    path("cases/<uuid:case_id>/follow-up/", views.case_follow_up, name="case_follow_up"),
]
