from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Service catalogue, routing engine, referrals and service gaps (imports casework)."""

    name = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import gaps, retention  # noqa: F401 - offers the service-gaps aggregate export; erases referral notes with their case
