from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    """Follow-up plans, visits, reminders and their Celery tasks (imports casework)."""

    name = "followup"
    verbose_name = _("Follow-up")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import retention  # noqa: F401 - erases visit records' free text with their case
