"""Fuzzing of the intake form and of the case section forms through the test client, with hypothesis.

Whatever is posted, by a browser or by someone who is not one:

- the answer is the form with its errors (200), a redirect to the case (302) or a conflict (409): never a
  server error, never an exception;
- a refusal (200) or a conflict (409) saves nothing: no row more or less, the case and the person exactly as
  they were (version included), and the page says so (the Spanish error summary, or the conflict notice);
- a save (302) leaves valid records (full_clean() passes), an age band that follows from the evidence, no
  date in the future, and every field read back (decrypted) as posted: text stripped as Django forms strip,
  codes as sent, dates and ticks as Django's own fields read them.

Each example starts from a valid-looking post and breaks up to four fields: hostile values (empty, very
long, NUL bytes, odd unicode, impossible dates, out-of-range or negative numbers, unknown codes), several
values for one field, a field left out, or fields the form does not know (which it must ignore). Fields a
form has and the strategies do not name are filled from the form's own definition, so that new fields and
new sections are fuzzed too without breaking the strategies.

The database is not rolled back between examples (one test, one transaction): each example compares its
own before and after.
"""

import datetime
import enum
import functools
import re
import string
from urllib.parse import quote, quote_from_bytes

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.db.models import Max, TextChoices
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

from casework import choices
from casework.age import assess, month_of
from casework.choices import (
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
from casework.forms import IdentitySection, VersionedForm
from casework.models import AccessEvent, Case, Person
from casework.views import SECTIONS

pytestmark = pytest.mark.django_db

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no explain phase: slow here
)

# locale/es/LC_MESSAGES/django.po: the error summary, and the conflict notice.
REFUSED = "Corrija los campos señalados a continuación. No se guardó nada."
CONFLICT = "Otra persona guardó este caso después de que usted abrió este formulario."

# Valid dates stay valid if a run crosses midnight in Lima.
LATEST_VALID_DATE = timezone.localdate() - datetime.timedelta(days=2)
LABOUR_FORMS = {ExploitationType.LABOUR, ExploitationType.SERVITUDE, ExploitationType.CHILD_LABOUR, ExploitationType.FORCED_BEGGING}
VERSION_FIELDS = frozenset(VersionedForm.base_fields)
# Rows that every request may add (the access log); every other table of the app must not move on a refusal.
LOG_MODELS = {"accessevent", "accessloghead", "accesslogcheck"}


class Token(enum.Enum):
    """What to post in a hidden field, resolved against the case as it is when the example runs."""

    CURRENT = "the case's version"
    STALE = "an older version"
    AHEAD = "a version not reached yet"
    LATEST = "the latest access event"
    ZERO = "0"
    LEFT_OUT = "the field left out"
    GARBAGE = "a hostile value"

    def __repr__(self):
        return f"Token.{self.name}"


# --- Values ------------------------------------------------------------------------------------------

SPANISH = st.sampled_from("abcdefghijklmnñopqrstuvwxyzáéíóúüABCDEFGHIJKLMNÑOPQRSTUVWXYZÁÉÍÓÚÜ '-.,")
# Any character a browser can send but NUL: control characters, combining marks, right-to-left marks, emoji...
# (surrogates cannot be encoded, so no browser sends them).
ODD = st.characters(codec="utf-8", exclude_characters="\x00")
PADDING = st.sampled_from(["", " ", "\t", "\n", "\r\n", "  \u3000", "\xa0"])
NAMES = ["María José", "Nayeli", "Wendy Lucía", "Ñusta", "D'Angelo", "Yésica Ccori", "李小龍", "Zoë", "Jhon Kevin 😀"]


@functools.cache
def text(max_length, *, required=False):
    """What a person could type in a field of `max_length`: sometimes padded with spaces, sometimes at the limit."""
    typed = st.text(st.one_of(SPANISH, ODD), min_size=int(required), max_size=min(max_length, 60))
    at_limit = st.builds(lambda char, n: char * n, st.sampled_from("xñ😀"), st.integers(max(1, max_length - 2), max_length))
    padded = st.builds(lambda before, value, after: before + value + after, PADDING, st.one_of(typed, at_limit), PADDING)
    return padded.filter(lambda value: value.strip()) if required else padded


def date_text(day):
    """A date as the phone's date picker sends it, or as a person types it in Spanish."""
    return st.sampled_from([day.isoformat(), day.strftime("%d/%m/%Y")])


PAST_DATE = st.dates(datetime.date(1900, 1, 1), LATEST_VALID_DATE).flatmap(date_text)
MAYBE_PAST_DATE = st.one_of(st.just(""), PAST_DATE)
TICK = st.sampled_from(["on", Token.LEFT_OUT])

ALL_CODES = sorted(
    {code for kind in vars(choices).values() if isinstance(kind, type) and issubclass(kind, TextChoices) for code in kind.values}
)
IMPOSSIBLE_DATES = [
    "2026-02-30",
    "31/12/2026",
    "9999-99-99",
    "0000-00-00",
    "2026-13-01",
    "29/02/2023",
    "32/01/2020",
    "1/1/20",
    "01/01/99",
    "0001-01-01",
    "9999-12-31",
    "2020-02-29T00:00",
    "20200101",
    "hoy",
    "2020-01-01\x00",
    # Around today: the last valid day and the first future one.
    *(str(day) for day in (timezone.localdate() + datetime.timedelta(days=shift) for shift in (-1, 0, 1, 366))),
]
ODD_NUMBERS = [
    "-1",
    "-0",
    "0",
    "121",
    "1e3",
    "1.5",
    "15.0",
    " 15 ",
    "+15",
    "\u0663",
    "\uff11\uff15",
    "0x10",
    "NaN",
    "inf",
    "1_5",  # int() reads 15
    "9" * 30,
    "9" * 5000,
]
ODD_CODES = ["ALIEN", "woman", "WOMAN ", " spa", "SPA", " ", "on", "off", "true", "false", "None", "null", "[]", "{}"]
INJECTIONS = ["<script>alert(1)</script>", "' OR 1=1 --", "{{ 7|add:7 }}", "{% debug %}", "%s%n", "\\", "\u202eabc", "a\u0301", "\ufeff"]
LENGTHS = [3, 4, 40, 41, 64, 65, 100, 101, 200, 201, 300, 301, 500, 501, 1000, 1001, 2000, 2001, 5000, 5001, 6000]

HOSTILE_SCALAR = st.one_of(
    st.just(""),
    st.sampled_from([*IMPOSSIBLE_DATES, *ODD_NUMBERS, *ODD_CODES, *INJECTIONS, "\x00", "a\x00b", "\x00" * 3]),
    st.sampled_from(ALL_CODES),
    st.integers(-(10**30), 10**30).map(str),
    st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)).flatmap(date_text),
    st.builds(lambda part, n: (part * n)[:n], st.sampled_from(["x", "ñ", " ", "\x00", "😀", "a\n", "\r\n"]), st.sampled_from(LENGTHS)),
    st.text(st.characters(codec="utf-8"), max_size=40),  # NUL included
    # Bytes that are not UTF-8 (an encoded surrogate, an overlong NUL...), sent raw: Django decodes them with U+FFFD.
    st.one_of(st.sampled_from([b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\x80", b"a\x00", b"\xe2\x82"]), st.binary(min_size=1, max_size=12)),
)
# Several values for one field: a single-choice field keeps the last, a multiple-choice one gets them all.
HOSTILE = st.one_of(HOSTILE_SCALAR, st.lists(st.one_of(st.sampled_from(ALL_CODES), HOSTILE_SCALAR), min_size=2, max_size=4))

# Names the forms do not have (or not yet): model fields that must not be mass-assigned, and anything else.
EXTRA_NAMES = [
    "preferred_language",
    "needs_interpreter",
    "disabilities",
    "id",
    "pk",
    "person",
    "office",
    "reference",
    "status",
    "age_band",
    "presumed_minor",
    "age_band_changes_in",
    "intake_sections",
    "intake_completed_on",
    "opened_on",
    "version",
    "seen_event",
]
ANY_NAME = st.text(string.ascii_letters + string.digits + "_-[].", min_size=1, max_size=30)


def codes(field):
    """The codes a choice field accepts (groups flattened), "" left out."""
    found = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            found.extend(str(code) for code, _label in label)
        else:
            found.append(str(value))
    return [code for code in found if code != ""]


def optional(values):
    return st.sampled_from(["", *values])


@functools.cache
def from_definition(field):
    """A valid-looking value for a form field the strategies do not name, read from the field itself."""
    # Filled rather than empty, optional or not: a field a section's rules may require (a minor's consent).
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(st.sampled_from(codes(field)), unique=True, min_size=1, max_size=3) if codes(field) else st.just([])
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from(codes(field) or [""])
    if isinstance(field, forms.BooleanField):
        return TICK
    if isinstance(field, forms.IntegerField):
        low = 0 if field.min_value is None else field.min_value
        return st.integers(low, low + 100 if field.max_value is None else field.max_value).map(str)
    if isinstance(field, forms.DateField):
        return PAST_DATE
    if isinstance(field, forms.CharField):
        return text(field.max_length or 500, required=field.required)
    return st.just("")


# --- The sections' fields, valid-looking and consistent with each other --------------------------------


@st.composite
def identity_fields(draw):
    fields = {
        "given_names": draw(st.one_of(st.sampled_from(NAMES), text(200, required=True))),
        "family_names": draw(text(200)),
        "aliases": draw(
            st.one_of(text(300), st.lists(st.sampled_from(["Naye", " La Peque ", "", "Chata", "ñ,"]), max_size=4).map(",".join))
        ),
        "gender": draw(st.sampled_from(Gender.values)),
        "nationality": draw(st.one_of(st.just(""), st.text(string.ascii_letters, min_size=3, max_size=3))),
        "document_type": draw(optional(DocumentType.values)),
        "document_number": draw(text(64)),
        "languages": draw(st.lists(st.sampled_from(Language.values), unique=True, max_size=3)),
        "phone": draw(text(40)),
        "address": draw(text(500)),
        "notes": draw(text(5000)),
    }
    if draw(st.booleans()):
        return {
            **fields,
            "birth_date": draw(PAST_DATE),
            "birth_date_is_estimated": draw(TICK),
            **dict.fromkeys(["age_min", "age_max", "age_estimated_on"], ""),
        }
    low = draw(st.integers(0, 120))
    high = draw(st.integers(low, 120))
    return {
        **fields,
        "birth_date": "",
        "birth_date_is_estimated": Token.LEFT_OUT,
        "age_min": str(low),
        "age_max": str(high),
        "age_estimated_on": draw(PAST_DATE),
    }


@st.composite
def situation_fields(draw):
    kinds = draw(st.lists(st.sampled_from(ExploitationType.values), unique=True, max_size=4))
    return {
        "trafficking_status": draw(st.sampled_from(TraffickingStatus.values)),
        "trafficking_status_decided_by": draw(optional(Institution.values)),
        "exploitation_types": kinds,
        "labour_sector": draw(optional(LabourSector.values)) if LABOUR_FORMS & set(kinds) else "",
        "means_of_control": draw(st.lists(st.sampled_from(MeansOfControl.values), unique=True, max_size=4)),
        "recruiter_relation": draw(optional(RecruiterRelation.values)),
        "recruitment_channel": draw(optional(RecruitmentChannel.values)),
        "region": draw(st.sampled_from(Region.values)),
        "place_identified": draw(text(300)),
        "identified_by": draw(optional(Institution.values)),
        "identified_on": draw(MAYBE_PAST_DATE),
        "summary": draw(text(5000)),
    }


@st.composite
def statement_fields(draw):
    fields = {"preferred_interviewer_gender": draw(st.sampled_from(PreferredGender.values))}
    if not draw(st.booleans()):
        details = dict.fromkeys(["statement_setting", "statement_taken_on", "statement_reference"], "")
        return {**fields, "statement_taken": Token.LEFT_OUT, **details}
    return {
        **fields,
        "statement_taken": "on",
        "statement_setting": draw(st.sampled_from(StatementSetting.values)),
        "statement_taken_on": draw(MAYBE_PAST_DATE),
        "statement_reference": draw(text(200)),
    }


NAMED = {"identity": identity_fields(), "situation": situation_fields(), "statement": statement_fields()}


@st.composite
def posts(draw, form_class, named=None):
    """(data, names of the fields broken, names of the fields filled from their definition)."""
    data = draw(named) if named is not None else {}
    unnamed = {name for name in form_class.base_fields if name not in data and name not in VERSION_FIELDS}
    data.update({name: draw(from_definition(form_class.base_fields[name])) for name in sorted(unnamed)})
    # Half the breakages hit the form's own fields; the others, names it does not have.
    fields = st.sampled_from(sorted(set(data) | set(form_class.base_fields) - VERSION_FIELDS))
    extra = st.sampled_from(sorted(set(EXTRA_NAMES) - (VERSION_FIELDS & set(form_class.base_fields))))
    names = st.one_of(fields, fields, extra, ANY_NAME)
    breakages = draw(st.lists(st.tuples(names, st.one_of(st.just(Token.LEFT_OUT), HOSTILE)), max_size=4))
    data.update(breakages)
    data = {name: value for name, value in data.items() if value is not Token.LEFT_OUT}
    data["csrfmiddlewaretoken"] = "x" * 64  # a browser always sends it; the test client does not check it
    return data, {name for name, _value in breakages}, unnamed


def hidden(usual, *others):
    """Mostly what the page sent (else hardly an edit would get through); sometimes another token, or garbage."""
    tokens = st.sampled_from([Token.GARBAGE, *others, *[usual] * 8])
    return tokens.flatmap(lambda token: HOSTILE if token is Token.GARBAGE else st.just(token))


VERSION = hidden(Token.CURRENT, Token.STALE, Token.AHEAD, Token.LEFT_OUT)
SEEN_EVENT = hidden(Token.LATEST, Token.ZERO, Token.LEFT_OUT)


# --- Reading back ----------------------------------------------------------------------------------


def values_of(value):
    """The values posted for one field (a list is several values of one field)."""
    return value if isinstance(value, list) else [value]


def as_posted(data):
    """The QueryDict the view reads for `data`: bytes decoded as Django decodes them."""
    posted = QueryDict(mutable=True)
    for name, value in data.items():
        if value != []:
            posted.setlist(name, [item.decode("utf-8", "replace") if isinstance(item, bytes) else item for item in values_of(value)])
    return posted


def read_by_django(field, posted, name):
    """What Django's own widget and field make of the posted value: the oracle for dates, ticks, numbers."""
    with translation.override("es"):
        return field.clean(field.widget.value_from_datadict(posted, {}, name))


def world():
    """Row counts of every table of the app but the access log (one query)."""
    models = [model for model in apps.get_app_config("casework").get_models() if model._meta.model_name not in LOG_MODELS]
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)})" for model in models)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip((model._meta.label for model in models), cursor.fetchone(), strict=True))


def rows(case_id):
    """The case's and the person's rows as stored (ciphertexts, version and timestamps included)."""
    case = Case.objects.filter(pk=case_id).values().get()
    return case, Person.objects.filter(pk=case["person_id"]).values().get()


def fetch(case_id):
    return Case.objects.select_related("person", "office").get(pk=case_id)


ENCODINGS = st.sampled_from(["urlencoded", "multipart"])


def send(client, url, data, encoding):
    """Post as a browser does by default (urlencoded), or as a multipart form (the test client's default)."""
    if encoding == "urlencoded":
        body = "&".join(
            f"{quote(name, safe='')}={quote_from_bytes(item if isinstance(item, bytes) else item.encode(), safe='')}"
            for name, value in data.items()
            for item in values_of(value)
        )
        return client.post(url, body, content_type="application/x-www-form-urlencoded")
    return client.post(url, {name: [value] if isinstance(value, bytes) else value for name, value in data.items()})


def post(client, url, data, encoding):
    response = send(client, url, data, encoding)
    event(f"status {response.status_code}")
    form = response.context["form"] if response.context and "form" in response.context else None
    note(f"{response.status_code}; errors: {form.errors.as_data() if form is not None else None}")
    assert response.status_code in {200, 302, 409}
    return response, form


def check_refused(response, form):
    """The page says nothing was saved, and shows every error of the fields one can see (hidden ones: see below)."""
    assert form.errors, "a 200 answer to a post is a refusal: it must say what to fix"
    body = response.content.decode()
    assert REFUSED in body
    visible = {field.name for field in form.visible_fields()} | {NON_FIELD_ERRORS}
    for name, messages in form.errors.items():
        if name in visible:
            for message in messages:
                assert escape(message) in body, (name, message)


def check_saved(form_class, data, case):
    """The records are valid, and every field the form has reads back as posted."""
    person, today = case.person, timezone.localdate()
    person.full_clean()
    case.full_clean()
    for relation in Case._meta.related_objects:
        if relation.related_model._meta.app_label == "casework" and not relation.related_model.__name__.endswith("ObjectPermission"):
            for row in relation.related_model._default_manager.filter(**{relation.field.name: case}):
                row.full_clean()
    posted = as_posted(data)
    person_fields = {field.name for field in Person._meta.concrete_fields}
    case_fields = {field.name for field in Case._meta.concrete_fields}
    for name, field in form_class.base_fields.items():
        if name in person_fields - case_fields:
            saved = getattr(person, name)
        elif name in case_fields - person_fields:
            saved = getattr(case, name)
        else:
            continue  # not a model field (age range, hidden version...): checked elsewhere
        if isinstance(field, forms.MultipleChoiceField):
            assert set(posted.getlist(name)) <= set(saved) <= set(codes(field)), name
        elif isinstance(field, forms.ChoiceField):
            assert saved == (posted.get(name) or ""), name
        elif isinstance(field, forms.BooleanField):
            if name != "birth_date_is_estimated":  # checked with the age
                assert saved is read_by_django(field, posted, name), name
        elif isinstance(field, forms.DateField):
            assert saved == read_by_django(field, posted, name), name
            assert saved is None or saved <= today, name
        elif isinstance(field, forms.CharField):
            typed = (posted.get(name) or "").strip()
            if name == "aliases":
                assert saved == [alias.strip() for alias in typed.split(",") if alias.strip()]
            elif name == "nationality":
                assert saved == typed.upper()
            else:
                assert saved == typed, name
    assert case.opened_on <= today


def check_age(person, posted):
    """The age band follows from the evidence, and the evidence is what was posted."""
    today = timezone.localdate()
    assessment = assess(person.age_evidence(), today)
    assert (person.age_band, person.presumed_minor, person.age_band_changes_in) == (
        assessment.band.value,
        assessment.presumed_minor,
        month_of(assessment.next_band_change),
    )
    fields = IdentitySection.base_fields
    if person.birth_date is not None:
        assert person.age_estimate is None
        assert person.birth_date <= today
        assert person.birth_date_is_estimated is read_by_django(fields["birth_date_is_estimated"], posted, "birth_date_is_estimated")
    else:
        estimate = {name: read_by_django(fields[name], posted, name) for name in ("age_min", "age_max", "age_estimated_on")}
        assert person.age_estimate == {
            "min": estimate["age_min"],
            "max": estimate["age_max"],
            "estimated_on": estimate["age_estimated_on"].isoformat(),
        }
        assert 0 <= estimate["age_min"] <= estimate["age_max"] <= 120
        assert estimate["age_estimated_on"] <= today
        assert person.birth_date_is_estimated is False


def check_section_rules(section, case):
    if section == "situation" and case.labour_sector:
        assert LABOUR_FORMS & set(case.exploitation_types)
    if section == "statement":
        if case.statement_taken:
            assert case.statement_setting
        else:
            assert (case.statement_setting, case.statement_taken_on, case.statement_reference) == ("", None, "")


def check_valid_post_accepted(form, response, pristine, unnamed):
    """A post the strategies made valid is saved, unless a field they do not name (a new one) objects."""
    if pristine and response.status_code == 200:
        assert set(form.errors) <= unnamed, f"a valid post was refused: {form.errors.as_data()}"


# --- The tests ---------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=80)
@given(st.data())
def test_intake_never_fails_and_saves_only_valid_cases(client, caseworker, data):
    form_class = IdentitySection
    values, broken, unnamed = data.draw(posts(form_class, NAMED["identity"]), label="post")
    before, known = world(), set(Case.objects.values_list("pk", flat=True))
    response, form = post(client, "/cases/new/", values, data.draw(ENCODINGS, label="encoding"))
    assert response.status_code != 409
    if response.status_code == 200:
        check_refused(response, form)
        assert world() == before
    else:
        (case_id,) = set(Case.objects.values_list("pk", flat=True)) - known
        assert response["Location"] == f"/cases/{case_id}/"
        assert (Person.objects.count(), Case.objects.count()) == (before["casework.Person"] + 1, before["casework.Case"] + 1)
        case = fetch(case_id)
        assert (case.version, case.office.code) == (1, "LIM")
        check_saved(form_class, values, case)
        check_age(case.person, as_posted(values))
    check_valid_post_accepted(form, response, not broken & set(form_class.base_fields), unnamed)


def resolve(token, current, latest_event):
    """The hidden field's value for `token` (a hostile value is posted as drawn)."""
    match token:
        case Token.CURRENT:
            return str(current.version)
        case Token.STALE:
            return str(current.version - 1 if current.version > 1 else current.version + 1)
        case Token.AHEAD:
            return str(current.version + 1)
        case Token.LATEST:
            return str(latest_event)
        case Token.ZERO:
            return "0"
    return token


def fuzz_section(client, case_id, section, data):
    """One example: a post to the section of the case, and what must hold after it."""
    form_class = SECTIONS[section][0]
    values, broken, unnamed = data.draw(posts(form_class, NAMED.get(section)), label="post")
    version, seen_event = data.draw(VERSION, label="version"), data.draw(SEEN_EVENT, label="seen_event")
    before_case = fetch(case_id)
    latest_event = AccessEvent.objects.aggregate(latest=Max("sequence"))["latest"] or 0
    hidden = {"version": resolve(version, before_case, latest_event), "seen_event": resolve(seen_event, before_case, latest_event)}
    values.update({name: value for name, value in hidden.items() if value is not Token.LEFT_OUT})
    before, before_rows = world(), rows(case_id)

    response, form = post(client, f"/cases/{case_id}/{section}/", values, data.draw(ENCODINGS, label="encoding"))

    posted_version = as_posted(values).get("version")
    if response.status_code in {200, 409}:
        assert (world(), rows(case_id)) == (before, before_rows), "a refused or conflicting edit wrote to the database"
        if response.status_code == 200:
            check_refused(response, form)
        else:
            assert CONFLICT in response.content.decode()
            assert VersionedForm.base_fields["version"].clean(posted_version) != before_case.version
    else:
        assert response["Location"] == f"/cases/{case_id}/"
        case = fetch(case_id)
        assert VersionedForm.base_fields["version"].clean(posted_version) == before_case.version
        assert case.version == before_case.version + 1
        assert (case.reference, case.office_id, case.person_id, case.opened_on) == (
            before_case.reference,
            before_case.office_id,
            before_case.person_id,
            before_case.opened_on,
        )
        assert (Person.objects.count(), Case.objects.count()) == (before["casework.Person"], before["casework.Case"])
        check_saved(form_class, values, case)
        check_section_rules(section, case)
        if not set(form_class.base_fields) & {field.name for field in Person._meta.concrete_fields}:
            assert rows(case_id)[1] == before_rows[1], "a section without person fields changed the person"
        if section == "identity":
            check_age(case.person, as_posted(values))
    if version is Token.CURRENT and seen_event in (Token.LATEST, Token.ZERO):
        check_valid_post_accepted(form, response, section in NAMED and not broken & set(form_class.base_fields), unnamed)


@settings(FUZZ, max_examples=70)
@given(st.data())
def test_identity_edits_never_fail_and_save_only_valid_records(client, editable_case, data):
    fuzz_section(client, editable_case.pk, "identity", data)


@settings(FUZZ, max_examples=70)
@given(st.data())
def test_situation_edits_never_fail_and_save_only_valid_records(client, editable_case, data):
    fuzz_section(client, editable_case.pk, "situation", data)


@settings(FUZZ, max_examples=60)
@given(st.data())
def test_statement_edits_never_fail_and_save_only_valid_records(client, editable_case, data):
    fuzz_section(client, editable_case.pk, "statement", data)


@pytest.mark.parametrize("section", [section for section in SECTIONS if section not in NAMED])
@settings(FUZZ, max_examples=25)
@given(st.data())
def test_other_sections_never_fail_and_save_only_valid_records(client, editable_case, section, data):
    """Sections the strategies do not name (yet): every field from its definition, the same properties."""
    fuzz_section(client, editable_case.pk, section, data)


def test_a_refusal_for_a_hidden_field_says_what_is_wrong(client, editable_case):
    response = client.post(
        f"/cases/{editable_case.pk}/statement/", {"preferred_interviewer_gender": "WOMAN", "version": "abc", "seen_event": "0"}
    )
    assert response.status_code == 200
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.DOTALL).group()
    assert "<li>" in summary
    assert "Este formulario estaba desactualizado o dañado" in summary
