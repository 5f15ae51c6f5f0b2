"""Supervisor reviews: the registry of kinds, and requesting and deciding them.

A kind says what approving it does. Apps attach their own kinds with `register` (referrals adds
the external referral without consent, follow-up the age transition, ...): nothing here lists
them. What waits on a review cannot proceed until it is approved: only `on_approved` carries it out.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .access import offices_supervised_by, supervisors_of
from .choices import CaseStatus
from .models import AccessAction, BreakGlassGrant, Case, Notification, NotificationKind, Review, ReviewStatus, User
from .roles import Role


def _nothing(review, actor):
    """Approving this kind records the decision; what it allows is checked where it happens."""


@dataclass(frozen=True)
class ReviewKind:
    code: str
    label: Promise
    on_approved: Callable = _nothing  # (review, actor) -> None, inside the deciding transaction
    on_sent_back: Callable = _nothing


REGISTRY: dict[str, ReviewKind] = {}


def register(kind):
    if kind.code in REGISTRY:
        raise ValueError(f"Review kind {kind.code} is registered twice.")
    REGISTRY[kind.code] = kind
    return kind


def kind_of(code):
    return REGISTRY[code]


def kind_label(code):
    kind = REGISTRY.get(code)
    return kind.label if kind else code


class ReviewAlreadyDecided(Exception):
    """Someone decided this review first; decisions are final."""


def supervises(user, case):
    return offices_supervised_by(user).filter(pk=case.office_id).exists()


def oversees(user, review):
    """Whether `user` is among the supervisors who decide `review`: of its case's office, of the
    office it names, or, for a review of every office, of any."""
    if review.case_id is not None:
        return supervises(user, review.case)
    offices = offices_supervised_by(user)
    return offices.filter(pk=review.office_id).exists() if review.office_id else offices.exists()


def deciders_of(review):
    """The active supervisors who may decide `review`."""
    office = review.case.office_id if review.case_id else review.office_id
    if office:
        return supervisors_of(office)
    return User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR, staff_profile__supervised_offices__isnull=False).distinct()


def may_decide(user, review):
    """Pending, not asked for by `user`, and `user` is among its deciders."""
    return review.status == ReviewStatus.PENDING and review.requested_by_id != user.pk and oversees(user, review)


def review_request(*, actor, case, kind, reason, details=None, notify_as=NotificationKind.REVIEW_REQUESTED, office=None):
    """Ask the supervisors of the case's office to decide (for a review without a case: of `office`,
    or of every office when None). ValidationError if one is already waiting. `actor` is None when
    the system asks (the retention task): then every decider is another pair of eyes."""
    with transaction.atomic():
        review = Review(case=case, office=office, kind=kind_of(kind).code, requested_by=actor, reason=reason, details=details or {})
        review.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            raise ValidationError({"reason": _("A request of this kind is already waiting for a decision on this case.")}) from None
        audit.record(action=AccessAction.CREATE, target=case or review, actor=actor, fields=["review"], detail=kind)
        Notification.objects.bulk_create(
            Notification(recipient=supervisor, kind=notify_as, case=case, review=review)
            for supervisor in deciders_of(review).exclude(pk=getattr(actor, "pk", None)).distinct()
        )
    return review


def review_decide(*, actor, review, approve, note="", now=None):
    """Approve or send back, once, by a supervisor of the case's office who did not ask for it."""
    now = now or timezone.now()
    case = review.case
    if review.requested_by_id == actor.pk:
        raise PermissionDenied(_("You asked for this review: another supervisor must decide it."))
    if not oversees(actor, review):
        raise PermissionDenied(_("Only a supervisor of the case's office can decide this review."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say what must change before this can be approved.")})
    status = ReviewStatus.APPROVED if approve else ReviewStatus.SENT_BACK
    with transaction.atomic():
        claimed = Review.objects.filter(pk=review.pk, status=ReviewStatus.PENDING).update(status=status, decided_by=actor, decided_at=now)
        if not claimed:
            raise ReviewAlreadyDecided
        review.refresh_from_db()
        review.decision_note = note
        review.save()
        kind = kind_of(review.kind)
        (kind.on_approved if approve else kind.on_sent_back)(review, actor)
        audit.record(action=AccessAction.UPDATE, target=case or review, actor=actor, fields=["review"], detail=f"{review.kind} {status}")
        outcome = NotificationKind.REVIEW_APPROVED if approve else NotificationKind.REVIEW_SENT_BACK
        if review.requested_by_id is not None:  # none when the system asked (retention)
            Notification.objects.create(recipient=review.requested_by, kind=outcome, case=case, review=review)
    return review


# --- Case closure --------------------------------------------------------------------------

CLOSABLE = {CaseStatus.FOLLOW_UP, CaseStatus.REINTEGRATION_ACTIVE, CaseStatus.LOST_CONTACT, CaseStatus.IMMEDIATE_ASSISTANCE}


def _set_status(case, actor, status, **dates):
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.status = status
    for name, value in dates.items():
        setattr(case, name, value)
    case.version += 1
    case.save(update_fields=["status", "version", "updated_at", *dates])
    audit.record(action=AccessAction.UPDATE, target=case, actor=actor, fields=["status", *dates])
    return case


def request_closure(*, actor, case, reason):
    """Ask to close the case; it waits in CLOSURE_PENDING until a supervisor decides."""
    if case.status not in CLOSABLE:
        raise ValidationError({"reason": _("A case in this status cannot be closed.")})
    with transaction.atomic():
        review = review_request(actor=actor, case=case, kind="CASE_CLOSURE", reason=reason, details={"previous_status": case.status})
        _set_status(case, actor, CaseStatus.CLOSURE_PENDING)
    return review


def _close(review, actor):
    _set_status(review.case, actor, CaseStatus.CLOSED, closed_on=timezone.localdate())


def _reopen(review, actor):
    _set_status(review.case, actor, review.details.get("previous_status", CaseStatus.FOLLOW_UP))


# --- Break-the-glass -------------------------------------------------------------------------


def break_the_glass(*, actor, case, reason, now=None):
    """A supervisor opens a case outside their offices for a limited time, with a written reason.

    Logged, notified to the supervisors of the case's office, who review it afterwards: sending it
    back ends the access at once. Access ends at `expires_at` in any case.
    """
    now = now or timezone.now()
    if not offices_supervised_by(actor).exists():
        raise PermissionDenied(_("Only supervisors may open a case outside their offices."))
    if not reason.strip():
        raise ValidationError({"reason": _("Write why you need this case now.")})
    with transaction.atomic():
        review = review_request(actor=actor, case=case, kind="BREAK_THE_GLASS", reason=reason, notify_as=NotificationKind.BREAK_THE_GLASS)
        expires_at = now + datetime.timedelta(hours=settings.BREAK_THE_GLASS_HOURS)
        grant = BreakGlassGrant(case=case, user=actor, reason=reason, granted_at=now, expires_at=expires_at, review=review)
        grant.save()
        audit.record(action=AccessAction.BREAK_GLASS, target=case, actor=actor, detail=f"until {expires_at.isoformat()}")
    return grant


def _end_access(review, actor):
    BreakGlassGrant.objects.filter(review=review, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_expired_grants(now=None):
    """Mark grants past their time as revoked (access already ended: visibility checks the time)."""
    now = now or timezone.now()
    expired = list(BreakGlassGrant.objects.filter(expires_at__lte=now, revoked_at__isnull=True).select_related("case"))
    for grant in expired:
        with transaction.atomic():
            BreakGlassGrant.objects.filter(pk=grant.pk).update(revoked_at=now)
            audit.record(action=AccessAction.UPDATE, target=grant.case, fields=["break_the_glass"], detail="break-the-glass expired")
    return len(expired)


register(ReviewKind("CASE_CLOSURE", gettext_lazy("Case closure"), on_approved=_close, on_sent_back=_reopen))
register(ReviewKind("REINTEGRATION_PLAN", gettext_lazy("Reintegration plan approval")))
register(ReviewKind("AGE_TRANSITION", gettext_lazy("Age transition (18th birthday)")))
register(ReviewKind("AGGREGATE_EXPORT", gettext_lazy("Aggregate export")))
register(ReviewKind("BREAK_THE_GLASS", gettext_lazy("Break-the-glass access"), on_sent_back=_end_access))
