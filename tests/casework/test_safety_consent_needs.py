"""The intake sections after the statement: safe contact, consent (minors apart) and needs."""

import datetime

import pytest
from guardian.shortcuts import assign_perm

from casework.models import AccessAction, AccessEvent, Case, ConsentRecord

from ..factories import open_case

pytestmark = pytest.mark.django_db


def save(client, case, section, **fields):
    case.refresh_from_db()
    return client.post(f"/cases/{case.pk}/{section}/", {"version": case.version, "seen_event": 0, **fields})


@pytest.fixture
def adult_case(alice, lima):
    case = open_case(lima, birth_date=datetime.date(1990, 5, 1), gender="MAN")
    assign_perm("casework.view_case", alice, case)
    assign_perm("casework.change_case", alice, case)
    return case


SAFETY = {
    "safe_channels": ["WHATSAPP", "OFFICE_VISIT"],
    "safe_hours": "Lunes a viernes, 9 a 12",
    "contact_kept_secret": "on",
    "must_not_know": "Su conviviente",
    "code_word": "girasol",
    "never_visit": "Av. Los Incas 450, Puerto Maldonado",
}


def test_safe_contact_is_saved_encrypted_and_shown_with_a_reminder(client, editable_case, english):
    assert save(client, editable_case, "safety", **SAFETY).status_code == 302
    person = Case.objects.select_related("person").get(pk=editable_case.pk).person
    assert (person.safe_channels, person.code_word, person.contact_kept_secret) == (["WHATSAPP", "OFFICE_VISIT"], "girasol", True)
    page = client.get(f"/cases/{editable_case.pk}/").content.decode()
    assert "girasol" in page
    assert "Av. Los Incas 450" in page
    assert "never put these details in a message" in page
    event = AccessEvent.objects.filter(action=AccessAction.VIEW).latest("sequence")
    assert {"code_word", "never_visit", "must_not_know", "safe_channels"} <= set(event.fields)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"must_not_know": "Su tío"}, "contact_kept_secret"),
        ({"safe_channels": ["CARRIER_PIGEON"]}, "safe_channels"),
        ({"code_word": "x" * 101}, "code_word"),
    ],
)
def test_inconsistent_safe_contact_is_refused_and_nothing_saved(client, editable_case, fields, field):
    response = save(client, editable_case, "safety", **fields)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Case.objects.select_related("person").get(pk=editable_case.pk).person.code_word == ""


ADULT_CONSENT = {
    "given_on": "2026-11-02",
    "method": "WRITTEN",
    "services": "on",
    "share_with": ["HEALTH", "LEGAL_AID"],
    "follow_up_contact": "on",
    "follow_up_channels": ["WHATSAPP"],
    "statistics": "on",
}


def test_an_adults_consent_is_recorded_with_who_and_when(client, alice, adult_case, english):
    form = client.get(f"/cases/{adult_case.pk}/consent/").context["form"]
    assert "guardian_kind" not in form.fields, "an adult consents alone"
    assert save(client, adult_case, "consent", **ADULT_CONSENT).status_code == 302
    record = ConsentRecord.objects.get(case=adult_case)
    assert (record.recorded_by, record.given_on, record.share_with) == (alice, datetime.date(2026, 11, 2), ["HEALTH", "LEGAL_AID"])
    assert record.allows_sharing_with("HEALTH")
    assert not record.allows_sharing_with("POLICE")
    page = client.get(f"/cases/{adult_case.pk}/").content.decode()
    assert "Health, Legal aid" in page


def test_a_withdrawal_is_a_new_record_and_the_earlier_one_stays(client, adult_case):
    save(client, adult_case, "consent", **ADULT_CONSENT)
    assert save(client, adult_case, "consent", **{**ADULT_CONSENT, "share_with": [], "statistics": ""}).status_code == 302
    first, current = ConsentRecord.objects.filter(case=adult_case).order_by("recorded_at", "id")
    assert first.share_with == ["HEALTH", "LEGAL_AID"]
    assert (current.share_with, current.statistics) == ([], False)
    assert not current.allows_sharing_with("HEALTH")
    form = client.get(f"/cases/{adult_case.pk}/consent/").context["form"]
    assert form.initial["share_with"] == [], "the form starts from the consent in force"


MINOR_CONSENT = {
    **ADULT_CONSENT,
    "child_assent": "GIVEN",
    "guardian_kind": "PROTECTION_UNIT",
    "guardian_consent_on": "2026-11-03",
    "guardian_method": "WRITTEN",
}


def test_a_minors_assent_and_guardian_consent_are_recorded_apart(client, editable_case, english):
    assert save(client, editable_case, "consent", **MINOR_CONSENT).status_code == 302
    record = ConsentRecord.objects.get(case=editable_case)
    assert (record.child_assent, record.guardian_kind, record.guardian_consent_on) == (
        "GIVEN",
        "PROTECTION_UNIT",
        datetime.date(2026, 11, 3),
    )
    assert "Child protection unit (UPE)" in client.get(f"/cases/{editable_case.pk}/").content.decode()


@pytest.mark.parametrize("missing", ["child_assent", "guardian_kind", "guardian_consent_on", "guardian_method"])
def test_a_minor_without_guardian_consent_fields_is_an_error_in_spanish(client, editable_case, missing):
    response = save(client, editable_case, "consent", **{**MINOR_CONSENT, missing: ""})
    assert response.status_code == 200
    assert "Obligatorio para una niña, niño o adolescente" in response.context["form"].errors[missing][0]
    assert not ConsentRecord.objects.exists()
    assert Case.objects.get(pk=editable_case.pk).version == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"given_on": "2099-01-01"}, "given_on"),
        ({"given_on": "2026-02-30"}, "given_on"),
        ({"given_on": ""}, "given_on"),
        ({"method": "TELEPATHY"}, "method"),
        ({"share_with": ["NSA"]}, "share_with"),
        ({"follow_up_channels": []}, "follow_up_channels"),
        ({"follow_up_contact": ""}, "follow_up_contact"),
    ],
)
def test_wrong_consent_is_refused_and_nothing_recorded(client, adult_case, fields, field):
    response = save(client, adult_case, "consent", **{**ADULT_CONSENT, **fields})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ConsentRecord.objects.exists()


def test_the_service_refuses_a_minors_consent_without_the_guardian_even_past_the_form(editable_case, alice):
    from django.core.exceptions import ValidationError

    from casework import services

    with pytest.raises(ValidationError) as refused:
        services.case_update(
            actor=alice,
            case=editable_case,
            expected_version=1,
            consent={"given_on": datetime.date(2026, 11, 2), "method": "WRITTEN", "services": True},
        )
    assert set(refused.value.message_dict) == set(ConsentRecord.MINOR_FIELDS)
    assert Case.objects.get(pk=editable_case.pk).version == 1, "nothing half-saved: the version bump is rolled back"


def test_needs_and_urgency_are_saved_and_flagged_in_my_cases(client, editable_case, english):
    fields = {"needs": ["SHELTER_MINORS", "PSYCHOLOGICAL"], "urgent": "on", "needs_notes": "Necesita lentes."}
    assert save(client, editable_case, "needs", **fields).status_code == 302
    case = Case.objects.get(pk=editable_case.pk)
    assert (case.needs, case.urgent, case.needs_notes) == (["SHELTER_MINORS", "PSYCHOLOGICAL"], True, "Necesita lentes.")
    assert "Residential care for children and adolescents" in client.get(f"/cases/{case.pk}/").content.decode()
    assert "Urgent" in client.get("/").content.decode()


@pytest.mark.parametrize(("fields", "field"), [({"needs": ["SPA_DAY"]}, "needs"), ({"urgent": "on"}, "needs")])
def test_wrong_needs_are_refused(client, editable_case, fields, field):
    response = save(client, editable_case, "needs", **fields)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Case.objects.get(pk=editable_case.pk).needs == []


def test_a_case_counts_in_statistics_only_while_the_consent_in_force_says_so(client, adult_case):
    assert not Case.objects.get(pk=adult_case.pk).in_statistics
    assert save(client, adult_case, "consent", **ADULT_CONSENT).status_code == 302
    assert Case.objects.get(pk=adult_case.pk).in_statistics
    withdrawn = {name: value for name, value in ADULT_CONSENT.items() if name != "statistics"}
    assert save(client, adult_case, "consent", **withdrawn).status_code == 302
    assert not Case.objects.get(pk=adult_case.pk).in_statistics
