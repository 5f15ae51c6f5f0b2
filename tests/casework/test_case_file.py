"""The case file: readable by whoever may see the case, logged on every view, 404 for others."""

import datetime
import uuid

import pytest
from guardian.shortcuts import assign_perm

from casework import services
from casework.models import AccessAction, AccessEvent

from ..factories import UserFactory, open_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def alices_case(alice, lima):
    case = open_case(
        lima, given_names="María José", family_names="Quispe Mamani", today=TODAY, case_fields={"summary": "Rescatada en Laberinto."}
    )
    assign_perm("casework.view_case", alice, case)
    return case


def test_alice_reads_every_section_of_her_case(client, alices_case, english):
    page = client.get(f"/cases/{alices_case.pk}/").content.decode()
    for shown in ["María José", "Quispe Mamani", "70123456", "Rescatada en Laberinto.", "Sexual exploitation", alices_case.reference]:
        assert shown in page


def test_each_view_writes_an_access_event_naming_the_fields_read(client, alice, alices_case):
    client.get(f"/cases/{alices_case.pk}/")
    event = AccessEvent.objects.filter(action=AccessAction.VIEW).get()
    assert (event.actor, event.object_id, event.object_ref) == (alice, str(alices_case.pk), alices_case.reference)
    assert {"given_names", "document_number", "address", "summary", "statement_reference"} <= set(event.fields)
    assert event.ip == "127.0.0.1"


def test_another_caseworkers_case_is_a_404_and_the_attempt_is_logged(client, alice, lima):
    other = open_case(lima, given_names="Rosa", today=TODAY)
    response = client.get(f"/cases/{other.pk}/")
    assert response.status_code == 404
    assert "Rosa" not in response.content.decode()
    denied = AccessEvent.objects.get(action=AccessAction.DENIED)
    assert (denied.actor, denied.object_id) == (alice, str(other.pk))


def test_a_case_that_does_not_exist_looks_the_same_as_a_forbidden_one(client, alice):
    assert client.get(f"/cases/{uuid.uuid4()}/").status_code == 404
    assert AccessEvent.objects.filter(action=AccessAction.DENIED).count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, alices_case):
    client.logout()
    response = client.get(f"/cases/{alices_case.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_history_names_who_changed_which_fields_but_not_the_values(client, alice, alices_case, english):
    services.case_update(actor=alice, case=alices_case, expected_version=1, person_fields={"phone": "+51 900 000 111"})
    page = client.get(f"/cases/{alices_case.pk}/").content.decode()
    history = page[page.index("History of changes") :]
    assert "alice" in history
    assert "phone" in history
    assert "+51 900 000 111" not in history


def test_the_list_links_to_the_case_file(client, alices_case):
    assert f"/cases/{alices_case.pk}/" in client.get("/").content.decode()


# Fixed, whatever the notes, consents, reviews and history; includes the session's idle renewal
# (written on every request), the header's counts and the case's referrals in and out.
CASE_FILE_QUERIES = 24


def test_the_case_file_costs_a_bounded_number_of_queries(client, alice, alices_case, django_assert_max_num_queries):
    with django_assert_max_num_queries(CASE_FILE_QUERIES):
        client.get(f"/cases/{alices_case.pk}/")
    # More notes (by several authors), consents and history cost no more queries.
    for author in (alice, UserFactory(username="bruno"), UserFactory(username="carla")):
        services.note_add(actor=author, case=alices_case, text=f"Nota de {author.username}")
    for version, share in ((1, ["HEALTH"]), (2, [])):
        consent = {"given_on": datetime.date(2026, 11, 2), "method": "WRITTEN", "services": True, "share_with": share}
        consent.update(
            child_assent="GIVEN", guardian_kind="PARENT", guardian_consent_on=datetime.date(2026, 11, 2), guardian_method="WRITTEN"
        )
        services.case_update(actor=alice, case=alices_case, expected_version=version, consent=consent)
    with django_assert_max_num_queries(CASE_FILE_QUERIES):
        page = client.get(f"/cases/{alices_case.pk}/").content.decode()
    assert "Nota de carla" in page
