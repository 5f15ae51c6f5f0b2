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
    ],
}


def ensure_roles(**kwargs):
    """post_migrate handler: the groups and their permissions exist after every migrate and flush."""
    from django.contrib.auth.models import Group, Permission

    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = ROLE_MODEL_PERMISSIONS.get(role, [])
        if wanted:
            permissions = [
                Permission.objects.get(content_type__app_label=label, codename=codename)
                for label, codename in (name.split(".") for name in wanted)
            ]
            group.permissions.add(*permissions)


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
