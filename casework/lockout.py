"""Login cool-off for django-axes: 15 minutes, doubling with each lockout in the last day."""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.utils import timezone

from .addresses import client_address

BASE_COOL_OFF = timedelta(minutes=15)
LONGEST_COOL_OFF = timedelta(hours=24)
FAILURES_PER_LOCKOUT = 5


def cool_off_for(failures_in_last_day):
    """The cool-off after `failures_in_last_day` failed sign-ins (pure, for the tests)."""
    lockouts = max(1, failures_in_last_day // FAILURES_PER_LOCKOUT)
    # Stop doubling once past the cap: 2**n of a large n overflows timedelta (or takes forever).
    doublings = min(lockouts - 1, (LONGEST_COOL_OFF // BASE_COOL_OFF).bit_length())
    return min(BASE_COOL_OFF * 2**doublings, LONGEST_COOL_OFF)


def cool_off(request=None):
    """AXES_COOLOFF_TIME: counts the failures of this username or address over the last day."""
    if request is None:
        return BASE_COOL_OFF
    from axes.models import AccessFailureLog
    from django.db.models import Q

    username = request.POST.get("username", "") if request.method == "POST" else ""
    address = client_address(request)
    since = timezone.now() - LONGEST_COOL_OFF
    matching = Q(ip_address=address) | Q(username=username) if username else Q(ip_address=address)
    return cool_off_for(AccessFailureLog.objects.filter(matching, attempt_time__gte=since).count())


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, keeping failed attempts for a day whoever signs in.

    The stock handler deletes every attempt older than the cool-off of whoever is signing in, so
    anyone's sign-in would cut another person's longer (grown) cool-off short. Attempts are kept
    for the longest cool-off instead. After a lockout, a further failure within the day locks
    again at once, with the longer cool-off; a successful sign-in clears the slate.
    """

    def clean_expired_user_attempts(self, request=None, credentials=None):
        count, _ = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - LONGEST_COOL_OFF).delete()
        return count
