"""The situation section of a case: what happened, recruitment, where and when."""

import pytest

from casework.models import Case

pytestmark = pytest.mark.django_db

SITUATION = {
    "trafficking_status": "CONFIRMED",
    "trafficking_status_decided_by": "PROSECUTOR",
    "exploitation_types": ["LABOUR", "SEXUAL"],
    "labour_sector": "MINING",
    "means_of_control": ["DEBT_BONDAGE", "WITHHOLDS_DOCUMENTS"],
    "recruiter_relation": "FRIEND",
    "recruitment_channel": "JOB_OFFER",
    "region": "17",
    "place_identified": "Campamento minero, La Pampa",
    "identified_by": "POLICE",
    "identified_on": "2026-10-02",
    "summary": "Captada con oferta de trabajo como cocinera.",
}


def save_situation(client, case, **changes):
    return client.post(f"/cases/{case.pk}/situation/", {**SITUATION, "version": case.version, "seen_event": 0, **changes})


def test_the_situation_is_saved_and_shown_on_the_case_file(client, editable_case, english):
    assert save_situation(client, editable_case).status_code == 302
    case = Case.objects.get(pk=editable_case.pk)
    assert (case.trafficking_status, case.labour_sector, case.region, case.version) == ("CONFIRMED", "MINING", "17", 2)
    assert case.means_of_control == ["DEBT_BONDAGE", "WITHHOLDS_DOCUMENTS"]
    assert case.place_identified == "Campamento minero, La Pampa"
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for shown in ["Debt bondage", "Public Prosecutor", "Mining", "Madre de Dios", "Campamento minero, La Pampa"]:
        assert shown in page


def test_the_form_opens_filled_with_what_the_case_holds(client, editable_case):
    save_situation(client, editable_case)
    form = client.get(f"/cases/{editable_case.pk}/situation/").context["form"]
    assert form.initial["means_of_control"] == ["DEBT_BONDAGE", "WITHHOLDS_DOCUMENTS"]
    assert form.initial["version"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"identified_on": "2099-01-01"}, "identified_on"),
        ({"exploitation_types": ["SEXUAL"]}, "labour_sector"),
        ({"exploitation_types": ["MAGIC"]}, "exploitation_types"),
        ({"region": "99"}, "region"),
        ({"place_identified": "x" * 301}, "place_identified"),
        ({"trafficking_status": ""}, "trafficking_status"),
    ],
)
def test_bad_situations_are_refused_with_the_field_named(client, editable_case, changes, field):
    response = save_situation(client, editable_case, **changes)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Case.objects.get(pk=editable_case.pk).version == 1


def test_an_unknown_section_is_a_404(client, editable_case):
    assert client.get(f"/cases/{editable_case.pk}/secrets/").status_code == 404


def test_a_stale_situation_edit_is_refused(client, editable_case):
    save_situation(client, editable_case)
    response = save_situation(client, editable_case, summary="otra versión")
    assert response.status_code == 409
    assert Case.objects.get(pk=editable_case.pk).summary == SITUATION["summary"]
