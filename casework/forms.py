"""Forms of the caseworker screens. Each checks what the user typed and says what to fix, in the
user's language, next to the field; the services check the rest (casework.services)."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    DocumentType,
    ExploitationType,
    Gender,
    Institution,
    LabourSector,
    Language,
    MeansOfControl,
    PreferredGender,
    RecruiterRelation,
    RecruitmentChannel,
    Region,
    StatementSetting,
    TraffickingStatus,
)

AGE = [MinValueValidator(0), MaxValueValidator(120)]


def date_input():
    """The phone's own date picker; it sends ISO dates whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the case version the edit started from, and the last access event seen then."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_event = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class IdentitySection(forms.Form):
    """Who the person is. Either a date of birth or an estimated age range, never a typed band."""

    given_names = forms.CharField(label=_("Given names"), max_length=200)
    family_names = forms.CharField(label=_("Family names"), max_length=200, required=False)
    aliases = forms.CharField(label=_("Aliases"), max_length=300, required=False, help_text=_("Separate them with commas."))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=date_input())
    birth_date_is_estimated = forms.BooleanField(label=_("The date of birth is an estimate"), required=False)
    age_min = forms.IntegerField(label=_("Estimated age: from"), required=False, validators=AGE)
    age_max = forms.IntegerField(label=_("Estimated age: to"), required=False, validators=AGE)
    age_estimated_on = forms.DateField(label=_("Date of the estimate"), required=False, widget=date_input())
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=3,
        required=False,
        validators=[RegexValidator(r"^[A-Za-z]{3}$", _("Three letters, e.g. PER or VEN."))],
        help_text=_("Three-letter country code, e.g. PER, VEN."),
    )
    document_type = forms.ChoiceField(label=_("Document type"), choices=[("", "—"), *DocumentType.choices], required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        birth_date, low, high, on = (data.get(name) for name in ("birth_date", "age_min", "age_max", "age_estimated_on"))
        has_range = any(value is not None for value in (low, high, on))
        if birth_date and birth_date > today:
            self.add_error("birth_date", _("The date of birth cannot be in the future."))
        if birth_date and has_range:
            self.add_error("age_min", _("Give either the date of birth or an estimated age range, not both."))
        elif has_range:
            for name, value in (("age_min", low), ("age_max", high), ("age_estimated_on", on)):
                if value is None and name not in self.errors:
                    self.add_error(name, _("An estimated age range needs a minimum, a maximum and the date it was estimated."))
            if low is not None and high is not None and low > high:
                self.add_error("age_max", _("The estimated age range must go from the lower to the higher age (0 to 120)."))
            if on and on > today:
                self.add_error("age_estimated_on", _("The age estimate cannot be dated in the future."))
        elif not birth_date and not self.has_error("birth_date"):
            self.add_error("birth_date", _("Give the date of birth or an estimated age range."))
        return data

    def changes(self):
        """(person fields, case fields) to save."""
        return self.person_fields(), {}

    def person_fields(self):
        """The cleaned values as Person fields."""
        data = self.cleaned_data
        estimate = None
        if data["age_min"] is not None:
            estimate = {"min": data["age_min"], "max": data["age_max"], "estimated_on": data["age_estimated_on"].isoformat()}
        return {
            "given_names": data["given_names"],
            "family_names": data["family_names"],
            "aliases": [alias.strip() for alias in data["aliases"].split(",") if alias.strip()],
            "gender": data["gender"],
            "birth_date": data["birth_date"],
            "birth_date_is_estimated": bool(data["birth_date"]) and data["birth_date_is_estimated"],
            "age_estimate": estimate,
            "nationality": data["nationality"].upper(),
            "document_type": data["document_type"],
            "document_number": data["document_number"],
            "languages": data["languages"],
            "phone": data["phone"],
            "address": data["address"],
            "notes": data["notes"],
        }

    @staticmethod
    def initial_from(case):
        person = case.person
        estimate = person.age_estimate or {}
        return {
            "given_names": person.given_names,
            "family_names": person.family_names,
            "aliases": ", ".join(person.aliases),
            "gender": person.gender,
            "birth_date": person.birth_date,
            "birth_date_is_estimated": person.birth_date_is_estimated,
            "age_min": estimate.get("min"),
            "age_max": estimate.get("max"),
            "age_estimated_on": estimate.get("estimated_on"),
            "nationality": person.nationality,
            "document_type": person.document_type,
            "document_number": person.document_number,
            "languages": person.languages,
            "phone": person.phone,
            "address": person.address,
            "notes": person.notes,
        }


def _optional(choices):
    return [("", "—"), *choices]


LABOUR_FORMS = {ExploitationType.LABOUR, ExploitationType.SERVITUDE, ExploitationType.CHILD_LABOUR, ExploitationType.FORCED_BEGGING}


class SituationSection(forms.Form):
    """What happened: trafficking status, forms of exploitation, recruitment, where and when."""

    trafficking_status = forms.ChoiceField(label=_("Trafficking status"), choices=TraffickingStatus.choices)
    trafficking_status_decided_by = forms.ChoiceField(label=_("Status decided by"), choices=_optional(Institution.choices), required=False)
    exploitation_types = forms.MultipleChoiceField(
        label=_("Forms of exploitation"), choices=ExploitationType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    labour_sector = forms.ChoiceField(label=_("Labour sector"), choices=_optional(LabourSector.choices), required=False)
    means_of_control = forms.MultipleChoiceField(
        label=_("Means of control"), choices=MeansOfControl.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    recruiter_relation = forms.ChoiceField(
        label=_("Relation to the recruiter"), choices=_optional(RecruiterRelation.choices), required=False
    )
    recruitment_channel = forms.ChoiceField(
        label=_("How the person was recruited"), choices=_optional(RecruitmentChannel.choices), required=False
    )
    region = forms.ChoiceField(label=_("Region where identified"), choices=Region.choices)
    place_identified = forms.CharField(label=_("Place identified"), max_length=300, required=False)
    identified_by = forms.ChoiceField(label=_("Identified by"), choices=_optional(Institution.choices), required=False)
    identified_on = forms.DateField(label=_("Date identified"), required=False, widget=date_input())
    summary = forms.CharField(label=_("Summary"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}))

    CASE_FIELDS = (
        "trafficking_status",
        "trafficking_status_decided_by",
        "exploitation_types",
        "labour_sector",
        "means_of_control",
        "recruiter_relation",
        "recruitment_channel",
        "region",
        "place_identified",
        "identified_by",
        "identified_on",
        "summary",
    )

    def clean(self):
        data = super().clean()
        identified_on = data.get("identified_on")
        if identified_on and identified_on > timezone.localdate():
            self.add_error("identified_on", _("The date identified cannot be in the future."))
        if data.get("labour_sector") and not LABOUR_FORMS & set(data.get("exploitation_types", [])):
            self.add_error(
                "labour_sector", _("A labour sector goes with a form of labour exploitation: tick one, or leave the sector empty.")
            )
        return data

    def changes(self):
        return {}, {name: self.cleaned_data[name] for name in self.CASE_FIELDS}

    @classmethod
    def initial_from(cls, case):
        return {name: getattr(case, name) for name in cls.CASE_FIELDS}


class StatementSection(forms.Form):
    """The person tells their story once: record whether, where and when it was taken."""

    statement_taken = forms.BooleanField(label=_("The person's account has already been taken"), required=False)
    statement_setting = forms.ChoiceField(label=_("Where"), choices=_optional(StatementSetting.choices), required=False)
    statement_taken_on = forms.DateField(label=_("When"), required=False, widget=date_input())
    statement_reference = forms.CharField(
        label=_("Reference"), max_length=200, required=False, help_text=_("E.g. the prosecutor's file number; never the account itself.")
    )
    preferred_interviewer_gender = forms.ChoiceField(
        label=_("Preferred gender of the person who interviews and visits"), choices=PreferredGender.choices
    )

    CASE_FIELDS = ("statement_taken", "statement_setting", "statement_taken_on", "statement_reference")

    def clean(self):
        data = super().clean()
        taken_on = data.get("statement_taken_on")
        if taken_on and taken_on > timezone.localdate():
            self.add_error("statement_taken_on", _("The date cannot be in the future."))
        if data.get("statement_taken"):
            if not data.get("statement_setting"):
                self.add_error("statement_setting", _("Say where the account was taken, so that nobody asks for it again."))
        elif any(data.get(name) for name in self.CASE_FIELDS[1:]):
            self.add_error("statement_taken", _("Tick this box if the account was taken, or leave the details empty."))
        return data

    def changes(self):
        case_fields = {name: self.cleaned_data[name] for name in self.CASE_FIELDS}
        return {"preferred_interviewer_gender": self.cleaned_data["preferred_interviewer_gender"]}, case_fields

    @classmethod
    def initial_from(cls, case):
        return {
            **{name: getattr(case, name) for name in cls.CASE_FIELDS},
            "preferred_interviewer_gender": case.person.preferred_interviewer_gender,
        }
