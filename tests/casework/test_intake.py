"""Intake of a new case (identity section) and editing it, with clear errors and no lost work."""

import datetime

import pytest
from django.utils import timezone

from casework.models import AccessAction, AccessEvent, Case, Person

pytestmark = pytest.mark.django_db

VALID = {
    "given_names": "Nayeli",
    "family_names": "Ccahuana Apaza",
    "aliases": "Naye, La Peque",
    "gender": "WOMAN",
    "age_min": "15",
    "age_max": "17",
    "age_estimated_on": "2026-11-01",
    "nationality": "per",
    "document_type": "NONE",
    "languages": ["spa", "que"],
    "phone": "+51 984 111 222",
    "notes": "Llegó con su hermana.",
}


def open_by_form(client, **changes):
    return client.post("/cases/new/", {**VALID, **changes})


def test_a_caseworker_opens_an_adolescents_case_with_an_estimated_age(client, caseworker, lima):
    response = open_by_form(client)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    person = case.person
    assert (person.given_names, person.aliases, person.languages) == ("Nayeli", ["Naye", "La Peque"], ["spa", "que"])
    assert (person.age_band, person.presumed_minor, person.nationality) == ("ADOLESCENT", True, "PER")
    assert case.reference.startswith(f"LIM-{timezone.localdate().year}-")
    assert case.reference in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"age_min": "", "age_max": "", "age_estimated_on": "", "birth_date": "2099-01-01"}, "birth_date", "no puede estar en el futuro"),
        ({"age_min": "17", "age_max": "12"}, "age_max", "de la edad menor a la mayor"),
        ({"age_max": ""}, "age_max", "requiere"),
        ({"age_estimated_on": "2099-01-01"}, "age_estimated_on", "fecha futura"),
        ({"birth_date": "2010-01-01"}, "age_min", "no ambos"),
        ({"age_min": "", "age_max": "", "age_estimated_on": ""}, "birth_date", "Indique la fecha de nacimiento"),
        ({"age_min": "", "age_max": "", "age_estimated_on": "", "birth_date": "2010-02-30"}, "birth_date", "fecha válida"),
        ({"given_names": ""}, "given_names", "obligatorio"),
        ({"given_names": "x" * 201}, "given_names", "200"),
        ({"notes": "x" * 5001}, "notes", "5000"),
        ({"gender": "ALIEN"}, "gender", "ALIEN"),
        ({"languages": ["klingon"]}, "languages", "klingon"),
        ({"nationality": "P3"}, "nationality", "PER"),
        ({"age_min": "abc"}, "age_min", "número entero"),
        ({"age_min": "-3"}, "age_min", "0"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_in_spanish_and_nothing_is_saved(client, caseworker, changes, field, message):
    response = open_by_form(client, **changes)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    body = response.content.decode()
    assert f'href="#id_{field}' in body  # the error summary links to the field
    assert (Person.objects.count(), Case.objects.count()) == (0, 0)


def test_what_was_typed_comes_back_when_the_form_is_refused(client, caseworker):
    body = open_by_form(client, given_names="").content.decode()
    assert "Ccahuana Apaza" in body
    assert "+51 984 111 222" in body


def test_a_user_without_an_office_cannot_open_cases(client, alice):
    response = open_by_form(client)
    assert response.status_code == 403
    assert Case.objects.count() == 0


def edit_page(client, case):
    return client.get(f"/cases/{case.pk}/identity/")


def posted(page, **changes):
    """The edit form as the browser would send it back, with some fields changed."""
    form = page.context["form"]
    if form.is_bound:  # a form sent back after a conflict: resend what it holds
        return {**{name: form.data.getlist(name) for name in form.data if name != "csrfmiddlewaretoken"}, **changes}
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data["age_estimated_on"] = str(data.get("age_estimated_on", ""))
    data["languages"] = form.initial.get("languages", [])
    return {**data, **changes}


def test_the_identity_can_be_edited_by_whoever_opened_the_case(client, caseworker):
    open_by_form(client)
    case = Case.objects.get()
    response = client.post(f"/cases/{case.pk}/identity/", posted(edit_page(client, case), phone="+51 900 000 000"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.person.phone, case.version) == ("+51 900 000 000", 2)
    assert AccessEvent.objects.filter(action=AccessAction.UPDATE, object_id=str(case.pk)).exists()


def test_a_second_tab_gets_a_conflict_and_keeps_what_was_typed(client, caseworker):
    open_by_form(client)
    case = Case.objects.get()
    first_tab, second_tab = edit_page(client, case), edit_page(client, case)
    assert client.post(f"/cases/{case.pk}/identity/", posted(first_tab, phone="+51 911 111 111")).status_code == 302
    response = client.post(f"/cases/{case.pk}/identity/", posted(second_tab, notes="Nota desde la segunda pestaña."))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Otra persona guardó este caso" in body
    assert "Cambió: teléfono." in body, "only what the other tab changed is named"
    assert "Nota desde la segunda pestaña." in body
    # The phone the other tab saved is in the form now, with this tab's old value written beside it.
    assert response.context["form"].initial["phone"] == "+51 911 111 111"
    assert "Lo que usted tenía aquí: +51 984 111 222" in body
    case.refresh_from_db()
    assert (case.person.phone, case.person.notes, case.version) == ("+51 911 111 111", "Llegó con su hermana.", 2)
    again = client.post(f"/cases/{case.pk}/identity/", posted(response))
    assert again.status_code == 302
    case.refresh_from_db()
    assert (case.person.notes, case.person.phone) == ("Nota desde la segunda pestaña.", "+51 911 111 111"), "neither edit is lost"


def test_a_value_both_tabs_changed_keeps_theirs_in_the_form_and_shows_mine(client, caseworker):
    open_by_form(client)
    case = Case.objects.get()
    first_tab, second_tab = edit_page(client, case), edit_page(client, case)
    client.post(f"/cases/{case.pk}/identity/", posted(first_tab, languages=["spa", "aym"]))
    response = client.post(f"/cases/{case.pk}/identity/", posted(second_tab, languages=["que"]))
    assert response.status_code == 409
    assert response.context["form"].initial["languages"] == ["spa", "aym"]
    assert "Lo que usted tenía aquí: Quechua" in response.content.decode()


def test_someone_who_may_only_see_the_case_cannot_edit_it(client, caseworker, lima):
    from guardian.shortcuts import assign_perm

    from ..factories import UserFactory, open_case, sign_in

    case = open_case(lima)
    viewer = UserFactory(username="victor")
    assign_perm("casework.view_case", viewer, case)
    sign_in(client, viewer)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert client.get(f"/cases/{case.pk}/identity/").status_code == 404
    assert client.post(f"/cases/{case.pk}/identity/", {"given_names": "X"}).status_code == 404
    assert Case.objects.get(pk=case.pk).person.given_names == "Rosa"


def test_an_adolescent_with_an_exact_birth_date_is_not_presumed_minor(client, caseworker):
    open_by_form(client, age_min="", age_max="", age_estimated_on="", birth_date=str(datetime.date(2010, 5, 2)))
    person = Person.objects.get()
    assert (person.age_band, person.presumed_minor) == ("ADOLESCENT", False)


def test_a_code_sent_twice_is_saved_once(client, caseworker):
    """Checkboxes cannot repeat a code, but a hand-made post can: the record keeps each once."""
    open_by_form(client, languages=["spa", "spa", "que"], disabilities=["VISUAL", "VISUAL"])
    person = Person.objects.get()
    assert (person.languages, person.disabilities) == (["spa", "que"], ["VISUAL"])
