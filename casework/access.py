"""Who may see which cases: the one place that decides (views, search and exports call it).

For now a case is visible to a user holding the guardian object permission `view_case` on it;
team assignment (issue 5) and supervision of offices (issue 4) grant it.
"""

from guardian.shortcuts import get_objects_for_user

from .models import Case


def cases_visible_to(user):
    """A queryset of the cases `user` may see. Global permissions and superusers grant nothing."""
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    return get_objects_for_user(user, "casework.view_case", klass=Case, accept_global_perms=False, with_superuser=False)
