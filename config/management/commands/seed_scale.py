"""Fill an empty database with a large synthetic world (config/scale.py, complete): offices, staff,
teams, cases with people of every age band, visits, referrals, reviews, consents, notes and access
events, to try the app or measure it at the size of a national agency.

Refuses a database that already holds cases (or a world from an earlier run): the worlds would mix
and their office codes collide. A run that was interrupted leaves part of a world behind: empty
the database (`manage.py flush`) and run again. There is no --append on purpose.

Never for production: it refuses to run with DEBUG off unless told this is not production. The
users it makes (rep-qaa-000, rep-qaa-supervisor, rep-national-supervisor, rep-auditor, ...) have no
usable password; give one with `manage.py changepassword USERNAME`.
"""

import functools
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework.models import Case, Office, User
from casework.rotation import progress_bar
from config import scale

DEFAULT_SEED = 20260601


class Command(BaseCommand):
    @property
    def help(self):
        return _("Fills an empty database with a large synthetic world (offices, staff, cases, visits, referrals, access events).")

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000, help=_("How many cases (default 100,000)."))
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("The random seed: the same seed makes the same world."))
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help=_("Run although DEBUG is off. Synthetic cases must never be mixed with real ones."),
        )

    def handle(self, *, cases, seed, not_production, verbosity, **options):
        if not settings.DEBUG and not not_production:
            raise CommandError(
                _(
                    "DEBUG is off, so this may be a real database: synthetic cases must never be mixed with real ones. "
                    "Run with DEBUG=1, or add --i-know-this-is-not-production."
                )
            )
        if cases < 1:
            raise CommandError(_("--cases must be at least 1."))
        self.refuse_a_database_in_use()
        started = time.perf_counter()

        progress = functools.partial(progress_bar, disable=verbosity == 0)
        _timed, expected = scale.seed_world(cases, seed=seed, complete=True, progress=progress)
        added = expected["added"]
        summary = {
            _("offices"): len(expected["offices"]),
            _("caseworkers"): expected["staff"],
            _("cases"): expected["cases"],
            _("teams"): expected["teams"],
            _("visits"): expected["visits"],
            _("visit records"): expected["records"],
            _("referrals"): expected["referrals"],
            _("case notes"): added["casework.CaseNote"],
            _("access events"): expected["access_events"],
        }
        self.stdout.write(
            _("Seeded in %(seconds)d s: %(counts)s.")
            % {"seconds": time.perf_counter() - started, "counts": ", ".join(f"{count} {name}" for name, count in summary.items())}
        )
        self.stdout.write(
            _("The users have no usable password: give one with `manage.py changepassword %(username)s` (or another rep-* user).")
            % {"username": f"{scale.USERNAME_PREFIX}{expected['offices'][0].code.lower()}-supervisor"}
        )

    def refuse_a_database_in_use(self):
        held = Case.objects.count()
        if held:
            raise CommandError(
                _(
                    "The database already holds %(count)d cases: seed_scale only fills an empty database, so that a "
                    "synthetic world is never mixed with other cases. Empty it first (manage.py flush)."
                )
                % {"count": held}
            )
        earlier_offices = Office.objects.filter(code__in=scale.office_codes())
        if earlier_offices.exists() or User.objects.filter(username__startswith=scale.USERNAME_PREFIX).exists():
            raise CommandError(
                _("Offices or users of an earlier, interrupted seed_scale are in the database. Empty it first (manage.py flush).")
            )
