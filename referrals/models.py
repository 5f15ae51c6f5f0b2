"""The service catalogue, referrals to it, and the evidence of needs nothing serves."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import AgeBand, ExploitationType, Gender, Language, Region, Sector, ServiceType, check_codes
from casework.fields import EncryptedTextField, SensitiveModel
from casework.models import Case, Review

AGE_LIMIT = [MinValueValidator(0), MaxValueValidator(120)]


class Provider(models.Model):
    """An organisation that offers services: public information, never about a person."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices, help_text=_("Where it is based."))
    contact = models.CharField(
        _("contact for referrals"), max_length=300, blank=True, help_text=_("The provider's office, not a person's.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self):
        return self.name


class Service(models.Model):
    """One service of a provider, with who it serves (DOMAIN.md section 5)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services", verbose_name=_("provider"))
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=32, choices=ServiceType.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    regions = models.JSONField(_("regions served"), default=list, blank=True, help_text=_("INEI codes; empty with national."))
    national = models.BooleanField(_("serves the whole country"), default=False)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True, validators=AGE_LIMIT)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True, validators=AGE_LIMIT)
    genders = models.JSONField(_("genders served"), default=list, blank=True, help_text=_("Empty: everyone."))
    exploitation_types = models.JSONField(_("forms of exploitation served"), default=list, blank=True, help_text=_("Empty: all."))
    languages = models.JSONField(_("languages"), default=list, blank=True)
    residential = models.BooleanField(_("residential"), default=False)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True, help_text=_("Empty: no limit."))
    places_in_use = models.PositiveIntegerField(_("places in use"), default=0)
    accepts_undocumented = models.BooleanField(_("accepts people without documents"), default=True)
    accessible = models.BooleanField(_("accessible for people with disabilities"), default=False)
    specialised = models.BooleanField(_("specialised in trafficking"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["type", "active"])]
        constraints = [
            # Two caseworkers can never overbook the last place: the database refuses it.
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(places_in_use__lte=F("capacity")), name="service_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")), name="service_age_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.provider})"

    def clean(self):
        check_codes(self, regions=Region, genders=Gender, exploitation_types=ExploitationType, languages=Language)
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The maximum age is below the minimum age.")})
        if not self.regions and not self.national:
            raise ValidationError({"regions": _("Name the regions served, or mark the service as national.")})
        if self.capacity is not None and self.places_in_use > self.capacity:
            raise ValidationError({"places_in_use": _("More places in use than the service has.")})

    @property
    def places_left(self):
        return None if self.capacity is None else self.capacity - self.places_in_use


class ReferralStatus(models.TextChoices):
    PROPOSED = "PROPOSED", _("Proposed")
    SENT = "SENT", _("Sent")
    ACCEPTED = "ACCEPTED", _("Accepted")
    DECLINED = "DECLINED", _("Declined")
    COMPLETED = "COMPLETED", _("Completed")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")


class ReferralOutcome(models.TextChoices):
    """Why a referral was declined or did not succeed (DOMAIN.md section 5)."""

    NO_CAPACITY = "NO_CAPACITY", _("No capacity")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Not eligible")
    CLIENT_REFUSED = "CLIENT_REFUSED", _("The person refused")
    UNREACHABLE = "UNREACHABLE", _("Could not be reached")
    NO_LONGER_NEEDED = "NO_LONGER_NEEDED", _("No longer needed")
    OTHER = "OTHER", _("Other")


class Referral(SensitiveModel):
    """A case referred to a catalogue service for one need; every change stamped and logged."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("service"))
    need = models.CharField(_("need"), max_length=32, choices=ServiceType.choices)
    status = models.CharField(_("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED)
    outcome = models.CharField(_("reason"), max_length=20, choices=ReferralOutcome.choices, blank=True)
    shares_personal_data = models.BooleanField(_("shares the person's identity"), default=False)
    consent_sector = models.CharField(_("consent sector"), max_length=20, blank=True)
    override = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("override review")
    )
    note = EncryptedTextField(_("note"), max_length=2000, blank=True)
    holds_place = models.BooleanField(_("holds a place"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["case", "status"]), models.Index(fields=["service", "status"])]

    def __str__(self):
        return f"referral {self.pk} ({self.status})"


class ServiceGap(models.Model):
    """A need that routing found nothing for: coarse codes and a date only, never a person.

    `token` (an HMAC of case, need and week, under the blind-index key) lets one case count once
    a week however often its routing is opened; it cannot be turned back into the case.
    """

    need = models.CharField(_("need"), max_length=32, choices=ServiceType.choices)
    routing_band = models.CharField(_("age band"), max_length=16, choices=AgeBand.choices)
    gender_group = models.CharField(_("gender"), max_length=8)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    exploitation_types = models.JSONField(_("forms of exploitation"), default=list, blank=True)
    recorded_on = models.DateField(_("recorded on"))
    token = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("service gap")
        verbose_name_plural = _("service gaps")
        indexes = [models.Index(fields=["recorded_on", "need"])]

    def __str__(self):
        return f"gap {self.need} {self.routing_band} {self.region} {self.recorded_on}"


class ReferralAlert(models.Model):
    """That the team was told a referral's service stops fitting at an age change, N days before."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("referral"))
    days_before = models.PositiveSmallIntegerField(_("days before"))
    change_on = models.DateField(_("age change on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("age-change alert")
        verbose_name_plural = _("age-change alerts")
        constraints = [models.UniqueConstraint(fields=["referral", "change_on", "days_before"], name="one_alert_per_threshold")]

    def __str__(self):
        return f"alert {self.days_before} days before {self.change_on} for referral {self.referral_id}"
