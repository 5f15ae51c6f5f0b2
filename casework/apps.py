from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, middleware, retention, reviews, staffing  # noqa: F401  (register the checks, the sign-in hook, the review kinds)
        from .htcds import transfer  # noqa: F401  (the review kind of a case transfer without consent)
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, dispatch_uid="casework.ensure_roles")  # after every app: see ensure_roles
