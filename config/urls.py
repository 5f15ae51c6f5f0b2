from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before casework: its cases/<id>/<section>/ would otherwise take cases/<id>/services/ and follow-up/.
    path("", include("referrals.urls")),
    path("", include("followup.urls")),
    path("", include("casework.urls")),
]
