"""Case teams, the team policy (DOMAIN.md section 7, as data) and the record of every proposal."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Discipline, check_codes
from .cases import Case
from .people import Office


def default_required_disciplines():
    return [Discipline.PSYCHOLOGY, Discipline.SOCIAL_WORK, Discipline.LAW]


def default_health_disciplines():
    return [Discipline.MEDICINE, Discipline.NURSING]


class TeamPolicy(models.Model):
    """The rules every case team must meet: one default (no office) and optional per-office overrides."""

    office = models.OneToOneField(
        Office,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="team_policy",
        verbose_name=_("office"),
        help_text=_("Empty for the default policy, which applies to every office without its own."),
    )
    min_members = models.PositiveSmallIntegerField(_("minimum members"), default=3, validators=[MinValueValidator(1)])
    max_members = models.PositiveSmallIntegerField(
        _("maximum members"), default=6, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    mixed_gender = models.BooleanField(_("at least one woman and one man"), default=True)
    required_disciplines = models.JSONField(_("disciplines always covered"), default=default_required_disciplines)
    health_disciplines = models.JSONField(
        _("disciplines for an open health need"),
        default=default_health_disciplines,
        help_text=_("One of these is on the team when the case has a health need."),
    )
    min_sectors = models.PositiveSmallIntegerField(_("minimum number of sectors"), default=2, validators=[MinValueValidator(1)])
    training_months = models.PositiveSmallIntegerField(
        _("specialisation training valid for (months)"), default=24, validators=[MinValueValidator(1)]
    )
    lead_gender_honoured = models.BooleanField(_("the lead has the gender the person prefers"), default=True)
    language_covered = models.BooleanField(_("someone speaks the person's language, or an interpreter is on the team"), default=True)
    child_specialist_for_minors = models.BooleanField(_("a child-specialised member for minors"), default=True)
    allow_remote = models.BooleanField(_("members may work in another region"), default=False)

    class Meta:
        verbose_name = _("team policy")
        verbose_name_plural = _("team policies")
        constraints = [
            # One default: NULLs are never equal, so the default counts as office 0 here.
            models.UniqueConstraint(Coalesce("office", models.Value(0)), name="one_default_team_policy"),
            models.CheckConstraint(condition=Q(max_members__gte=models.F("min_members")), name="team_policy_max_at_least_min"),
        ]

    def __str__(self):
        return f"{_('Team policy')}: {self.office.code if self.office_id else _('default')}"

    def clean(self):
        check_codes(self, required_disciplines=Discipline, health_disciplines=Discipline)


class TeamMember(models.Model):
    """One member of a case's team; the lead interviews and visits the person."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team", verbose_name=_("case"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_places", verbose_name=_("member"))
    is_lead = models.BooleanField(_("lead"), default=False)
    # Rule codes and what the member covers (codes), as the solver explained them.
    rules = models.JSONField(_("rules met"), default=list, blank=True)
    covers = models.JSONField(_("covers"), default=list, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_place_per_member"),
            models.UniqueConstraint(fields=["case"], condition=Q(is_lead=True), name="one_lead_per_team"),
        ]

    def __str__(self):
        return f"member {self.user_id} of case {self.case_id}"


class TeamProposal(models.Model):
    """Every time the solver was asked: the evidence of which rules fail for lack of people.

    Codes and a region only (never a person), so the capacity report can count them.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_proposals", verbose_name=_("case"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office"))
    region = models.CharField(_("region"), max_length=2)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    feasible = models.BooleanField(_("a valid team was found"))
    unmet_rules = models.JSONField(_("rules that could not be met"), default=list, blank=True)

    class Meta:
        verbose_name = _("team proposal")
        verbose_name_plural = _("team proposals")
        indexes = [models.Index(fields=["proposed_at", "region"])]

    def __str__(self):
        return f"team proposal {self.pk} ({'ok' if self.feasible else ', '.join(self.unmet_rules)})"
