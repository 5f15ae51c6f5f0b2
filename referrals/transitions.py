"""Age-band edges: services that will stop fitting, and the 18th birthday.

Run daily (referrals.tasks). Only people whose band changes within 90 days (the plaintext month
`age_band_changes_in`) or who are young adults are looked at, so nobody else is decrypted. For
each, routing is re-run as of the change date for their active referrals: a service that will no
longer fit alerts the team at 90, 30 and 7 days before (once each; a late run sends only the
nearest). On the 18th birthday (or at the first run within a week after it) an "age transition"
review is opened and the team is told to ask the young adult for their own consent, since the
guardian's no longer speaks for them (casework.services.consent_allows already refuses it).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import reviews
from casework.age import adult_on, next_band_change
from casework.choices import OPEN_STATUSES, AgeBand
from casework.models import Notification, NotificationKind, Person, Review, TeamMember

from . import routing
from .models import Referral, ReferralAlert, ReferralStatus
from .services import as_routing_service, person_profile

HORIZON = datetime.timedelta(days=90)
ALERT_DAYS = (90, 30, 7)
BIRTHDAY_GRACE = datetime.timedelta(days=7)


def check_transitions(today=None):
    """Alerts and reviews due today; returns counts (ids and numbers only, for the task's result)."""
    today = today or timezone.localdate()
    counts = {"people": 0, "alerts": 0, "reviews": 0}
    for person in _people_near_an_edge(today):
        counts["people"] += 1
        evidence = person.age_evidence()
        change = next_band_change(evidence, today - datetime.timedelta(days=1))  # a change today counts
        for case in person.cases.filter(status__in=OPEN_STATUSES).select_related("person", "office"):
            if change is not None and change - today <= HORIZON:
                counts["alerts"] += _alert_services_ending(case, change, today)
            if _turned_adult_recently(evidence, today):
                counts["reviews"] += _open_age_transition(case, today)
    return counts


def _people_near_an_edge(today):
    horizon_month = (today + HORIZON).replace(day=1)
    return (
        Person.objects.filter(Q(age_band_changes_in__lte=horizon_month) | Q(age_band=AgeBand.YOUNG_ADULT))
        .filter(cases__status__in=OPEN_STATUSES)
        .distinct()
    )


def _alert_services_ending(case, change, today):
    """Alerts for the active referrals whose service will not fit on `change`; the number sent."""
    days_left = (change - today).days
    threshold = min(days for days in ALERT_DAYS if days_left <= days)
    profile_then = person_profile(case, on=change)
    sent = 0
    active = Referral.objects.filter(case=case, status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED]).select_related("service")
    for referral in active:
        if not routing.check_service(profile_then, as_routing_service(referral.service)):
            continue
        try:
            with transaction.atomic():
                ReferralAlert.objects.create(referral=referral, days_before=threshold, change_on=change)
        except IntegrityError:
            continue  # already alerted at this threshold
        _notify_team(case, NotificationKind.SERVICE_STOPS_FITTING)
        sent += 1
    return sent


def _turned_adult_recently(evidence, today):
    return today - BIRTHDAY_GRACE <= adult_on(evidence) <= today


def _open_age_transition(case, today):
    """The AGE_TRANSITION review, once per case, asked in the name of the team's lead."""
    if Review.objects.filter(case=case, kind="AGE_TRANSITION").exists():
        return 0
    requester = TeamMember.objects.filter(case=case).order_by("-is_lead", "assigned_at").values_list("user", flat=True).first()
    if requester is None:
        return 0  # no team yet: the supervisors' queue already lists the case as needing one
    with translation.override(settings.LANGUAGE_CODE):  # stored text: in the office's language
        reason = _("Turned 18: review the services that still fit, and ask the young adult for their own consent.")
    reviews.review_request(actor=case.team.get(user_id=requester).user, case=case, kind="AGE_TRANSITION", reason=reason)
    _notify_team(case, NotificationKind.CONSENT_TO_RENEW)
    return 1


def _notify_team(case, kind):
    Notification.objects.bulk_create(
        Notification(recipient_id=user_id, kind=kind, case=case)
        for user_id in TeamMember.objects.filter(case=case).values_list("user", flat=True)
    )
