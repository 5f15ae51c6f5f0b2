"""Supervisor reviews of the decisions that matter, and the in-app notifications they send."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..fields import EncryptedTextField, SensitiveModel
from .cases import Case


class ReviewStatus(models.TextChoices):
    PENDING = "PENDING", _("Waiting for a decision")
    APPROVED = "APPROVED", _("Approved")
    SENT_BACK = "SENT_BACK", _("Sent back")


class Review(SensitiveModel):
    """A request for a supervisor's decision. Decided once (four eyes); a new request is a new review.

    `kind` is a code of the registry in casework.reviews; `details` holds codes and ids only (what is
    to be decided), the free-text reason and decision note are encrypted. Most reviews are about a
    case; one that is not (an aggregate export, a retention erasure) names the office whose data it
    concerns, or none for every office, and the supervisors of that office (or any) decide it. A
    review the system asked for (retention) has no requester.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews", verbose_name=_("case"))
    office = models.ForeignKey(
        "casework.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=40)
    # Empty when the system asked (the scheduled retention task): no user is the requester then.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_requested",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = EncryptedTextField(_("reason"), max_length=2000)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = EncryptedTextField(_("decision note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["status", "requested_at"])]
        constraints = [
            # Several supervisors may each break the glass on one case: those reviews are per person.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(status=ReviewStatus.PENDING) & ~Q(kind="BREAK_THE_GLASS"),
                name="one_pending_review_per_case_and_kind",
            ),
            # The retention task asks once per office; the next run waits until that one is decided.
            models.UniqueConstraint(
                fields=["office", "kind"],
                condition=Q(status=ReviewStatus.PENDING, kind="RETENTION_ERASURE"),
                name="one_pending_retention_review_per_office",
            ),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING, decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status=ReviewStatus.PENDING) & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="review_decided_iff_not_pending",
            ),
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")), name="review_four_eyes"),
        ]

    def __str__(self):
        return f"Review {self.pk} ({self.kind}) of case {self.case_id}"


class NotificationKind(models.TextChoices):
    REVIEW_REQUESTED = "REVIEW_REQUESTED", _("A review is waiting for your decision")
    REVIEW_APPROVED = "REVIEW_APPROVED", _("Your request was approved")
    REVIEW_SENT_BACK = "REVIEW_SENT_BACK", _("Your request was sent back")
    BREAK_THE_GLASS = "BREAK_THE_GLASS", _("A supervisor from another office opened this case (break-the-glass)")
    SERVICE_STOPS_FITTING = "SERVICE_STOPS_FITTING", _("A service of this case stops fitting at the coming age change: plan the transition")
    CONSENT_TO_RENEW = "CONSENT_TO_RENEW", _("The person has turned 18: ask for their own consent again")
    # Follow-up reminders (followup.Reminder): "VISIT_" + the reminder's kind.
    VISIT_UPCOMING = "VISIT_UPCOMING", _("A follow-up visit is coming up: its window opens in 7 days")
    VISIT_DUE = "VISIT_DUE", _("A follow-up visit is due: its window is open")
    VISIT_OVERDUE = "VISIT_OVERDUE", _("A follow-up visit is overdue: its window has closed")
    VISIT_ESCALATION = "VISIT_ESCALATION", _("A follow-up visit has been overdue for 14 days: please step in")
    VISIT_URGENT = "VISIT_URGENT", _("Urgent: a follow-up visit found a high risk or re-exploitation")


class Notification(models.Model):
    """A message in the app. It names a kind and a case reference, never anything about the person."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("case"))
    review = models.ForeignKey(Review, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("review"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self):
        return f"{self.kind} for user {self.recipient_id}"


class BreakGlassGrant(SensitiveModel):
    """Time-limited access of a supervisor to a case outside their offices, given a written reason.

    Access ends at `expires_at` whatever happens: visibility checks it on every request, and a
    task marks expired grants revoked (housekeeping, and so they show as ended).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass_grants", verbose_name=_("case"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"))
    reason = EncryptedTextField(_("reason"), max_length=2000)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    review = models.OneToOneField(Review, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("review"))

    class Meta:
        verbose_name = _("break-the-glass access")
        verbose_name_plural = _("break-the-glass accesses")
        indexes = [models.Index(fields=["user", "expires_at"])]
        constraints = [models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="grant_expires_after_granted")]

    def __str__(self):
        return f"Break-the-glass {self.pk} on case {self.case_id}"
