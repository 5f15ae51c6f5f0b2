"""Forms of the caseworker screens. Each checks what the user typed and says what to fix, in the
user's language, next to the field; the services check the rest (casework.services)."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    ChildAssent,
    ConsentMethod,
    ConsentSector,
    Disability,
    DocumentType,
    ExploitationType,
    Gender,
    GuardianKind,
    Institution,
    LabourSector,
    Language,
    MeansOfControl,
    PreferredGender,
    RecruiterRelation,
    RecruitmentChannel,
    Region,
    SafeChannel,
    ServiceType,
    StatementSetting,
    TraffickingStatus,
)
from .models import ConsentRecord

AGE = [MinValueValidator(0), MaxValueValidator(120)]


def add_service_errors(form, error):
    """A service's ValidationError shown on the form: each message next to its field, or on top when
    the field is not on this form (or the error names none)."""
    for field, errors in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        form.add_error(field if field in form.fields else None, errors)


def date_input():
    """The phone's own date picker; it sends ISO dates whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _optional(choices):
    return [("", "—"), *choices]


class CodesField(forms.MultipleChoiceField):
    """Ticked codes, each once, in the order given (a hand-made post may repeat one)."""

    def clean(self, value):
        return list(dict.fromkeys(super().clean(value)))


def _checkboxes(label, choices, **kwargs):
    return CodesField(label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, **kwargs)


class VersionedForm(forms.Form):
    """Carries the case version the edit started from, and the last access event seen then."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_event = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self):
        data = super().clean()
        if self.has_error("version") or self.has_error("seen_event"):
            # Hidden fields have no place to show an error: say it on top of the form.
            self.add_error(None, _("This form was out of date or damaged. Open it again from the case file; what you typed is below."))
        return data


class SectionForm(forms.Form):
    """One section of a case. `case` is the case being edited (None while opening one).

    By default its fields are the Person fields named in PERSON_FIELDS and the Case fields named in
    CASE_FIELDS, read and saved as they are; a section that maps its fields differently overrides
    `changes()` and `initial_from()`.
    """

    PERSON_FIELDS = ()
    CASE_FIELDS = ()

    def __init__(self, *args, case=None, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def changes(self):
        """What to save, as keyword arguments of services.case_update."""
        data = self.cleaned_data
        return {
            "person_fields": {name: data[name] for name in self.PERSON_FIELDS},
            "case_fields": {name: data[name] for name in self.CASE_FIELDS},
        }

    @classmethod
    def initial_from(cls, case):
        return {
            **{name: getattr(case.person, name) for name in cls.PERSON_FIELDS},
            **{name: getattr(case, name) for name in cls.CASE_FIELDS},
        }


class IdentitySection(SectionForm):
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
    languages = _checkboxes(_("Languages"), Language.choices)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=_optional(Language.choices), required=False)
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    disabilities = _checkboxes(_("Disability"), Disability.choices)
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
        return {"person_fields": self.person_fields()}

    def person_fields(self):
        """The cleaned values as Person fields."""
        data = self.cleaned_data
        languages, preferred = data["languages"], data["preferred_language"]
        if preferred and preferred not in languages:
            languages = [*languages, preferred]  # the preferred language is one the person speaks
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
            "languages": languages,
            "preferred_language": data["preferred_language"],
            "needs_interpreter": data["needs_interpreter"],
            "disabilities": data["disabilities"],
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
            "preferred_language": person.preferred_language,
            "needs_interpreter": person.needs_interpreter,
            "disabilities": person.disabilities,
            "phone": person.phone,
            "address": person.address,
            "notes": person.notes,
        }


LABOUR_FORMS = {ExploitationType.LABOUR, ExploitationType.SERVITUDE, ExploitationType.CHILD_LABOUR, ExploitationType.FORCED_BEGGING}


class SituationSection(SectionForm):
    """What happened: trafficking status, forms of exploitation, recruitment, where and when."""

    trafficking_status = forms.ChoiceField(label=_("Trafficking status"), choices=TraffickingStatus.choices)
    trafficking_status_decided_by = forms.ChoiceField(label=_("Status decided by"), choices=_optional(Institution.choices), required=False)
    exploitation_types = _checkboxes(_("Forms of exploitation"), ExploitationType.choices)
    labour_sector = forms.ChoiceField(label=_("Labour sector"), choices=_optional(LabourSector.choices), required=False)
    means_of_control = _checkboxes(_("Means of control"), MeansOfControl.choices)
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


class StatementSection(SectionForm):
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

    PERSON_FIELDS = ("preferred_interviewer_gender",)
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


def _plain_text(label, max_length, rows=None, **kwargs):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=max_length, required=False, widget=widget, **kwargs)


class SafetySection(SectionForm):
    """How to reach the person without putting them at risk (DOMAIN.md section 10)."""

    safe_channels = _checkboxes(_("Safe ways to contact the person"), SafeChannel.choices)
    safe_hours = _plain_text(_("Safe hours"), 200, help_text=_("E.g. weekdays 9:00 to 12:00, never at weekends."))
    contact_kept_secret = forms.BooleanField(label=_("Someone must not learn that we are in contact"), required=False)
    must_not_know = _plain_text(_("Who must not learn of it"), 300)
    code_word = _plain_text(_("Code word"), 100, help_text=_("Agreed with the person, to confirm it is safe to talk."))
    never_visit = _plain_text(_("Addresses never to visit"), 1000, rows=3)

    PERSON_FIELDS = ("safe_channels", "safe_hours", "contact_kept_secret", "must_not_know", "code_word", "never_visit")

    def clean(self):
        data = super().clean()
        if data.get("must_not_know") and not data.get("contact_kept_secret"):
            self.add_error("contact_kept_secret", _("Tick this box when someone must not learn of the contact."))
        return data


class ConsentSection(SectionForm):
    """The consent in force (DOMAIN.md section 9). Saving records a new consent; the old stays in history."""

    given_on = forms.DateField(label=_("Date consent was given"), widget=date_input())
    method = forms.ChoiceField(label=_("How consent was given"), choices=_optional(ConsentMethod.choices))
    services = forms.BooleanField(label=_("Consents to receive services"), required=False)
    share_with = _checkboxes(_("Consents to share the case with"), ConsentSector.choices)
    follow_up_contact = forms.BooleanField(label=_("Consents to be contacted for follow-up"), required=False)
    follow_up_channels = _checkboxes(_("Channels for follow-up contact"), SafeChannel.choices)
    statistics = forms.BooleanField(label=_("Consents to be counted in anonymous statistics"), required=False)
    child_assent = forms.ChoiceField(
        label=_("The child's or adolescent's own assent"), choices=_optional(ChildAssent.choices), required=False
    )
    guardian_kind = forms.ChoiceField(label=_("Consent of"), choices=_optional(GuardianKind.choices), required=False)
    guardian_consent_on = forms.DateField(label=_("Date of that consent"), required=False, widget=date_input())
    guardian_method = forms.ChoiceField(label=_("How that consent was given"), choices=_optional(ConsentMethod.choices), required=False)

    RECORD_FIELDS = (
        "given_on",
        "method",
        "services",
        "share_with",
        "follow_up_contact",
        "follow_up_channels",
        "statistics",
        "child_assent",
        "guardian_kind",
        "guardian_consent_on",
        "guardian_method",
    )
    MINOR_FIELDS = ConsentRecord.MINOR_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.for_minor:
            for name in self.MINOR_FIELDS:
                del self.fields[name]

    @property
    def for_minor(self):
        return self.case is not None and self.case.person.is_minor

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for name in ("given_on", "guardian_consent_on"):
            if data.get(name) and data[name] > today:
                self.add_error(name, _("The date cannot be in the future."))
        if data.get("follow_up_contact") and not data.get("follow_up_channels"):
            self.add_error("follow_up_channels", _("Tick at least one channel the person agreed to."))
        elif data.get("follow_up_channels") and not data.get("follow_up_contact"):
            self.add_error("follow_up_contact", _("Tick this box if the person agreed to be contacted, or untick the channels."))
        if self.for_minor:
            for name in self.MINOR_FIELDS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Required for a child or adolescent: record the assent and the guardian's consent apart."))
        return data

    def changes(self):
        # An adult's form has no minors' fields: the record keeps their blank defaults.
        return {"consent": {name: self.cleaned_data[name] for name in self.RECORD_FIELDS if name in self.cleaned_data}}

    @classmethod
    def initial_from(cls, case):
        record = case.consents.order_by("-recorded_at", "-id").first()
        return {name: getattr(record, name) for name in cls.RECORD_FIELDS} if record else {}


class NeedsSection(SectionForm):
    """What the person needs now, as the service codes routing will match (DOMAIN.md section 5)."""

    needs = _checkboxes(_("Needs"), ServiceType.choices)
    urgent = forms.BooleanField(label=_("Urgent: the person is in danger or without shelter today"), required=False)
    needs_notes = _plain_text(_("Notes on the needs"), 2000, rows=3)

    CASE_FIELDS = ("needs", "urgent", "needs_notes")

    def clean(self):
        data = super().clean()
        if data.get("urgent") and not data.get("needs"):
            self.add_error("needs", _("Tick what the person needs urgently."))
        return data


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    corrects = forms.UUIDField(widget=forms.HiddenInput, required=False)


class NoteEditForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SearchForm(forms.Form):
    query = forms.CharField(
        label=_("Document number or names"),
        max_length=200,
        help_text=_("A document number, or one or more whole names (given names, family names or aliases)."),
    )
