"""Cases: the context of one person's path through the agency's services."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ..choices import (
    CaseStatus,
    ExploitationType,
    Institution,
    LabourSector,
    MeansOfControl,
    RecruiterRelation,
    RecruitmentChannel,
    Region,
    ServiceType,
    StatementSetting,
    TraffickingStatus,
    check_codes,
)
from ..fields import EncryptedTextField, SensitiveModel
from .people import Office, Person

# The intake sections, in the order a caseworker fills them.
INTAKE_SECTIONS = ("identity", "situation", "statement", "safety", "consent", "needs")


class Case(SensitiveModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases", verbose_name=_("office"))
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.INTAKE)
    trafficking_status = models.CharField(
        _("trafficking status"), max_length=16, choices=TraffickingStatus.choices, default=TraffickingStatus.POSSIBLE
    )
    trafficking_status_decided_by = models.CharField(
        _("trafficking status decided by"), max_length=20, choices=Institution.choices, blank=True
    )
    identified_by = models.CharField(_("identified by"), max_length=20, choices=Institution.choices, blank=True)
    exploitation_types = models.JSONField(_("forms of exploitation"), default=list, blank=True)
    means_of_control = models.JSONField(_("means of control"), default=list, blank=True)
    recruiter_relation = models.CharField(_("relation to the recruiter"), max_length=20, choices=RecruiterRelation.choices, blank=True)
    recruitment_channel = models.CharField(_("how the person was recruited"), max_length=20, choices=RecruitmentChannel.choices, blank=True)
    labour_sector = models.CharField(_("labour sector"), max_length=16, choices=LabourSector.choices, blank=True)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    identified_on = models.DateField(_("date identified"), null=True, blank=True)
    opened_on = models.DateField(_("date opened"))
    reintegration_started_on = models.DateField(_("reintegration started"), null=True, blank=True)
    care_ended_on = models.DateField(_("care ended"), null=True, blank=True)
    # The consent in force allows counting the case in anonymous statistics (kept with each consent
    # recorded, so that every report filters on one column).
    in_statistics = models.BooleanField(_("counts in anonymous statistics"), default=False, editable=False)
    # Kept by followup whenever visits change, so lists can show it without knowing about visits.
    next_visit_on = models.DateField(_("next follow-up visit"), null=True, blank=True)
    closed_on = models.DateField(_("date closed"), null=True, blank=True)
    # Data retention (casework.retention): when the personal data of the case was erased, and the
    # coded age the aggregate exports need once the birth date is gone (empty until then).
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)
    age_at_opening = models.PositiveSmallIntegerField(_("age when the case was opened"), null=True, blank=True, editable=False)
    minor_at_opening = models.BooleanField(_("treated as a minor when the case was opened"), null=True, blank=True, editable=False)

    statement_taken = models.BooleanField(_("the person's account has been taken"), default=False)
    statement_setting = models.CharField(_("where the account was taken"), max_length=20, choices=StatementSetting.choices, blank=True)
    statement_taken_on = models.DateField(_("date the account was taken"), null=True, blank=True)
    statement_reference = EncryptedTextField(_("reference of the statement"), max_length=200, blank=True)

    place_identified = EncryptedTextField(_("place identified"), max_length=300, blank=True)
    summary = EncryptedTextField(_("summary"), max_length=5000, blank=True)

    needs = models.JSONField(_("needs"), default=list, blank=True, help_text=_("Service codes (DOMAIN.md section 5)."))
    urgent = models.BooleanField(_("urgent"), default=False)
    needs_notes = EncryptedTextField(_("notes on the needs"), max_length=2000, blank=True)

    # Intake is a draft until every section has been saved once and someone completes it.
    intake_sections = models.JSONField(_("intake sections saved"), default=list, blank=True)
    intake_completed_on = models.DateField(_("intake completed"), null=True, blank=True)
    # The team rules the current team breaks ({"rule": code, "missing": codes}), from the last check.
    team_breaks = models.JSONField(_("team rules broken"), default=list, blank=True)

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Optimistic concurrency: bumped on every edit.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["office", "status"]),
            models.Index(fields=["status", "region"]),
            # One office's indicators count its region's consented cases (docs/performance.md).
            models.Index(fields=["region"], condition=models.Q(in_statistics=True), name="case_region_in_statistics"),
        ]

    def __str__(self):
        return self.reference

    def clean(self):
        check_codes(self, exploitation_types=ExploitationType, means_of_control=MeansOfControl, needs=ServiceType)

    def intake_sections_missing(self):
        """The intake sections (slugs, in order) not saved yet."""
        return [section for section in INTAKE_SECTIONS if section not in self.intake_sections]


class CaseReferenceCounter(models.Model):
    """The last sequence number used for an office's case references in a year."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="unique_reference_counter")]

    def __str__(self):
        return f"{self.office_id}/{self.year}: {self.last}"


# django-guardian with direct foreign keys: indexed joins instead of generic (text) object ids.
class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
