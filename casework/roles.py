"""The four roles, as Django groups created on every migrate."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


def ensure_roles(**kwargs):
    """post_migrate handler: the groups exist after every migrate and every test flush."""
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role.value)


def has_role(user, role):
    return user.is_active and user.groups.filter(name=role).exists()
