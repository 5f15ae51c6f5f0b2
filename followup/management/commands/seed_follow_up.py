"""`manage.py seed_follow_up`: follow-up plans for the demo's cases whose care has ended.

Run by `make run` after seed_demo (casework knows nothing of follow-up, so its demo cannot make
plans). Each case in follow-up with an end-of-care date and no plan gets one from the schedule,
started by someone who works the case, so the reminder sweep has visits falling due at once.
Idempotent; refused with DEBUG off unless --allow-production.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework.choices import CaseStatus
from casework.models import Case, CaseUserObjectPermission
from followup import services


class Command(BaseCommand):
    help = "Follow-up plans for the demo's cases whose care has ended."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="Run even with DEBUG off (a demo server).")

    def handle(self, *, allow_production, verbosity, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(_("DEBUG is off, so this may be a real database. Run with DEBUG=1, or add --allow-production."))
        cases = Case.objects.filter(status=CaseStatus.FOLLOW_UP, care_ended_on__isnull=False, follow_up__isnull=True)
        cases = cases.select_related("person")
        started = 0
        for case in cases.order_by("reference"):
            holder = CaseUserObjectPermission.objects.filter(content_object=case, permission__codename="change_case").order_by("pk").first()
            if holder is None:
                continue
            services.plan_start(actor=holder.user, case=case, care_ended_on=case.care_ended_on)
            started += 1
        if verbosity:
            self.stdout.write(_("Follow-up plans started: %(count)d") % {"count": started})
