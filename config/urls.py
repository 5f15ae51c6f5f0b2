from django.contrib import admin
from django.urls import include, path

from . import dashboards, health, indicators

urlpatterns = [
    path("admin/", admin.site.urls),
    # The dashboards compose what every app counts (the apps do not import each other).
    path("", dashboards.home, name="home"),
    path("dashboard/", dashboards.supervisor_dashboard, name="supervisor_dashboard"),
    path("indicators/", indicators.indicators, name="indicators"),
    # For monitoring and container healthchecks, without signing in: database, broker, reminder sweep.
    path("health/", health.health, name="health"),
    # Before casework: its cases/<id>/<section>/ would otherwise take cases/<id>/services/ and follow-up/.
    path("", include("referrals.urls")),
    path("", include("followup.urls")),
    path("", include("casework.urls")),
]
