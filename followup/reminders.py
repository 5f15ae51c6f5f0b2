"""Follow-up reminders: the sweep that finds what falls due, and the delivery of each reminder.

The database is the schedule and Redis only a transport (docs/ARCHITECTURE.md, "Reminders"):
- Each planned visit carries the stages it has passed and when its next one falls due
  (`next_reminder_at`, midnight in Lima). A sweep every minute claims the visits whose time has
  come, in short transactions, and makes one Reminder row per (visit, kind, recipient), its
  in-app notification with it. Nothing is queued for later, so nothing is lost when Redis is.
- Email goes out from a Celery task dispatched when that transaction commits. Its row carries a
  lease (`email_due_at`): if the message is lost or its worker killed, the sweep dispatches it
  again once the lease has passed, with a longer lease each time so a failing row cannot wedge
  the loop. A delivery first claims its rows for a lease of its own (`email_claimed_until`), so
  two deliveries of the same message never send the same email, then marks each row sent as soon
  as the mail server has taken it: only a worker killed between that answer and the mark sends
  an email twice.
- Claims: on PostgreSQL `select_for_update(skip_locked=True)`, so concurrent sweeps (two beats,
  several workers) split the rows between them; on SQLite, which has no row locks and one writer
  at a time, a conditional UPDATE per row whose row count says who won.
"""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.choices import CLOSED_STATUSES
from casework.models import Case, CaseUserObjectPermission, Notification, NotificationKind, User
from casework.roles import Role

from . import schedule as pure
from .models import Reminder, Visit, VisitStatus

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
DELIVERY_CHUNK = 250
MAX_EMAIL_LEASE = timedelta(days=1)


def sweep_interval():
    return timedelta(seconds=settings.REMINDER_SWEEP_SECONDS)


def email_lease(attempts=0):
    """How long a dispatched email may take before it is sent again: doubling with each attempt."""
    return min(timedelta(seconds=settings.REMINDER_DELIVERY_LEASE_SECONDS) * 2 ** min(attempts, 16), MAX_EMAIL_LEASE)


def lima_midnight(day):
    """The moment a reminder day starts in the offices' time zone (Peru keeps no daylight saving)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def first_reminder_at(visit):
    """When a new visit's first reminder stage falls due."""
    return lima_midnight(pure.stage_dates(visit)[0])


def notification_kind(kind):
    return NotificationKind(f"VISIT_{kind}")


# --- Claims --------------------------------------------------------------------------------


def _claim(queryset, field, *, lease_until, batch):
    """The rows of `queryset` (ordered by `field`) that this transaction alone will process.

    Call inside a transaction. On SQLite the claimed rows' `field` is moved to `lease_until`, so
    another sweeper's condition no longer matches them; the caller sets its real value.
    """
    ordered = queryset.order_by(field)
    if connection.features.has_select_for_update_skip_locked:
        return list(ordered.select_for_update(skip_locked=True, of=("self",))[:batch])
    model = queryset.model
    return [
        row for row in ordered[:batch] if model.objects.filter(pk=row.pk, **{field: getattr(row, field)}).update(**{field: lease_until})
    ]


# --- Recipients ----------------------------------------------------------------------------


def teams_by_case(case_ids):
    """Case id -> the active people who work the case (who may change it: its team, or before a
    team is formed whoever took the intake)."""
    holders = CaseUserObjectPermission.objects.filter(
        content_object_id__in=case_ids,
        permission__codename="change_case",
        permission__content_type__app_label="casework",
        user__is_active=True,
    ).values_list("content_object_id", "user_id")
    team = defaultdict(set)
    for case_id, user_id in holders:
        team[case_id].add(user_id)
    return team


def supervisors_by_office(office_ids):
    """Office id -> its active supervisors."""
    rows = User.objects.filter(staff_profile__supervised_offices__in=office_ids, is_active=True, groups__name=Role.SUPERVISOR).values_list(
        "staff_profile__supervised_offices", "pk"
    )
    supervisors = defaultdict(set)
    for office_id, user_id in rows:
        supervisors[office_id].add(user_id)
    return supervisors


# --- Making reminders ----------------------------------------------------------------------


def remind(wanted, *, now):
    """Reminder rows (and their notifications) for `wanted` (visit, kind, recipient id) triples not
    already reminded. Call inside a transaction; email dispatch is arranged for its commit."""
    wanted = {(visit.pk, str(kind), recipient): visit for visit, kind, recipient in wanted}
    if not wanted:
        return []
    existing = set(
        Reminder.objects.filter(visit__in={key[0] for key in wanted}, kind__in={key[1] for key in wanted}).values_list(
            "visit_id", "kind", "recipient_id"
        )
    )
    fresh = [(key, visit) for key, visit in wanted.items() if key not in existing]
    notifications = Notification.objects.bulk_create(
        Notification(recipient_id=recipient, kind=notification_kind(kind), case_id=visit.case_id, created_at=now)
        for (_visit_id, kind, recipient), visit in fresh
    )
    reminders = Reminder.objects.bulk_create(
        Reminder(
            visit_id=visit_id,
            kind=kind,
            recipient_id=recipient,
            case_id=visit.case_id,
            notification=notification,
            created_at=now,
            email_due_at=now + email_lease(),
        )
        for ((visit_id, kind, recipient), visit), notification in zip(fresh, notifications, strict=True)
    )
    ids = [reminder.pk for reminder in reminders]
    transaction.on_commit(lambda: dispatch(ids))
    return reminders


def _reminders_for_step(visits, today):
    """What each claimed visit's step sends, and the visits grouped by their new sweep state."""
    cases = {case.pk: case for case in Case.objects.filter(pk__in={visit.case_id for visit in visits}).only("office_id", "status")}
    team = teams_by_case(cases)
    supervisors = supervisors_by_office({case.office_id for case in cases.values()})
    wanted, states = [], defaultdict(list)
    for visit in visits:
        case = cases[visit.case_id]
        if case.status in CLOSED_STATUSES:
            states[(visit.reminder_stages_passed, None)].append(visit.pk)
            continue
        step = pure.reminder_step(visit, reached=visit.reminder_stages_passed, today=today)
        for kind in step.send:
            recipients = supervisors[case.office_id] if kind == pure.ReminderKind.ESCALATION else team[case.pk]
            wanted.extend((visit, kind, recipient) for recipient in recipients)
        states[(step.reached, lima_midnight(step.next_on) if step.next_on else None)].append(visit.pk)
    return wanted, states


def _sweep_batch(now, batch):
    """One short transaction: claim up to `batch` due visits, remind, move each to its next stage."""
    with transaction.atomic():
        due = Visit.objects.filter(status=VisitStatus.PLANNED, next_reminder_at__lte=now)
        visits = _claim(due, "next_reminder_at", lease_until=now + email_lease(), batch=batch)
        wanted, states = _reminders_for_step(visits, timezone.localdate(now))
        for (reached, next_at), pks in states.items():
            Visit.objects.filter(pk__in=pks).update(reminder_stages_passed=reached, next_reminder_at=next_at)
        made = remind(wanted, now=now)
    return len(visits), len(made)


def _redispatch_batch(now, batch):
    """Emails whose lease has passed (lost message, killed worker, failing server), sent again."""
    with transaction.atomic():
        late = Reminder.objects.filter(emailed_at__isnull=True, email_due_at__lte=now)
        reminders = _claim(late, "email_due_at", lease_until=now + email_lease(), batch=batch)
        by_attempts = defaultdict(list)
        for reminder in reminders:
            by_attempts[reminder.email_attempts + 1].append(reminder.pk)
        for attempts, pks in by_attempts.items():
            Reminder.objects.filter(pk__in=pks).update(email_attempts=attempts, email_due_at=now + email_lease(attempts))
        ids = [reminder.pk for reminder in reminders]
        transaction.on_commit(lambda: dispatch(ids))
    return len(ids)


def sweep(*, now=None, batch=SWEEP_BATCH):
    """Everything due by `now`: reminders for visits, then emails to send again. Idempotent."""
    now = now or timezone.now()
    visits = reminders = redispatched = 0
    while True:
        claimed, made = _sweep_batch(now, batch)
        visits, reminders = visits + claimed, reminders + made
        if claimed < batch:
            break
    while claimed := _redispatch_batch(now, batch):
        redispatched += claimed
        if claimed < batch:
            break
    return {"visits": visits, "reminders": reminders, "redispatched": redispatched}


def dispatch(reminder_ids):
    """Queue the emails of `reminder_ids`, a chunk per task. A broker that cannot be reached loses
    nothing: the rows keep their lease and the sweep dispatches them again."""
    from .tasks import deliver_reminders

    for start in range(0, len(reminder_ids), DELIVERY_CHUNK):
        chunk = [str(pk) for pk in reminder_ids[start : start + DELIVERY_CHUNK]]
        try:
            deliver_reminders.delay(chunk)
        except Exception:
            logger.warning("could not queue %d reminder emails; they are sent again after their lease", len(chunk), exc_info=True)


# --- Delivery ------------------------------------------------------------------------------


DELIVERY_COLUMNS = ("kind", "case_id", "case__reference", "recipient__email", "recipient__language", "recipient__is_active")


def _claim_for_delivery(reminder_ids, now):
    """The unsent reminders of `reminder_ids` that no other delivery holds, held by this one for a
    lease (a delivery killed mid-way frees them when it passes), loaded with what the emails need."""
    free = Reminder.objects.filter(pk__in=reminder_ids, emailed_at__isnull=True).filter(
        Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now)
    )
    until = now + email_lease()
    with transaction.atomic():
        claimed = [reminder.pk for reminder in _claim(free, "email_claimed_until", lease_until=until, batch=len(reminder_ids))]
        # The sweep leaves them alone while this delivery holds them.
        Reminder.objects.filter(pk__in=claimed).update(email_claimed_until=until, email_due_at=until)
    return list(Reminder.objects.filter(pk__in=claimed).select_related("recipient", "case").only(*DELIVERY_COLUMNS).order_by("pk"))


def email_for(reminder):
    """The email of one reminder, in its recipient's language: the kind and the case reference,
    a link into the app, and nothing about the person."""
    with translation.override(reminder.recipient.language or settings.LANGUAGE_CODE):
        label = notification_kind(reminder.kind).label
        link = settings.SITE_URL.rstrip("/") + reverse("case_follow_up", args=[reminder.case_id])
        body = "\n\n".join(
            [
                f"{label}.",
                _("Case %(reference)s.") % {"reference": reminder.case.reference},
                _("Open it in the app: %(link)s") % {"link": link},
                _("For the person's safety this message says nothing more. Their safe-contact preferences are in the app."),
            ]
        )
        subject = f"{label} · {reminder.case.reference}"
    return EmailMessage(subject, body, to=[reminder.recipient.email], headers={"X-Reminder": str(reminder.pk)})


def deliver(reminder_ids, *, now=None):
    """Email the reminders of `reminder_ids` that are not sent yet. Safe to run twice at once.

    Each email is marked sent as soon as the mail server has taken it, so a worker killed mid-way
    sends again at most the one in hand. One that fails is freed for the task's retry while the
    others go on; the first failure is raised at the end so that Celery retries with backoff.
    """
    now = now or timezone.now()
    sent, failure, mail = 0, None, None
    try:
        with connection.cursor() as cursor:
            for reminder in _claim_for_delivery(reminder_ids, now):
                if not (reminder.recipient.email and reminder.recipient.is_active):
                    _mark_sent(cursor, reminder.pk, now)  # no one to email: done
                    continue
                try:
                    mail = mail or _opened(get_connection())
                    mail.send_messages([email_for(reminder)])
                except (SMTPException, OSError) as error:
                    Reminder.objects.filter(pk=reminder.pk).update(email_claimed_until=None)
                    failure, mail = failure or error, _closed(mail)
                    continue
                _mark_sent(cursor, reminder.pk, timezone.now())
                sent += 1
    finally:
        _closed(mail)
    if failure is not None:
        raise failure
    return sent


MARK_SENT = "UPDATE followup_reminder SET emailed_at = %s WHERE id = %s"


def _mark_sent(cursor, pk, when):
    """One UPDATE, committed at once (autocommit). Plain SQL: it runs once per email, and the ORM's
    query building cost more than the database's work (bench/reminders.py)."""
    cursor.execute(MARK_SENT, [when, pk])


def _opened(mail):
    mail.open()  # one session for the whole chunk (sending alone would open and close one per email)
    return mail


def _closed(mail):
    if mail is not None:
        mail.close()


def sweep_health(*, now=None):
    """Whether the sweep keeps up: the oldest visit due a reminder but not yet reminded, against two
    sweep intervals; and the emails whose lease has passed without a new dispatch."""
    now = now or timezone.now()
    limit = 2 * sweep_interval()
    oldest = Visit.objects.filter(status=VisitStatus.PLANNED, next_reminder_at__lte=now).aggregate(oldest=Min("next_reminder_at"))["oldest"]
    waiting = now - oldest if oldest else timedelta(0)
    emails_late = Reminder.objects.filter(emailed_at__isnull=True, email_due_at__lte=now - limit).count()
    return {
        "stale": waiting > limit or emails_late > 0,
        "oldest_due_seconds": int(waiting.total_seconds()),
        "emails_late": emails_late,
        "sweep_interval_seconds": int(sweep_interval().total_seconds()),
    }


def refresh_next_visit(case_ids):
    """Case.next_visit_on, the earliest planned visit, kept for the lists (casework knows no visits)."""
    for case_id in case_ids:
        earliest = Visit.objects.filter(case_id=case_id, status=VisitStatus.PLANNED).aggregate(day=Min("due"))["day"]
        Case.objects.filter(pk=case_id).exclude(next_visit_on=earliest).update(next_visit_on=earliest)
