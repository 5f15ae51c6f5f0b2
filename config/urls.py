from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before casework: its cases/<id>/<section>/ would otherwise take cases/<id>/services/.
    path("", include("referrals.urls")),
    path("", include("casework.urls")),
]
