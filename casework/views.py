"""Caseworker screens. Thin: parse, call access or a service, render."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .access import case_for, cases_visible_to
from .choices import CaseStatus, DocumentType, ExploitationType, Language, Region
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


CASE_FILE_FIELDS = (
    "given_names",
    "family_names",
    "aliases",
    "birth_date",
    "age_estimate",
    "document_type",
    "document_number",
    "languages",
    "phone",
    "address",
    "notes",
    "place_identified",
    "summary",
)


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
        "history": history,
    }
    return render(request, "casework/case_file.html", context)
