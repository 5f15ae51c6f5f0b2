"""Who may see which cases: the one place that decides (views, search and exports call it).

A case is visible to a user who holds the guardian object permission `view_case` on it (the
team, and whoever took the intake until a team exists), to the supervisors of its office, and to
a supervisor holding an unexpired break-the-glass grant on it (checked on every request).
Auditors and administrators see no case content. Global permissions and superusers grant nothing.
"""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from . import audit
from .models import AccessAction, BreakGlassGrant, Case, CaseUserObjectPermission, Office, User
from .roles import Role, has_role


def offices_supervised_by(user):
    """The offices whose cases and reviews `user` oversees, as a queryset (a subquery when used in a filter)."""
    return Office.objects.filter(supervisors__user=user, supervisors__user__is_active=True, supervisors__user__groups__name=Role.SUPERVISOR)


def supervisors_of(office):
    """The active supervisors of an office, as a queryset of users."""
    return User.objects.filter(staff_profile__supervised_offices=office, is_active=True, groups__name=Role.SUPERVISOR)


def _granted(user, permission):
    """The pks of the cases on which `user` holds the object permission, as a subquery.

    Read straight from guardian's direct foreign-key table: object permissions are given to people,
    never to groups, and guardian's own query ORs in the group table, which PostgreSQL answers by
    reading every case (bench/permissions.py); nor does it touch global permissions or superusers.
    """
    return CaseUserObjectPermission.objects.filter(
        user=user, permission__codename=permission, permission__content_type__app_label="casework"
    ).values("content_object_id")


def cases_visible_to(user):
    """A queryset of the cases `user` may see: one query, whatever the number of cases.

    Offices and break-the-glass grants count only for supervisors (bench/permissions.py: adding
    them to every caseworker's query makes PostgreSQL read the whole table).
    """
    if not (user.is_authenticated and user.is_active):
        return Case.objects.none()
    granted = Q(pk__in=_granted(user, "view_case"))
    if not has_role(user, Role.SUPERVISOR):
        return Case.objects.filter(granted)
    broken_glass = BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now(), revoked_at__isnull=True).values("case")
    return Case.objects.filter(granted | Q(office__in=offices_supervised_by(user)) | Q(pk__in=broken_glass))


def holds(user, case, permission):
    """Whether `user` holds the object permission on this case (one query). An erased case
    (casework.retention) is read-only: nobody may write personal data into it again."""
    if permission != "view_case" and case.erased_at is not None:
        return False
    return _granted(user, permission).filter(content_object_id=case.pk).exists()


def case_for(user, case_id, *, fields=(), permission="view_case"):
    """The case if `user` holds `permission` on it, with a VIEW event; else a DENIED event and a 404.

    "Not allowed" and "does not exist" are the same 404, so a response never reveals that a case
    exists.
    """
    allowed = cases_visible_to(user)
    if permission != "view_case":  # an erased case is read-only (see holds)
        allowed = allowed.filter(pk__in=_granted(user, permission), erased_at__isnull=True)
    case = allowed.select_related("person", "office").filter(pk=case_id).first()
    if case is None:
        audit.record(action=AccessAction.DENIED, object_type=Case._meta.label_lower, object_id=str(case_id))
        raise Http404
    audit.record(action=AccessAction.VIEW, target=case, fields=fields)
    return case
