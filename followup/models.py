"""Follow-up: the schedule (as data), each case's plan, and its visits with their windows."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Case

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

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["status", "window_opens"]), models.Index(fields=["case", "due"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "track", "offset_months"], condition=Q(unscheduled=False), name="one_visit_per_offset"),
            models.CheckConstraint(condition=Q(window_opens__lte=models.F("due"), due__lte=models.F("window_closes")), name="visit_window"),
        ]

    def __str__(self):
        return f"visit {self.pk} due {self.due}"
