"""`manage.py reset_two_factor USERNAME`: for an administrator who lost their phone (no admin can do it for them)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework import two_factor
from casework.models import User


class Command(BaseCommand):
    help = "Removes a user's two-factor device; they enrol a new one at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user has that username."))
        two_factor.reset(user)
        self.stdout.write(_("Second factor reset: the user enrols a new device at their next sign-in."))
