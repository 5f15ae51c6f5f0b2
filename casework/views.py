"""Caseworker screens. Thin: parse, call access or a service, render."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from . import services
from .access import case_for, cases_visible_to
from .choices import CaseStatus, DocumentType, ExploitationType, Language, MeansOfControl, Region
from .fields import encrypted_fields
from .forms import IdentitySection, SituationSection, StatementSection, VersionedForm
from .models import AccessAction, AccessEvent, Case, Person

CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)
CASES_PER_PAGE = 25


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All open cases")), *CaseStatus.choices])
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices])


@login_required
def my_cases(request):
    """The cases the user may see: open ones unless a status is chosen, newest first, paged."""
    form = CaseFilterForm(request.GET or None)
    cases = cases_visible_to(request.user).select_related("person").order_by("-opened_on", "reference")
    filters = form.cleaned_data if form.is_valid() else {}
    cases = cases.filter(status=filters["status"]) if filters.get("status") else cases.exclude(status__in=CLOSED_STATUSES)
    if filters.get("region"):
        cases = cases.filter(region=filters["region"])
    page = Paginator(
        cases.only("id", "reference", "status", "region", "opened_on", "person__age_band", "person__presumed_minor"), CASES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "casework/my_cases.html", {"form": form, "page": page})


@require_POST
def choose_language(request):
    """Django's set_language, and the choice remembered on the user for every device."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in {"es", "en"} and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


# The case file shows every encrypted field of the person and the case; the view logs them all.
CASE_FILE_FIELDS = tuple(field.name for model in (Person, Case) for field in encrypted_fields(model))


def _labels(choices, codes):
    names = dict(choices)
    return [names.get(code, code) for code in codes]


def _field_labels():
    return {field.name: field.verbose_name for model in (Person, Case) for field in model._meta.fields}


@login_required
def case_file(request, case_id):
    """Every section of the case a user may see; the view and its fields go to the access log."""
    case = case_for(request.user, case_id, fields=CASE_FILE_FIELDS)
    person = case.person
    events = (
        AccessEvent.objects.filter(object_id=str(case.pk), action__in=[AccessAction.CREATE, AccessAction.UPDATE])
        .select_related("actor")
        .order_by("-sequence")
    )
    labels = _field_labels()
    history = [(event, [labels.get(name, name) for name in event.fields]) for event in events]
    context = {
        "case": case,
        "person": person,
        "document_type": dict(DocumentType.choices).get(person.document_type, person.document_type),
        "languages": _labels(Language.choices, person.languages),
        "exploitation_types": _labels(ExploitationType.choices, case.exploitation_types),
        "means_of_control": _labels(MeansOfControl.choices, case.means_of_control),
        "history": history,
        "can_edit": request.user.has_perm("casework.change_case", case),
    }
    return render(request, "casework/case_file.html", context)


class IdentityEdit(VersionedForm, IdentitySection):
    pass


class SituationEdit(VersionedForm, SituationSection):
    pass


class StatementEdit(VersionedForm, StatementSection):
    pass


# The sections of a case that are edited one at a time: (form, title, saved message).
SECTIONS = {
    "identity": (IdentityEdit, _("Identity"), _("Identity saved.")),
    "situation": (SituationEdit, _("Situation"), _("Situation saved.")),
    "statement": (StatementEdit, _("Single statement and interviews"), _("Statement details saved.")),
}


def _add_service_errors(form, error):
    """Put a service's ValidationError next to the form's fields (or on top when it has none)."""
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


@login_required
def case_new(request):
    """Intake: the identity of the person opens the case; the other sections follow on the case."""
    profile = getattr(request.user, "staff_profile", None)
    if profile is None:
        return render(request, "casework/no_office.html", status=403)
    form = IdentitySection(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, office=profile.office, person_fields=form.person_fields(), case_fields={})
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
            return redirect("case_file", case_id=case.pk)
    return render(request, "casework/section_form.html", {"form": form, "title": _("New case: identity")})


def _latest_event():
    return AccessEvent.objects.aggregate(latest=Max("sequence"))["latest"] or 0


def _changed_since(case, seen_event):
    """Field labels changed on the case by others after `seen_event` (never the values)."""
    labels = _field_labels()
    events = AccessEvent.objects.filter(object_id=str(case.pk), action=AccessAction.UPDATE, sequence__gt=seen_event)
    return sorted({str(labels.get(name, name)) for event in events for name in event.fields})


@login_required
def case_section_edit(request, case_id, section):
    """Edit one section; a save made meanwhile in another tab is never overwritten."""
    if section not in SECTIONS:
        raise Http404
    form_class, title, saved = SECTIONS[section]
    fields = [name for name in form_class.base_fields if name not in VersionedForm.base_fields]
    case = case_for(request.user, case_id, fields=fields, permission="change_case")
    context = {"case": case, "title": title, "conflict": None}
    if request.method != "POST":
        context["form"] = form_class(initial={**form_class.initial_from(case), "version": case.version, "seen_event": _latest_event()})
        return render(request, "casework/section_form.html", context)
    form = form_class(request.POST)
    if form.is_valid():
        person_fields, case_fields = form.changes()
        try:
            services.case_update(
                actor=request.user,
                case=case,
                expected_version=form.cleaned_data["version"],
                person_fields=person_fields,
                case_fields=case_fields,
            )
        except services.StaleEdit as stale:
            context["conflict"] = _changed_since(case, form.cleaned_data["seen_event"])
            # What the user typed stays in the form; saving again applies it over the other edit.
            data = request.POST.copy()
            data["version"], data["seen_event"] = stale.current_version, _latest_event()
            form = form_class(data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, saved)
            return redirect("case_file", case_id=case.pk)
    context["form"] = form
    return render(request, "casework/section_form.html", context, status=409 if context["conflict"] is not None else 200)
