"""The four roles, as Django groups created on every migrate."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


# Model permissions each role holds through its group. Case content is reached only through
# object permissions (django-guardian), never through these.
ROLE_MODEL_PERMISSIONS = {
    Role.ADMINISTRATOR: [
        "casework.add_user",
        "casework.change_user",
        "casework.view_user",
        "casework.add_office",
        "casework.change_office",
        "casework.view_office",
        "casework.add_staffprofile",
        "casework.change_staffprofile",
        "casework.view_staffprofile",
        "casework.add_teampolicy",
        "casework.change_teampolicy",
        "casework.view_teampolicy",
        "casework.delete_teampolicy",
        "referrals.add_provider",
        "referrals.change_provider",
        "referrals.view_provider",
        "referrals.add_service",
        "referrals.change_service",
        "referrals.view_service",
        "followup.change_followupschedule",
        "followup.view_followupschedule",
    ],
}


def ensure_roles(**kwargs):
    """post_migrate handler: the groups and their permissions exist after every migrate and flush.

    Django sends post_migrate once per app, and an app's permissions exist only after its own
    turn: each call adds the permissions that exist so far, and the last call completes them.
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = ROLE_MODEL_PERMISSIONS.get(role, [])
        if wanted:
            matching = Q()
            for label, codename in (name.split(".") for name in wanted):
                matching |= Q(content_type__app_label=label, codename=codename)
            group.permissions.add(*Permission.objects.filter(matching))


def roles_of(user):
    """The user's role names, read once per user object (in a view: once per request)."""
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    names = getattr(user, "_role_names", None)
    if names is None:
        names = user._role_names = frozenset(user.groups.values_list("name", flat=True))
    return names


def has_role(user, role):
    return role in roles_of(user)
