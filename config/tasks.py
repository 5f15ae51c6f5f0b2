"""Background work that needs every app: the snapshots of the views over several offices."""

from celery import shared_task
from django.utils import timezone

from casework.models import StaffProfile
from casework.roles import Role

from .dashboards import several_offices_figures
from .indicators import national_capacity, national_counts


def supervised_office_sets():
    """Each set of two or more offices some active supervisor oversees (ids, sorted): the dashboards to keep."""
    pairs = StaffProfile.supervised_offices.through.objects.filter(
        staffprofile__user__is_active=True, staffprofile__user__groups__name=Role.SUPERVISOR
    ).values_list("staffprofile_id", "office_id")
    offices_of = {}
    for profile, office in pairs:
        offices_of.setdefault(profile, set()).add(office)
    return {tuple(sorted(offices)) for offices in offices_of.values() if len(offices) > 1}


@shared_task(name="config.refresh_snapshots")
def refresh_snapshots():
    """Recompute the indicators of every office, the specialised staff of every region and the dashboard
    of each supervisor of several offices (config/snapshots.py), so that no request waits for them."""
    today = timezone.localdate()
    national_counts(today, recompute=True)
    national_capacity(today, recompute=True)
    for chosen in supervised_office_sets():
        several_offices_figures(list(chosen), today, recompute=True)
