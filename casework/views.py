"""Caseworker screens. Thin: parse, call access or a service, render."""

import datetime
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language

from . import audit, services, staffing
from .access import case_for, cases_visible_to, holds
from .choices import (
    CLOSED_STATUSES,
    CaseStatus,
    ConsentSector,
    Disability,
    DocumentType,
    ExploitationType,
    Language,
    MeansOfControl,
    Region,
    SafeChannel,
    ServiceType,
    joined_labels,
    labels,
)
from .fields import encrypted_fields
from .forms import (
    ConsentSection,
    IdentitySection,
    NeedsSection,
    NoteEditForm,
    NoteForm,
    SafetySection,
    SearchForm,
    SituationSection,
    StatementSection,
    VersionedForm,
    add_service_errors,
)
from .htcds.transfer import may_transfer
from .models import AccessAction, AccessEvent, Case, CaseNote, IncomingReferral, Person
from .paging import paginate
from .reviews import CLOSABLE, kind_label
from .search import find_people
from .team_views import team_context

CASES_PER_PAGE = 25
# What the list shows: plaintext columns only, nothing to decrypt.
MY_CASES_COLUMNS = (
    "id",
    "reference",
    "status",
    "region",
    "opened_on",
    "urgent",
    "intake_completed_on",
    "next_visit_on",
    "person__age_band",
    "person__presumed_minor",
)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All open cases")), *CaseStatus.choices])
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices])


def my_cases_context(request):
    """The cases the user may see: open ones unless a status is chosen, newest first, paged. (The
    home page, config.dashboards.home, shows them under the user's summary.)"""
    form = CaseFilterForm(request.GET or None)
    cases = cases_visible_to(request.user).select_related("person").order_by("-opened_on", "reference")
    filters = form.cleaned_data if form.is_valid() else {}
    cases = cases.filter(status=filters["status"]) if filters.get("status") else cases.exclude(status__in=CLOSED_STATUSES)
    if filters.get("region"):
        cases = cases.filter(region=filters["region"])
    return {"form": form, "page": paginate(request, cases.only(*MY_CASES_COLUMNS), CASES_PER_PAGE)}


@require_POST
def choose_language(request):
    """Django's set_language, and the choice remembered on the user for every device."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in {"es", "en"} and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


# The case file shows every encrypted field of the person and the case, and the case notes;
# the view logs them all.
# What the case file shows of the encrypted values, named in its access event.
CASE_FILE_FIELDS = (
    *(field.name for model in (Person, Case) for field in encrypted_fields(model)),
    "case_notes",
    "incoming_referral",
    "case_transfers",
)


def _field_labels():
    names = {field.name: field.verbose_name for model in (Person, Case) for field in model._meta.fields}
    return {
        **names,
        "consent": _("consent"),
        "case_notes": _("case notes"),
        "review": _("review"),
        "break_the_glass": _("break-the-glass access"),
        "case_transfer": _("transfer to another organisation"),
    }


def _history(case):
    """Who changed which fields of the case, when: never the values."""
    events = (
        AccessEvent.objects.filter(object_id=str(case.pk), action__in=[AccessAction.CREATE, AccessAction.UPDATE])
        .select_related("actor")
        .order_by("-sequence")
    )
    names = _field_labels()
    return [(event, [names.get(name, name) for name in event.fields]) for event in events]


def _consent_context(case):
    records = list(case.consents.select_related("recorded_by").order_by("-recorded_at", "-id"))
    current = records[0] if records else None
    return {
        "consent": current,
        "consent_history": records[1:],
        "consent_share_with": labels(ConsentSector.choices, current.share_with) if current else [],
        "consent_channels": labels(SafeChannel.choices, current.follow_up_channels) if current else [],
    }


@login_required
@require_safe
def case_file(request, case_id):
    """Every section of the case a user may see; the view and its fields go to the access log."""
    case = case_for(request.user, case_id, fields=CASE_FILE_FIELDS)
    person = case.person
    can_edit = holds(request.user, case, "change_case")
    notes = list(case.notes.select_related("author", "corrects").order_by("-created_at"))
    case_reviews = list(case.reviews.order_by("-requested_at"))
    section_titles = {slug: title for slug, (_form, title, _saved) in SECTIONS.items()}
    context = {
        "case": case,
        "person": person,
        "document_type": joined_labels(DocumentType.choices, [person.document_type]),
        "languages": labels(Language.choices, person.languages),
        "preferred_language": joined_labels(Language.choices, [person.preferred_language] if person.preferred_language else []),
        "disabilities": labels(Disability.choices, person.disabilities),
        "safe_channels": labels(SafeChannel.choices, person.safe_channels),
        "exploitation_types": labels(ExploitationType.choices, case.exploitation_types),
        "means_of_control": labels(MeansOfControl.choices, case.means_of_control),
        "needs": labels(ServiceType.choices, case.needs),
        "intake_missing": [(slug, section_titles[slug]) for slug in case.intake_sections_missing()],
        "notes": [(note, can_edit and note.editable_by(request.user)) for note in notes],
        "note_form": NoteForm(),
        "history": _history(case),
        "reviews": [(review, kind_label(review.kind)) for review in case_reviews],
        "can_request_closure": can_edit and case.status in CLOSABLE,
        "can_edit": can_edit,
        **_consent_context(case),
        **team_context(case, reviews=case_reviews, can_staff=can_edit or staffing.may_staff(request.user, case)),
        # Referrals in and out of this organisation (casework.htcds).
        "incoming": IncomingReferral.objects.filter(case=case).first(),
        "transfers": list(case.transfers.order_by("-requested_at")),
        "can_transfer": may_transfer(request.user, case),
    }
    return render(request, "casework/case_file.html", context)


def _versioned(section_form):
    """The section's form with the version and last-seen event an edit of the case carries."""
    return type(f"{section_form.__name__}Edit", (VersionedForm, section_form), {})


# The sections of a case that are edited one at a time: (form, title, saved message).
SECTIONS = {
    "identity": (_versioned(IdentitySection), _("Identity"), _("Identity saved.")),
    "situation": (_versioned(SituationSection), _("Situation"), _("Situation saved.")),
    "statement": (_versioned(StatementSection), _("Single statement and interviews"), _("Statement details saved.")),
    "safety": (_versioned(SafetySection), _("Safety and safe contact"), _("Safe-contact details saved.")),
    "consent": (_versioned(ConsentSection), _("Consent"), _("Consent recorded.")),
    "needs": (_versioned(NeedsSection), _("Needs"), _("Needs saved.")),
}


@login_required
def case_new(request):
    """Intake: the identity of the person opens the case; the other sections follow on the case."""
    profile = getattr(request.user, "staff_profile", None)
    if profile is None:
        return render(request, "casework/no_office.html", status=403)
    form = IdentitySection(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, office=profile.office, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
            return redirect("case_file", case_id=case.pk)
    return render(request, "casework/section_form.html", {"form": form, "title": _("New case: identity")})


def _latest_event():
    return AccessEvent.objects.aggregate(latest=Max("sequence"))["latest"] or 0


def _changed_since(case, seen_event):
    """Names of the fields of the case others changed after `seen_event` (never the values)."""
    events = AccessEvent.objects.filter(object_id=str(case.pk), action=AccessAction.UPDATE, sequence__gt=seen_event)
    return {name for event in events for name in event.fields}


# Logged field names that stand for several form fields.
FORM_FIELDS_OF = {"age_estimate": ("age_min", "age_max", "age_estimated_on"), "consent": ConsentSection.RECORD_FIELDS}


def _shown(field, value):
    """A cleaned value as the user would recognise it: labels for codes, local dates."""
    if value in (None, "", []):
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    labels = dict(getattr(field, "choices", ()))
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(labels.get(item, item)) for item in values)


def _after_conflict(form_class, form, case, current_version):
    """The form to show after a stale save, and the labels of what the other person changed.

    Fields the other person changed show their new value, with what this user had there written
    beside it, so nothing typed is lost and saving again does not undo their edit by accident;
    every other field keeps what this user typed.
    """
    names = _changed_since(case, form.cleaned_data["seen_event"])
    theirs = form_class.initial_from(case)
    initial = {**form.cleaned_data, "version": current_version, "seen_event": _latest_event()}
    notes = {}
    form_fields = {field for logged in names for field in FORM_FIELDS_OF.get(logged, (logged,))}
    for name in form_fields & set(theirs):
        field = form.fields[name]
        if field.has_changed(theirs[name], form[name].data):
            initial[name] = theirs[name]
            notes[name] = _shown(field, form.cleaned_data.get(name))
    fresh = form_class(initial=initial, case=case)
    for name, yours in notes.items():
        fresh.fields[name].conflict_yours = yours
    field_names = _field_labels()
    return fresh, sorted(str(field_names.get(name, name)) for name in names if name in field_names)


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
        initial = {**form_class.initial_from(case), "version": case.version, "seen_event": _latest_event()}
        context["form"] = form_class(initial=initial, case=case)
        return render(request, "casework/section_form.html", context)
    form = form_class(request.POST, case=case)
    if form.is_valid():
        try:
            services.case_update(
                actor=request.user, case=case, expected_version=form.cleaned_data["version"], section=section, **form.changes()
            )
        except services.StaleEdit as stale:
            form, context["conflict"] = _after_conflict(form_class, form, case, stale.current_version)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved)
            return redirect("case_file", case_id=case.pk)
    context["form"] = form
    return render(request, "casework/section_form.html", context, status=409 if context["conflict"] is not None else 200)


@login_required
@require_POST
def case_complete_intake(request, case_id):
    """End the intake draft once every section has been saved."""
    case = case_for(request.user, case_id, permission="change_case")
    try:
        services.case_complete_intake(actor=request.user, case=case)
    except services.IntakeIncomplete:
        messages.error(request, _("The intake cannot be completed yet: fill in the sections marked as missing."))
    else:
        messages.success(request, _("Intake completed. The case is now in immediate assistance."))
    return redirect("case_file", case_id=case.pk)


def _case_note(case, note_id):
    """The note of this case with that id (None when no id is given); 404 for anything else."""
    if not note_id:
        return None
    try:
        return CaseNote.objects.select_related("author").get(case=case, pk=uuid.UUID(str(note_id)))
    except (ValueError, CaseNote.DoesNotExist):
        raise Http404 from None


@login_required
def case_note_add(request, case_id):
    """Write a note, or a correction of an earlier one (`?corrects=<note id>`)."""
    corrects_id = request.POST.get("corrects") or request.GET.get("corrects")
    # A correction shows the note it corrects: a read of the notes.
    case = case_for(request.user, case_id, fields=["case_notes"] if corrects_id else [], permission="change_case")
    corrects = _case_note(case, corrects_id)
    form = NoteForm(request.POST or None, initial={"corrects": corrects.pk if corrects else None})
    if request.method == "POST" and form.is_valid():
        services.note_add(actor=request.user, case=case, text=form.cleaned_data["text"], corrects=corrects)
        messages.success(request, _("Note saved."))
        return redirect(f"{reverse('case_file', args=[case.pk])}#notes")
    title = _("Correction of a note") if corrects else _("New note")
    return render(request, "casework/note_form.html", {"case": case, "form": form, "title": title, "corrects": corrects})


@login_required
def case_note_edit(request, case_id, note_id):
    """Change one's own note in its first 24 hours; after that only a correction can be added."""
    case = case_for(request.user, case_id, fields=["case_notes"], permission="change_case")
    note = _case_note(case, note_id)
    if not note.editable_by(request.user):
        messages.error(request, _("This note can no longer be changed. Add a correction instead."))
        return redirect(f"{reverse('case_note_add', args=[case.pk])}?corrects={note.pk}")
    form = NoteEditForm(request.POST or None, initial={"text": note.text, "version": note.version})
    context = {"case": case, "form": form, "title": _("Edit note"), "conflict": False}
    if request.method == "POST" and form.is_valid():
        try:
            services.note_edit(actor=request.user, note=note, text=form.cleaned_data["text"], expected_version=form.cleaned_data["version"])
        except services.NoteLocked:
            messages.error(request, _("This note can no longer be changed. Add a correction instead."))
            return redirect(f"{reverse('case_note_add', args=[case.pk])}?corrects={note.pk}")
        except services.StaleEdit as stale:
            context["conflict"] = True
            data = request.POST.copy()
            data["version"] = stale.current_version
            context["form"] = NoteEditForm(data)
        else:
            messages.success(request, _("Note saved."))
            return redirect(f"{reverse('case_file', args=[case.pk])}#notes")
    return render(request, "casework/note_form.html", context, status=409 if context["conflict"] else 200)


@login_required
def search(request):
    """Find a person by document number or names, among the cases the user may see.

    POST only, so what was searched never appears in a URL, a log line or the browser history.
    """
    form = SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        visible = cases_visible_to(request.user)
        people = find_people(form.cleaned_data["query"], people=Person.objects.filter(cases__in=visible).distinct())
        results = list(visible.filter(person__in=people).select_related("person").order_by("-opened_on"))
        audit.record(
            action=AccessAction.SEARCH, actor=request.user, fields=sorted(Person.SEARCHABLE_FIELDS), detail=f"{len(results)} results"
        )
    return render(request, "casework/search.html", {"form": form, "results": results})
