"""Who may see which cases: the one place that decides (views, search and exports call it).

A case is visible to a user who holds the guardian object permission `view_case` on it (the
team, and whoever took the intake until a team exists), to the supervisors of its office, and to
a supervisor holding an unexpired break-the-glass grant on it (checked on every request).
Auditors and administrators see no case content. Global permissions and superusers grant nothing.
"""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from . import audit
from .models import AccessAction, BreakGlassGrant, Case, Office, User
from .roles import Role


def offices_supervised_by(user):
    """The offices whose cases and reviews `user` oversees, as a queryset (a subquery when used in a filter)."""
    return Office.objects.filter(supervisors__user=user, supervisors__user__is_active=True, supervisors__user__groups__name=Role.SUPERVISOR)


def supervisors_of(office):
    """The active supervisors of an office, as a queryset of users."""
    return User.objects.filter(staff_profile__supervised_offices=office, is_active=True, groups__name=Role.SUPERVISOR)


def cases_visible_to(user):
    """A queryset of the cases `user` may see: one query, whatever the number of cases."""
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    granted = get_objects_for_user(user, "casework.view_case", klass=Case, accept_global_perms=False, with_superuser=False)
    broken_glass = BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now(), revoked_at__isnull=True).values("case")
    return Case.objects.filter(Q(pk__in=granted.values("pk")) | Q(office__in=offices_supervised_by(user)) | Q(pk__in=broken_glass))


def case_for(user, case_id, *, fields=(), permission="view_case"):
    """The case if `user` holds `permission` on it, with a VIEW event; else a DENIED event and a 404.

    "Not allowed" and "does not exist" are the same 404, so a response never reveals that a case
    exists.
    """
    allowed = cases_visible_to(user)
    if permission != "view_case":
        allowed = allowed & get_objects_for_user(
            user, f"casework.{permission}", klass=Case, accept_global_perms=False, with_superuser=False
        )
    case = allowed.select_related("person", "office").filter(pk=case_id).first()
    if case is None:
        audit.record(action=AccessAction.DENIED, object_type=Case._meta.label_lower, object_id=str(case_id))
        raise Http404
    audit.record(action=AccessAction.VIEW, target=case, fields=fields)
    return case
