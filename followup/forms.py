"""The visit record form (DOMAIN.md section 8). A draft checks only what is typed; recording checks
that the record is complete. Both refuse wrong types, impossible dates and too-long text."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ContactMode, Dimension, GoalStatus, JusticeStage, NotSeenReason, ReExploitation, RiskFlag, VisitRecord

YES_NO_UNKNOWN = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
SCORE_CHOICES = [
    ("", _("Not assessed")),
    ("0", _("0 · in crisis")),
    ("1", _("1 · struggling")),
    ("2", _("2 · coping")),
    ("3", _("3 · doing well")),
]
MAX_GOALS = 12


def _yes_no(label):
    return forms.TypedChoiceField(
        label=label, choices=YES_NO_UNKNOWN, required=False, coerce=lambda value: value == "yes", empty_value=None
    )


def _score(label):
    return forms.TypedChoiceField(label=label, choices=SCORE_CHOICES, required=False, coerce=int, empty_value=None)


CHOOSE = _("Choose…")


def _choice(label, choices):
    return forms.ChoiceField(label=label, choices=[("", CHOOSE), *choices], required=False)


def _as_choice(value):
    """A stored yes/no/unknown as the form's choice."""
    return "" if value is None else ("yes" if value else "no")


class VisitRecordForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    contact_on = forms.DateField(
        label=_("Date of the contact"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    mode = _choice(_("How the contact was made"), ContactMode.choices)
    seen = forms.TypedChoiceField(
        label=_("Was the person seen or spoken to?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    not_seen_reason = _choice(_("If not, why"), NotSeenReason.choices)
    not_seen_detail = forms.CharField(label=_("More about why (optional)"), max_length=500, required=False)
    flags = forms.MultipleChoiceField(label=_("Risk signs"), choices=RiskFlag.choices, widget=forms.CheckboxSelectMultiple, required=False)
    re_exploitation = forms.ChoiceField(
        label=_("Re-exploitation"), choices=ReExploitation.choices, widget=forms.RadioSelect, required=False
    )
    risk = forms.ChoiceField(
        label=_("Risk of re-trafficking"),
        choices=[(value, label) for value, label in VisitRecord._meta.get_field("risk").choices],
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "High risk, or re-exploitation suspected or confirmed, alerts the team and the supervisor at once"
            " and adds a visit within 7 days."
        ),
    )
    identity_document_held = _yes_no(_("Holds an identity document"))
    justice_stage = _choice(_("Justice stage"), JusticeStage.choices)
    reparation_ordered = _yes_no(_("Reparation ordered"))
    reparation_paid = _yes_no(_("Reparation paid"))
    own_view = _score(_("The person's own view of their wellbeing"))
    notes = forms.CharField(
        label=_("Notes"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Encrypted; never exported."),
    )

    def __init__(self, *args, record=None, **kwargs):
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(record)
        super().__init__(*args, **kwargs)
        # The scores sit after the "seen" question, in the order of DOMAIN.md.
        scores = {f"score_{code}": _score(label) for code, label in Dimension.choices}
        names = list(self.fields)
        position = names.index("not_seen_detail") + 1
        self.fields = (
            {name: self.fields[name] for name in names[:position]} | scores | {name: self.fields[name] for name in names[position:]}
        )

    @staticmethod
    def initial_from(record):
        initial = {
            "version": record.version,
            "contact_on": record.contact_on,
            "mode": record.mode,
            "seen": _as_choice(record.seen),
            "not_seen_reason": record.not_seen_reason,
            "not_seen_detail": record.not_seen_detail,
            "flags": record.flags,
            "re_exploitation": record.re_exploitation,
            "risk": record.risk,
            "justice_stage": record.justice_stage,
            "own_view": "" if record.own_view is None else str(record.own_view),
            "notes": record.notes,
        }
        for field in ("identity_document_held", "reparation_ordered", "reparation_paid"):
            initial[field] = _as_choice(getattr(record, field))
        initial.update({f"score_{code}": str(score) for code, score in record.scores.items()})
        return initial

    def clean(self):
        data = super().clean()
        if data.get("reparation_paid") and data.get("reparation_ordered") is False:
            self.add_error("reparation_paid", _("Reparation cannot be paid if it was not ordered."))
        if data.get("seen") and data.get("not_seen_reason"):
            self.add_error("not_seen_reason", _("The person was seen: leave the reason empty, or answer “No” above."))
        return data

    def check_complete(self):
        """Recording (not a draft) needs the contact's date and mode, whether the person was seen,
        and either why not or the two risk answers. Returns False with errors added."""
        data = self.cleaned_data
        required = ["contact_on", "mode", "seen"]
        if data.get("seen") is False:
            required.append("not_seen_reason")
        elif data.get("seen"):
            required += ["re_exploitation", "risk"]
        for name in required:
            if data.get(name) in (None, ""):
                self.add_error(name, _("Needed to record the visit (a draft can be saved without it)."))
        return not self.errors

    def record_values(self):
        """The cleaned data as VisitRecord field values."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.fields if not name.startswith("score_") and name != "version"}
        values["scores"] = {code: data[f"score_{code}"] for code in Dimension.values if data.get(f"score_{code}") is not None}
        return values


class GoalForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), max_length=300, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices, initial=GoalStatus.IN_PROGRESS)

    def clean(self):
        data = super().clean()
        if not (data.get("goal") or "").strip():
            data["goal"] = ""
        return data


GoalFormSet = forms.formset_factory(GoalForm, extra=2, max_num=MAX_GOALS, validate_max=True, absolute_max=MAX_GOALS)


def goals_of(formset):
    """The filled-in goals as stored: [{"goal": text, "status": code}]."""
    return [
        {"goal": form.cleaned_data["goal"].strip(), "status": form.cleaned_data["status"]}
        for form in formset.forms
        if form.cleaned_data.get("goal")
    ]


def validate_contact_date(contact_on, *, earliest, today):
    if contact_on and contact_on > today:
        raise ValidationError({"contact_on": _("The contact cannot be in the future.")})
    if contact_on and contact_on < earliest:
        raise ValidationError({"contact_on": _("The contact cannot be before care ended.")})
