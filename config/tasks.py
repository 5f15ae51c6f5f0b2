"""Background work that needs every app: the snapshots of the views over several offices."""

from celery import shared_task
from django.utils import timezone

from casework.models import Office, StaffProfile
from casework.roles import Role

from .dashboards import dashboard_figures
from .indicators import kept_tables, national_capacity


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
    """Recompute what the dashboards and the indicators page show (config/snapshots.py): of every
    office, of each set of offices a supervisor oversees, and of all of them; so no request waits."""
    today = timezone.localdate()
    national_capacity(today, recompute=True)
    kept_tables(None, today, recompute=True)
    for office in Office.objects.all():
        kept_tables(office, today, recompute=True)
        dashboard_figures([office.pk], today, recompute=True)
    for chosen in supervised_office_sets():
        dashboard_figures(list(chosen), today, recompute=True)
