"""People: staff (users, offices, profiles) and the persons the cases are about."""

import datetime

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..age import AgeEvidence, assess, month_of
from ..choices import (
    AgeBand,
    Disability,
    Discipline,
    Gender,
    Language,
    PreferredGender,
    Region,
    SafeChannel,
    Sector,
    check_codes,
    joined_labels,
)
from ..fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField, SensitiveModel


class User(AbstractUser):
    """A member of staff. Roles are groups (casework.roles); users are deactivated, never deleted."""

    language = models.CharField(
        _("language"), max_length=8, choices=[("es", "Español"), ("en", "English")], blank=True, help_text=_("Language of the screens.")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


class Office(models.Model):
    code = models.CharField(
        _("code"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. LIM."))],
        help_text=_("Three letters; starts every case reference of the office (LIM-2026-00042)."),
    )
    name = models.CharField(_("name"), max_length=120)
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self):
        return f"{self.code} · {self.name}"


class StaffProfile(models.Model):
    """What the team rules need to know about a member of staff (DOMAIN.md section 6)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("user"))
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    disciplines = models.JSONField(_("disciplines"), default=list, help_text=_("Codes from the discipline list."))
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="staff", verbose_name=_("office"))
    region = models.CharField(_("region"), max_length=2, choices=Region.choices)
    languages = models.JSONField(_("languages"), default=list, help_text=_("ISO 639-3 codes."))
    specialisation_trained_on = models.DateField(_("last trafficking-specialisation training"), null=True, blank=True)
    child_specialised = models.BooleanField(_("specialised in children and adolescents"), default=False)
    caseload_cap = models.PositiveSmallIntegerField(_("caseload cap"), default=20, validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)
    supervised_offices = models.ManyToManyField(
        Office,
        blank=True,
        related_name="supervisors",
        verbose_name=_("offices supervised"),
        help_text=_("For supervisors: they see every case of these offices and decide their reviews."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        indexes = [models.Index(fields=["office", "active"])]

    def __str__(self):
        return self.user.get_username()

    def clean(self):
        check_codes(self, disciplines=Discipline, languages=Language)

    def get_disciplines_display(self):
        return joined_labels(Discipline.choices, self.disciplines)


class SearchPurpose(models.TextChoices):
    NAME = "NAME", _("Name token")
    DOCUMENT = "DOCUMENT", _("Document number")


class Person(SensitiveModel):
    """A victim's identity, kept apart from the case (HTCDS). Everything identifying is encrypted.

    The plaintext columns are the few that routing, sweeps and statistics need without
    decrypting everyone; docs/ARCHITECTURE.md gives the reason for each.
    """

    SEARCHABLE_FIELDS = frozenset({"given_names", "family_names", "aliases", "document_number"})

    # Encrypted identity.
    given_names = EncryptedTextField(_("given names"), max_length=200)
    family_names = EncryptedTextField(_("family names"), max_length=200, blank=True)
    aliases = EncryptedJSONField(_("aliases"), default=list, blank=True)
    birth_date = EncryptedDateField(_("date of birth"), null=True, blank=True)
    age_estimate = EncryptedJSONField(
        _("estimated age range"), null=True, blank=True, help_text=_('{"min": 14, "max": 17, "estimated_on": "2026-03-01"}')
    )
    document_type = EncryptedTextField(_("document type"), max_length=40, blank=True)
    document_number = EncryptedTextField(_("document number"), max_length=64, blank=True)
    languages = EncryptedJSONField(_("languages"), default=list, blank=True)
    phone = EncryptedTextField(_("phone"), max_length=40, blank=True)
    address = EncryptedTextField(_("address"), max_length=500, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=5000, blank=True)
    preferred_language = EncryptedTextField(_("preferred language"), max_length=8, blank=True, help_text=_("ISO 639-3 code."))
    needs_interpreter = EncryptedJSONField(_("needs an interpreter"), default=False, blank=True)
    disabilities = EncryptedJSONField(_("disabilities"), default=list, blank=True)

    # Encrypted safe-contact preferences (DOMAIN.md section 10): shown in the app, never sent out.
    safe_channels = EncryptedJSONField(_("safe channels"), default=list, blank=True)
    safe_hours = EncryptedTextField(_("safe hours"), max_length=200, blank=True)
    contact_kept_secret = EncryptedJSONField(_("someone must not learn of the contact"), default=False, blank=True)
    must_not_know = EncryptedTextField(_("who must not learn of the contact"), max_length=300, blank=True)
    code_word = EncryptedTextField(_("code word"), max_length=100, blank=True)
    never_visit = EncryptedTextField(_("addresses never to visit"), max_length=1000, blank=True)

    # Plaintext, each for a stated reason (docs/ARCHITECTURE.md).
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, default=Gender.NOT_STATED)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True, help_text=_("ISO 3166 alpha-3 code."))
    preferred_interviewer_gender = models.CharField(
        _("preferred gender of the person who interviews and visits"),
        max_length=16,
        choices=PreferredGender.choices,
        default=PreferredGender.NOT_ASKED,
    )
    birth_date_is_estimated = models.BooleanField(_("the date of birth is an estimate"), default=False)
    age_band = models.CharField(_("age band"), max_length=16, choices=AgeBand.choices)
    presumed_minor = models.BooleanField(_("presumed minor (age to be assessed)"), default=False)
    age_band_changes_in = models.DateField(_("month the age band next changes"), null=True, blank=True)
    # Set when the retention task anonymised the person (casework.retention): every encrypted field is empty.
    erased_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["age_band_changes_in"])]

    def __str__(self):
        # Never the name: this string reaches logs, admin messages and error pages.
        return f"Person {self.pk}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        changed = self.__dict__.pop("_changed_encrypted", set())
        if adding or changed & self.SEARCHABLE_FIELDS:
            from ..search import sync_search_tokens

            sync_search_tokens(self)

    @property
    def is_minor(self):
        """Under 18, or presumed so until the age is assessed: minors' rules apply."""
        return self.presumed_minor or self.age_band in {AgeBand.CHILD, AgeBand.ADOLESCENT}

    def clean(self):
        check_codes(self, languages=Language, preferred_language=Language, disabilities=Disability, safe_channels=SafeChannel)

    def age_evidence(self):
        estimate = self.age_estimate
        if self.birth_date is not None or not estimate:
            return AgeEvidence(birth_date=self.birth_date, birth_date_is_estimated=self.birth_date_is_estimated)
        return AgeEvidence(
            range_min=estimate["min"],
            range_max=estimate["max"],
            range_estimated_on=datetime.date.fromisoformat(estimate["estimated_on"]),
        )

    def refresh_age(self, today):
        """Recompute the plaintext age columns from the encrypted evidence."""
        assessment = assess(self.age_evidence(), today)
        self.age_band = assessment.band.value
        self.presumed_minor = assessment.presumed_minor
        self.age_band_changes_in = month_of(assessment.next_band_change)
        return assessment


class PersonSearchToken(models.Model):
    """Blind-index tokens of a person's name parts and document number (HMAC, never plaintext)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_tokens")
    purpose = models.CharField(max_length=10, choices=SearchPurpose.choices)
    token = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "purpose", "token"], name="unique_person_search_token")]
        indexes = [models.Index(fields=["purpose", "token"])]

    def __str__(self):
        return f"{self.purpose} token of person {self.person_id}"
