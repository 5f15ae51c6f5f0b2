"""Data retention (Ley 29733: personal data kept no longer than its purpose needs).

A closed case keeps its personal data for `RETENTION_YEARS` whole years after `closed_on`. After
that a daily task asks the supervisors of its office to approve the erasure: one RETENTION_ERASURE
review per office (no requester: the system asks), listing at most MAX_CASES_PER_REVIEW case ids.
Approving it erases, in the deciding transaction, each listed case that is still due: every
encrypted field of the case and of what hangs off it (notes, reviews, break-the-glass reasons,
and what other apps register here: visit records, referral notes) is emptied, and once every case
of the person is erased, the person's identity too, with their search tokens. The coded plaintext
columns that reports and exports count (statuses, dates, region, gender, age band, forms of
exploitation...) stay, so aggregates do not change. Each erased case and person gets an ERASE
access event (ids only); the review is the record of who approved.

The rule (`kept_until`, `closed_before`, `is_due`, `all_due`) is pure: plain values, no ORM.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from . import audit, reviews
from .age import AgeEvidenceError, anniversary, assess
from .choices import CLOSED_STATUSES
from .fields import encrypted_fields
from .models import AccessAction, Case, Office, PersonSearchToken, Review, ReviewStatus

KIND = "RETENTION_ERASURE"
MAX_CASES_PER_REVIEW = 500  # the rest waits for the next review, once this one is decided
ASK_AGAIN_AFTER_DAYS = 30  # an office that sent the erasure back is not asked again before this
ONE_DAY = datetime.timedelta(days=1)


# --- The rule (pure) -------------------------------------------------------------------------


class ClosureFacts(NamedTuple):
    """What the rule needs to know about one case."""

    status: str
    closed_on: datetime.date | None
    erased: bool


def kept_until(closed_on, years):
    """The last day a case closed on `closed_on` keeps its personal data: the `years`-th anniversary
    of its closure (a closure on 29 February is kept until 1 March in a common year)."""
    return anniversary(closed_on, years)


def is_due(facts, *, today, years):
    """Closed (and not reopened), not erased yet, and its retention period ended before `today`.

    A closed case without a closing date is never due: nobody can say when its period ends.
    """
    return (
        not facts.erased and facts.status in CLOSED_STATUSES and facts.closed_on is not None and kept_until(facts.closed_on, years) < today
    )


def all_due(cases: Iterable[ClosureFacts], *, today, years):
    """Whether every case of a person is erased already or due: only then is any of them proposed,
    since the person's identity is erased with their last case."""
    return all(facts.erased or is_due(facts, today=today, years=years) for facts in cases)


def closed_before(today, years):
    """The first closing date not due on `today`: a closed case is due exactly when it closed
    before this date (what the database query filters on)."""
    cutoff = anniversary(today, -years)
    # `kept_until` never decreases as the closing date moves on, so the boundary is found by
    # stepping over the one or two days where leap years make it uneven.
    while kept_until(cutoff - ONE_DAY, years) >= today:
        cutoff -= ONE_DAY
    while kept_until(cutoff, years) < today:
        cutoff += ONE_DAY
    return cutoff


# --- What other apps erase ---------------------------------------------------------------------

# Functions (case) -> names of what they emptied, run inside the erasing transaction. Apps that
# keep free text about a case register one in their AppConfig.ready (casework imports no app).
ERASERS: list[Callable] = []


def register_eraser(eraser):
    if eraser not in ERASERS:
        ERASERS.append(eraser)
    return eraser


def blank_encrypted(instance):
    """Empty every encrypted field of `instance` (NULL where the column allows it, else the
    encrypted empty value); returns the field names. The caller saves."""
    names = []
    for field in encrypted_fields(type(instance)):
        setattr(instance, field.name, None if field.null else field.empty_plaintext())
        names.append(field.name)
    return names


def _blank_all(rows):
    """Empty and save each row; True if there was any."""
    found = False
    for row in rows:
        blank_encrypted(row)
        row.save()
        found = True
    return found


# --- Finding and asking --------------------------------------------------------------------------


def due_cases(today, years):
    """The cases due for erasure on `today`: the query twin of `is_due` and `all_due`."""
    cutoff = closed_before(today, years)
    not_due = Case.objects.filter(person=OuterRef("person"), erased_at__isnull=True).filter(
        ~Q(status__in=CLOSED_STATUSES) | Q(closed_on__isnull=True) | Q(closed_on__gte=cutoff)
    )
    return Case.objects.filter(status__in=CLOSED_STATUSES, erased_at__isnull=True, closed_on__lt=cutoff).filter(~Exists(not_due))


def _offices_not_to_ask(today):
    """Offices with an erasure waiting, or sent back within ASK_AGAIN_AFTER_DAYS."""
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=ASK_AGAIN_AFTER_DAYS), datetime.time.min))
    recent = Q(status=ReviewStatus.PENDING) | Q(status=ReviewStatus.SENT_BACK, decided_at__gte=since)
    return Review.objects.filter(recent, kind=KIND).values("office")


def request_erasures(today=None):
    """For each office with cases due and no erasure waiting, ask its supervisors to approve one.

    Returns the reviews made. Run daily by the `casework.request_retention_erasures` task.
    """
    today = today or timezone.localdate()
    years = settings.RETENTION_YEARS
    due = due_cases(today, years)
    office_ids = set(due.exclude(office__in=_offices_not_to_ask(today)).order_by().values_list("office", flat=True).distinct())
    made = []
    for office in Office.objects.filter(pk__in=office_ids).order_by("code"):
        case_ids = due.filter(office=office).order_by("closed_on", "reference").values_list("id", flat=True)[:MAX_CASES_PER_REVIEW]
        details = {
            "cases": [str(pk) for pk in case_ids],
            "retention_years": years,
            "closed_before": closed_before(today, years).isoformat(),
        }
        reason = f"Closed cases whose retention period ({years} years after closure) has ended."
        try:
            made.append(reviews.review_request(actor=None, case=None, office=office, kind=KIND, reason=reason, details=details))
        except ValidationError:
            continue  # another run asked this office meanwhile
    return made


# --- Erasing ---------------------------------------------------------------------------------------


def _facts(case):
    return ClosureFacts(status=case.status, closed_on=case.closed_on, erased=case.erased_at is not None)


def _still_due(case, *, today, years):
    """Re-checked at approval: reopened, or the person has another case still needed: kept."""
    if not is_due(_facts(case), today=today, years=years):
        return False
    others = Case.objects.filter(person_id=case.person_id).exclude(pk=case.pk).only("status", "closed_on", "erased_at")
    return all_due(map(_facts, others), today=today, years=years)


def _keep_age_at_opening(case):
    """The coded age the aggregate exports count (casework.aggregate_exports), kept as plaintext
    before the birth date is erased."""
    try:
        assessment = assess(case.person.age_evidence(), case.opened_on)
    except AgeEvidenceError:
        return
    case.age_at_opening = assessment.youngest
    case.minor_at_opening = assessment.treated_as_minor


def person_anonymise(*, person, actor, review, now):
    """Empty every encrypted field of the person and drop their search tokens; codes stay."""
    names = blank_encrypted(person)
    # The month of the next band change hints at the birth date; the band stays as it is now.
    person.age_band_changes_in = None
    person.erased_at = now
    person.save()  # keeps the search tokens in step with the (now empty) names: none remain
    PersonSearchToken.objects.filter(person=person).delete()
    audit.record(action=AccessAction.ERASE, target=person, actor=actor, fields=names, detail=f"retention review {review.pk}")


def case_erase(*, case, actor, review, now):
    """Erase the personal data of one case (locked by the caller), and of its person if this was
    their last case not erased. Logged with the names of what was emptied, never values."""
    _keep_age_at_opening(case)
    erased = ["case"] if blank_encrypted(case) else []
    case.erased_at = now
    case.version += 1  # a form still open on the case is refused rather than writing data back
    case.save()
    if _blank_all(case.notes.all()):
        erased.append("case_notes")
    if _blank_all(case.reviews.all()):
        erased.append("reviews")
    if _blank_all(case.break_glass_grants.all()):
        erased.append("break_the_glass")
    for eraser in ERASERS:
        erased.extend(eraser(case))
    if not Case.objects.filter(person_id=case.person_id, erased_at__isnull=True).exists():
        person_anonymise(person=case.person, actor=actor, review=review, now=now)
        erased.append("person")
    audit.record(action=AccessAction.ERASE, target=case, actor=actor, fields=erased, detail=f"retention review {review.pk}")


def _erase_listed(review, actor):
    """On approval: erase each listed case of the review's office that is still due."""
    now = review.decided_at
    today = timezone.localdate(now)
    listed = Case.objects.filter(pk__in=review.details.get("cases", []))
    erased, kept = [], []
    for case in listed.select_for_update(of=("self",)).select_related("person").order_by("pk"):
        # Moved to another office meanwhile: its own supervisors decide it, in their review.
        if case.office_id == review.office_id and _still_due(case, today=today, years=settings.RETENTION_YEARS):
            case_erase(case=case, actor=actor, review=review, now=now)
            erased.append(str(case.pk))
        else:
            kept.append(str(case.pk))
    review.details = {**review.details, "erased": erased, "kept": kept}
    review.save(update_fields=["details"])


reviews.register(reviews.ReviewKind(KIND, gettext_lazy("Erasure of personal data (retention)"), on_approved=_erase_listed))


def review_context(review):
    """What the review screen shows: each listed case (reference, closing date) and, once decided,
    whether it was erased or kept."""
    details = review.details
    cases = (
        Case.objects.filter(pk__in=details.get("cases", []))
        .only("id", "reference", "closed_on", "erased_at")
        .order_by("closed_on", "reference")
    )
    kept = set(details.get("kept", []))
    return {
        "retention_cases": [(case, str(case.pk) in kept) for case in cases],
        "retention_years": details.get("retention_years"),
        "retention_decided": "erased" in details,
    }
