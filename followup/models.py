"""Follow-up: the schedule (as data), each case's plan, its visits with their windows, what each
visit found (the follow-up record of DOMAIN.md section 8) and the reminders sent about them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.fields import EncryptedJSONField, EncryptedTextField, SensitiveModel
from casework.models import Case, Notification

from . import schedule as pure


def default_minor_offsets():
    return list(pure.Schedule().minor_offsets)


def default_adult_offsets():
    return list(pure.Schedule().adult_offsets)


def default_tolerance():
    return [[rule.up_to_months, rule.days] for rule in pure.Schedule().tolerance]


class FollowUpSchedule(models.Model):
    """DOMAIN.md section 8 as data: one row, edited by administrators (the default is created by migrate)."""

    minor_offsets = models.JSONField(_("visits for minors (months after care ends)"), default=default_minor_offsets)
    adult_offsets = models.JSONField(_("visits for adults (months after care ends)"), default=default_adult_offsets)
    tolerance = models.JSONField(
        _("tolerance windows"),
        default=default_tolerance,
        help_text=_("Pairs [up to month, ± days]; the last may have no month: [null, 30]."),
    )
    unscheduled_within_days = models.PositiveSmallIntegerField(
        _("unscheduled visit within (days) of a risk event"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # Only one schedule exists: this column is always true and unique.
    singleton = models.BooleanField(default=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("follow-up schedule")
        verbose_name_plural = _("follow-up schedules")
        constraints = [models.CheckConstraint(condition=Q(singleton=True), name="one_follow_up_schedule")]

    def __str__(self):
        return str(_("Follow-up schedule"))

    def clean(self):
        try:
            self.as_schedule()
        except (TypeError, ValueError):
            raise ValidationError(_("The schedule cannot be used: check the months and that a tolerance window covers each.")) from None
        for field in ("minor_offsets", "adult_offsets"):
            offsets = getattr(self, field)
            if not offsets or any(not isinstance(month, int) or month < 1 for month in offsets) or sorted(set(offsets)) != offsets:
                raise ValidationError({field: _("Whole months from 1 upwards, in increasing order, each once.")})

    def as_schedule(self):
        return pure.Schedule(
            minor_offsets=tuple(self.minor_offsets),
            adult_offsets=tuple(self.adult_offsets),
            tolerance=tuple(pure.ToleranceRule(up_to, days) for up_to, days in self.tolerance),
            unscheduled_within_days=self.unscheduled_within_days,
        )

    @classmethod
    def current(cls):
        """The stored schedule, else DOMAIN.md's defaults (a flushed test database has no row)."""
        stored = cls.objects.first()
        return stored.as_schedule() if stored else pure.Schedule()


class FollowUpPlan(models.Model):
    """A case's follow-up from the end of care (E), over the years."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="follow_up", verbose_name=_("case"))
    care_ended_on = models.DateField(_("care ended (E)"))
    adult_from = models.DateField(_("adult schedule from"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")

    def __str__(self):
        return f"follow-up plan of case {self.case_id}"


class VisitStatus(models.TextChoices):
    PLANNED = "PLANNED", _("Planned")
    DONE = "DONE", _("Done")
    MISSED = "MISSED", _("Missed")
    CANCELLED = "CANCELLED", _("Cancelled")


class Visit(models.Model):
    """One follow-up visit: scheduled from the plan, or unscheduled after a risk event."""

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.CASCADE, related_name="visits", verbose_name=_("plan"))
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits", verbose_name=_("case"))
    track = models.CharField(_("schedule"), max_length=8, choices=[(track.value, track.value) for track in pure.Track], blank=True)
    offset_months = models.PositiveSmallIntegerField(_("months after care ended"), null=True, blank=True)
    unscheduled = models.BooleanField(_("unscheduled"), default=False)
    due = models.DateField(_("due"))
    window_opens = models.DateField(_("window opens"))
    window_closes = models.DateField(_("window closes"))
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    # The reminder sweep's state: stages passed (schedule.STAGES) and when the next one falls due
    # (midnight in Lima of its day); None once the visit is made, cancelled or past every stage.
    reminder_stages_passed = models.PositiveSmallIntegerField(default=0, editable=False)
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["status", "window_opens"]),
            models.Index(fields=["case", "due"]),
            models.Index(fields=["next_reminder_at"], condition=Q(next_reminder_at__isnull=False), name="visit_reminder_due"),
            # Overdue visits, on the dashboards (bench/reports.py).
            models.Index(fields=["window_closes"], condition=Q(status="PLANNED"), name="visit_planned_closes"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["plan", "track", "offset_months"], condition=Q(unscheduled=False), name="one_visit_per_offset"),
            models.CheckConstraint(condition=Q(window_opens__lte=models.F("due"), due__lte=models.F("window_closes")), name="visit_window"),
        ]

    def __str__(self):
        return f"visit {self.pk} due {self.due}"


class ContactMode(models.TextChoices):
    IN_PERSON = "IN_PERSON", _("In person")
    PHONE = "PHONE", _("Phone")
    VIDEO = "VIDEO", _("Video call")
    THIRD_PARTY = "THIRD_PARTY", _("Through a third party")


class NotSeenReason(models.TextChoices):
    NOT_FOUND = "NOT_FOUND", _("Not found where expected")
    NO_ANSWER = "NO_ANSWER", _("Did not answer")
    DECLINED = "DECLINED", _("Declined the visit")
    MOVED = "MOVED", _("Has moved away")
    NOT_SAFE = "NOT_SAFE", _("Contact was not safe at the time")
    OTHER = "OTHER", _("Other reason")


class Dimension(models.TextChoices):
    """The wellbeing dimensions scored 0-3 at each visit."""

    SAFETY = "SAFETY", _("Safety")
    HOUSING = "HOUSING", _("Housing stability")
    PHYSICAL_HEALTH = "PHYSICAL_HEALTH", _("Physical health")
    PSYCHOSOCIAL = "PSYCHOSOCIAL", _("Psychosocial wellbeing")
    EDUCATION = "EDUCATION", _("Education (minors)")
    INCOME_WORK = "INCOME_WORK", _("Income and work")
    FAMILY = "FAMILY", _("Family relations")
    SUPPORT_NETWORK = "SUPPORT_NETWORK", _("Support network")


class RiskFlag(models.TextChoices):
    EXPLOITER_CONTACT = "EXPLOITER_CONTACT", _("Contacted by exploiters")
    THREATS = "THREATS", _("Threats")
    RISKY_OFFER = "RISKY_OFFER", _("A new risky job or travel offer")
    DEBT = "DEBT", _("Outstanding debt")
    BACK_IN_AREA = "BACK_IN_AREA", _("Back in the area of exploitation")


class ReExploitation(models.TextChoices):
    NONE = "NONE", _("None")
    SUSPECTED = "SUSPECTED", _("Suspected")
    CONFIRMED = "CONFIRMED", _("Confirmed")


class Risk(models.TextChoices):
    LOW = "LOW", _("Low")
    MEDIUM = "MEDIUM", _("Medium")
    HIGH = "HIGH", _("High")


class JusticeStage(models.TextChoices):
    NONE = "NONE", _("No proceedings")
    COMPLAINT = "COMPLAINT", _("Complaint filed")
    INVESTIGATION = "INVESTIGATION", _("Under investigation")
    TRIAL = "TRIAL", _("At trial")
    SENTENCE = "SENTENCE", _("Sentenced")
    ARCHIVED = "ARCHIVED", _("Archived")


class GoalStatus(models.TextChoices):
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    MET = "MET", _("Met")
    DROPPED = "DROPPED", _("Dropped")


class RecordStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    FINAL = "FINAL", _("Recorded")


# What raises the alarm (DOMAIN.md section 8), as the database sees it: the dashboards count it and
# an index serves it; VisitRecord.raises_alarm says the same of one record.
ALARM = Q(risk=Risk.HIGH) | Q(re_exploitation__in=[ReExploitation.SUSPECTED, ReExploitation.CONFIRMED])


class VisitRecord(SensitiveModel):
    """What a follow-up visit found. Codes in plain text (reminders, alerts and aggregates read them);
    the notes, the reason not seen and the plan goals are the person's story, and are encrypted."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="record", verbose_name=_("visit"))
    status = models.CharField(_("status"), max_length=8, choices=RecordStatus.choices, default=RecordStatus.DRAFT)
    contact_on = models.DateField(_("date of the contact"), null=True, blank=True)
    mode = models.CharField(_("how"), max_length=12, choices=ContactMode.choices, blank=True)
    seen = models.BooleanField(_("the person was seen"), null=True, blank=True)
    not_seen_reason = models.CharField(_("why not seen"), max_length=12, choices=NotSeenReason.choices, blank=True)
    not_seen_detail = EncryptedTextField(_("more about why"), max_length=500, blank=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)  # Dimension code -> 0..3; absent = not assessed
    flags = models.JSONField(_("risk signs"), default=list, blank=True)  # RiskFlag codes
    re_exploitation = models.CharField(_("re-exploitation"), max_length=10, choices=ReExploitation.choices, blank=True)
    risk = models.CharField(_("risk of re-trafficking"), max_length=6, choices=Risk.choices, blank=True)
    identity_document_held = models.BooleanField(_("holds an identity document"), null=True, blank=True)
    justice_stage = models.CharField(_("justice stage"), max_length=14, choices=JusticeStage.choices, blank=True)
    reparation_ordered = models.BooleanField(_("reparation ordered"), null=True, blank=True)
    reparation_paid = models.BooleanField(_("reparation paid"), null=True, blank=True)
    own_view = models.PositiveSmallIntegerField(
        _("the person's own view of their wellbeing (0-3)"), null=True, blank=True, validators=[MaxValueValidator(3)]
    )
    goals = EncryptedJSONField(_("plan goals"), default=list, blank=True)  # [{"goal": text, "status": GoalStatus}]
    notes = EncryptedTextField(_("notes"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("visit record")
        verbose_name_plural = _("visit records")
        constraints = [models.CheckConstraint(condition=Q(own_view__lte=3), name="own_view_0_to_3")]
        # The high-risk signals of the last months, on the supervisor's dashboard (bench/reports.py).
        indexes = [models.Index(fields=["contact_on"], condition=ALARM, name="record_alarm_on")]

    def __str__(self):
        return f"record of visit {self.visit_id}"

    @property
    def scored(self):
        """(label, score) of the dimensions assessed, in the order of DOMAIN.md."""
        return [(label, self.scores[code]) for code, label in Dimension.choices if code in self.scores]

    @property
    def raises_alarm(self):
        """DOMAIN.md section 8: a HIGH risk, or re-exploitation suspected or confirmed."""
        return self.risk == Risk.HIGH or self.re_exploitation in (ReExploitation.SUSPECTED, ReExploitation.CONFIRMED)


class Reminder(models.Model):
    """One reminder to one person about one visit. The unique (visit, kind, recipient) is the
    idempotency key: however often a sweep or a delivery runs, a reminder exists once.

    The in-app copy is a notification made with the row; the email goes out from a Celery task.
    `email_due_at` is the dispatch lease: while it is in the future a delivery is under way; once
    past, the sweep dispatches it again (a killed worker, a message lost with Redis).
    `email_claimed_until` is a delivery's hold on the row, so that two never send it at once.
    """

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("visit"))
    kind = models.CharField(_("kind"), max_length=12, choices=[(kind.value, kind.value) for kind in pure.ReminderKind])
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient"))
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    notification = models.OneToOneField(Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)  # or found no address to send to
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_due_at = models.DateTimeField(null=True, blank=True)
    email_claimed_until = models.DateTimeField(null=True, blank=True)  # a delivery holds it until then

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["visit", "kind", "recipient"], name="one_reminder_per_visit_kind_recipient")]
        indexes = [models.Index(fields=["email_due_at"], condition=Q(emailed_at__isnull=True), name="reminder_email_pending")]

    def __str__(self):
        return f"{self.kind} reminder of visit {self.visit_id} for user {self.recipient_id}"
